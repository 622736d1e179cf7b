//! Which dossier and feedback events tell the citizen, and the values of their messages.

use chrono::{DateTime, Utc};
use uuid::Uuid;
use xaso_domain::calendar::deadline::to_local;
use xaso_domain::dossier::{Action, DossierState, Status};
use xaso_domain::notification::{DossierNotice, Notice};

use super::{enqueue, About, Recipient};
use crate::dossier::DossierRules;
use crate::{catalog, db, StoreError, Tx};

#[derive(sqlx::FromRow)]
struct DossierContact {
    code: String,
    procedure_code: String,
    procedure_version: i64,
    applicant_name: String,
    applicant_phone: Option<String>,
    applicant_email: Option<String>,
    submitted_by: Option<Uuid>,
    username: Option<String>,
    agency_name: String,
}

/// "17 giờ 00 ngày 05/05/2026", as appointments are written on the receipt.
fn spoken(at: DateTime<Utc>) -> String {
    to_local(at).format("%H giờ %M ngày %d/%m/%Y").to_string()
}

/// Writes a message once the dossier's contact is read.
type Writer<'a> = Box<dyn FnOnce(&DossierNotice) -> Notice + Send + 'a>;

/// The message a transition warrants, if any: accepted (received), asked for papers, asked to
/// pay, resolved (result ready), apologised with a new date. Judged before the dossier's contact is
/// read, which most steps (a forward, an approval's way up) then spare.
fn notice_for<'a>(
    action: Option<&'a Action>,
    before: Status,
    after: &DossierState,
) -> Option<Writer<'a>> {
    match action {
        Some(Action::RequestSupplement { items, reason }) => {
            return Some(Box::new(move |d| {
                Notice::supplement_requested(d, items, reason)
            }))
        }
        Some(Action::RequestPayment { amount, detail }) => {
            let amount = format!("{} đồng", xaso_domain::money::format_vnd(*amount));
            return Some(Box::new(move |d| Notice::fee_due(d, &amount, detail)));
        }
        Some(Action::Apologize { reason, new_date }) => {
            let new_date = new_date.format("%d/%m/%Y").to_string();
            return Some(Box::new(move |d| Notice::apology(d, &new_date, reason)));
        }
        _ => {}
    }
    match (before, after.status) {
        (Status::Registered, Status::Received) => {
            let appointment = after.due.map(spoken).unwrap_or_default();
            Some(Box::new(move |d| Notice::dossier_received(d, &appointment)))
        }
        (from, Status::Resolved) if from != Status::Resolved => {
            Some(Box::new(Notice::result_ready))
        }
        _ => None,
    }
}

/// Tells the applicant about a dossier's transition (`action` is `None` for the submission
/// itself), in the transaction that made it.
pub(crate) async fn on_dossier(
    tx: &mut Tx,
    rules: &DossierRules,
    dossier_id: Uuid,
    action: Option<&Action>,
    before: Status,
    after: &DossierState,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    let Some(write) = notice_for(action, before, after) else {
        return Ok(());
    };
    let contact: DossierContact = db!(tx.conn(), |c| {
        sqlx::query_as(
        "SELECT d.code, d.procedure_code, d.procedure_version, d.applicant_name, d.applicant_phone,
                d.applicant_email, d.submitted_by, u.username, a.name AS agency_name
         FROM dossiers d JOIN agencies a ON a.id = d.receiving_commune_id
              LEFT JOIN users u ON u.id = d.submitted_by
         WHERE d.id = $1"
    )
    .bind(dossier_id)
    .fetch_one(&mut *c)
    .await
    })?;
    let procedure = catalog::procedure(tx, &contact.procedure_code, contact.procedure_version)
        .await?
        .map(|procedure| procedure.name.clone())
        .unwrap_or_else(|| contact.procedure_code.clone());
    let d = DossierNotice {
        recipient: contact.applicant_name.clone(),
        agency: contact.agency_name.clone(),
        link: rules.notices.link(&format!("/tra-cuu?ma={}", contact.code)),
        code: contact.code,
        procedure,
    };
    let notice = write(&d);
    let to = Recipient {
        email: contact.applicant_email,
        phone: contact.applicant_phone,
        user: contact.submitted_by.zip(contact.username),
    };
    let about = About {
        dossier: Some(dossier_id),
        feedback: None,
    };
    enqueue(tx, rules, &notice, &to, about, now).await?;
    Ok(())
}

#[derive(sqlx::FromRow)]
struct FeedbackContact {
    code: String,
    author_name: String,
    author_contact: Option<String>,
    author_id: Option<Uuid>,
    username: Option<String>,
    agency_name: String,
}

/// Tells a feedback item's author that it was answered: by the contact they left (e-mail or
/// phone) and in their portal inbox when they sent it signed in.
pub(crate) async fn on_feedback_answered(
    tx: &mut Tx,
    rules: &DossierRules,
    feedback_id: Uuid,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    let item: FeedbackContact = db!(tx.conn(), |c| {
        sqlx::query_as(
        "SELECT f.code, f.author_name, f.author_contact, f.author_id, u.username, a.name AS agency_name
         FROM feedback f JOIN agencies a ON a.id = f.agency_id LEFT JOIN users u ON u.id = f.author_id
         WHERE f.id = $1"
    )
    .bind(feedback_id)
    .fetch_one(&mut *c)
    .await
    })?;
    let to = Recipient {
        user: item.author_id.zip(item.username),
        ..Recipient::default()
    }
    .with_contact(item.author_contact.as_deref());
    let link = rules.notices.link(&format!("/phan-anh/{}", item.code));
    let notice = Notice::feedback_answered(&item.author_name, &item.agency_name, &item.code, &link);
    let about = About {
        dossier: None,
        feedback: Some(feedback_id),
    };
    enqueue(tx, rules, &notice, &to, about, now).await?;
    Ok(())
}
