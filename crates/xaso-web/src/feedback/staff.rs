//! What the commune's officers do besides the state machine's actions: record at the counter the
//! feedback a citizen brings (`POST /phan-anh/quay`), assign an item to a specialist, and forward
//! it to another commune of the system (both from the item page).

use axum::extract::State;
use axum::response::Response;
use axum::Form;
use serde::Deserialize;
use xaso_store::feedback::{self, Channel, Feedback, NewFeedback};
use xaso_store::identity::User;
use xaso_store::{StoreError, Tx};

use super::{item_response, list_response, ActionForm};
use crate::dossier::pages::shown;
use crate::error::PageError;
use crate::pages::PageContext;
use crate::AppState;

/// The choices of the assign and forward forms: the specialists of the item's commune and the
/// other communes of the system.
pub(super) async fn choices(
    tx: &mut Tx,
    item: &Feedback,
) -> Result<(Vec<(String, String)>, Vec<(String, String)>), StoreError> {
    let specialists = feedback::specialists_of(tx, &item.agency_code).await?;
    let communes = xaso_store::dossier::communes(tx)
        .await?
        .into_iter()
        .filter(|c| c.agency_code != item.agency_code)
        .map(|c| (c.agency_code, c.name))
        .collect();
    Ok((specialists, communes))
}

/// `assign` and `forward_agency` from the item page.
pub(super) async fn route(
    state: &AppState,
    ctx: &PageContext,
    user: &User,
    code: &str,
    form: &ActionForm,
) -> Result<Response, PageError> {
    let done = async {
        let mut tx = state.store.begin().await?;
        if form.action == "assign" {
            feedback::assign(
                &mut tx,
                code,
                form.version,
                &form.specialist,
                user,
                state.now(),
            )
            .await?;
        } else {
            feedback::forward_to_agency(
                &mut tx,
                &state.rules,
                code,
                form.version,
                &form.agency_code,
                user,
                state.now(),
            )
            .await?;
        }
        tx.commit().await
    }
    .await;
    match done {
        // After forwarding, the item is no longer this commune's: back to the register.
        Ok(()) if form.action == "forward_agency" => Ok(crate::pages::see_other("/phan-anh")),
        Ok(()) => Ok(crate::pages::see_other(&format!("/phan-anh/{code}"))),
        Err(error) => {
            let problem = shown(error)?;
            item_response(state, ctx, user, code, Some(problem)).await
        }
    }
}

#[derive(Deserialize)]
pub struct CounterForm {
    csrf: String,
    author_name: String,
    #[serde(default)]
    author_contact: String,
    service_code: String,
    description: String,
    #[serde(default)]
    dossier_code: String,
}

/// `POST /phan-anh/quay`: an officer records feedback brought to the counter.
pub async fn counter_page(
    State(state): State<AppState>,
    ctx: PageContext,
    Form(form): Form<CounterForm>,
) -> Result<Response, PageError> {
    let user = match ctx.require("/phan-anh") {
        Ok(user) => user.clone(),
        Err(response) => return Ok(*response),
    };
    ctx.check(&form.csrf)?;
    let new = NewFeedback {
        agency_code: None,
        channel: Channel::Counter,
        service_code: form.service_code,
        author_name: form.author_name,
        author_contact: Some(form.author_contact),
        description: form.description,
        address: None,
        lat: None,
        lon: None,
        dossier_code: Some(form.dossier_code),
    };
    let made = async {
        let mut tx = state.store.begin().await?;
        let item =
            feedback::record_at_counter(&mut tx, &state.rules, &new, &user, state.now()).await?;
        tx.commit().await?;
        Ok::<_, StoreError>(item)
    }
    .await;
    match made {
        Ok(item) => Ok(crate::pages::see_other(&format!("/phan-anh/{}", item.code))),
        Err(error) => list_response(&state, &ctx, &user, Some(shown(error)?)).await,
    }
}
