//! Messages to citizens on the web: the portal inbox of an account (`/thong-bao`), and the rows
//! of the "messages sent" table on a dossier's pages (what was sent, on which channel, whether it
//! arrived).

use axum::extract::State;
use axum::response::Response;
use xaso_store::notification::{self, Message};

use crate::dossier::pages::{local, page_error};
use crate::error::PageError;
use crate::pages::{render, Nav, PageContext};
use crate::AppState;

/// One line of a "messages sent" table: when, about what, how, to whom, how it went.
pub struct SentRow {
    pub at: String,
    pub event: &'static str,
    pub channel: &'static str,
    pub recipient: String,
    pub status: &'static str,
    pub error: String,
}

pub fn sent_rows(messages: &[Message]) -> Vec<SentRow> {
    messages
        .iter()
        .map(|m| SentRow {
            at: local(Some(m.sent_at.unwrap_or(m.created_at))),
            event: m.event_label(),
            channel: m.channel_label(),
            recipient: m.recipient.clone(),
            status: m.status_label(),
            error: m.last_error.clone().unwrap_or_default(),
        })
        .collect()
}

/// A message in the inbox: its text split around the portal link it carries, so the link is
/// one to follow.
pub struct InboxRow {
    pub at: String,
    pub subject: String,
    pub before: String,
    pub link: String,
    pub after: String,
    pub unread: bool,
}

/// Splits `text` around the first address on the portal (`public_url…` up to a space).
fn split_link(text: &str, public_url: &str) -> (String, String, String) {
    match text.find(public_url).filter(|_| !public_url.is_empty()) {
        Some(start) => {
            let end = text[start..]
                .find(char::is_whitespace)
                .map_or(text.len(), |n| start + n);
            (
                text[..start].to_string(),
                text[start..end].to_string(),
                text[end..].to_string(),
            )
        }
        None => (text.to_string(), String::new(), String::new()),
    }
}

#[derive(askama::Template)]
#[template(path = "inbox.html")]
struct InboxPage {
    nav: Nav,
    rows: Vec<InboxRow>,
    unread: usize,
}

/// `/thong-bao`: the signed-in account's messages, newest first; seeing them marks them read.
pub async fn inbox_page(
    State(state): State<AppState>,
    ctx: PageContext,
) -> Result<Response, PageError> {
    let user = match ctx.require("/thong-bao") {
        Ok(user) => user.clone(),
        Err(response) => return Ok(*response),
    };
    let mut tx = state.store.begin().await.map_err(page_error)?;
    let messages = notification::inbox(&mut tx, user.id, 100)
        .await
        .map_err(page_error)?;
    notification::mark_read(&mut tx, user.id, state.now())
        .await
        .map_err(page_error)?;
    tx.commit().await.map_err(page_error)?;
    let rows: Vec<InboxRow> = messages
        .into_iter()
        .map(|m| {
            let (before, link, after) = split_link(&m.body, &state.rules.notices.public_url);
            InboxRow {
                at: local(Some(m.created_at)),
                unread: m.read_at.is_none(),
                subject: m.subject,
                before,
                link,
                after,
            }
        })
        .collect();
    Ok(ctx.finish(render(&InboxPage {
        nav: ctx.nav(),
        unread: rows.iter().filter(|r| r.unread).count(),
        rows,
    })))
}

#[cfg(test)]
mod tests {
    use super::split_link;

    #[test]
    fn the_portal_link_is_found_in_a_message() {
        let (before, link, after) = split_link(
            "Hồ sơ X đã có kết quả. Chi tiết: https://xa.vn/tra-cuu?ma=X rồi",
            "https://xa.vn",
        );
        assert_eq!(
            (before.as_str(), link.as_str(), after.as_str()),
            (
                "Hồ sơ X đã có kết quả. Chi tiết: ",
                "https://xa.vn/tra-cuu?ma=X",
                " rồi"
            )
        );
        let (before, link, _) = split_link("không có đường dẫn", "https://xa.vn");
        assert_eq!((before.as_str(), link.as_str()), ("không có đường dẫn", ""));
    }
}
