//! The signed e-result: when a leader approves, the result is drawn as a PDF and signed (PAdES)
//! with the leader's certificate, then kept as the dossier's result.

use xaso_domain::identity::Role;
use xaso_store::dossier::{self, FileMeta, StoredFile};
use xaso_store::identity::User;
use xaso_store::StoreError;

use crate::pki::signing_key;
use crate::AppState;

/// Signs and stores the result of a resolved dossier; `None` when the installation has no
/// secret key or the leader has no valid certificate (the result then stays unsigned).
pub async fn sign_result(
    state: &AppState,
    code: &str,
    user: &User,
    public_base: &str,
) -> Result<Option<FileMeta>, StoreError> {
    let now = state.now();
    let Some(signing) =
        signing_key(&state.store, state.secret.as_ref(), &user.username, now).await?
    else {
        return Ok(None);
    };
    let mut tx = state.store.read().await?;
    let view = dossier::view(&mut tx, &state.rules, code, now)
        .await?
        .ok_or_else(|| StoreError::NotFound(format!("hồ sơ {code}")))?;
    tx.commit().await?;
    // The result is the competent commune's document, whoever received the dossier.
    let mut tx = state.store.read().await?;
    let commune = xaso_store::agency::by_code(&mut tx, &view.handling_commune)
        .await?
        .map(|a| a.name)
        .unwrap_or_default();
    tx.commit().await?;
    let issuer = xaso_docs::forms::Issuer {
        parent: String::new(),
        place: super::pages::place_of(&commune),
        agency: commune,
    };
    let data = xaso_docs::forms::ResultDoc {
        issuer,
        code: view.code.clone(),
        number: view
            .result
            .as_ref()
            .map(|r| r.number.clone())
            .unwrap_or_default(),
        procedure: view.procedure_name.clone(),
        applicant: view.applicant.name.clone(),
        decided: super::pages::spoken(view.resolved_at),
        signer: user.full_name.clone(),
        signer_title: "Lãnh đạo UBND xã".into(),
        verification_url: format!("{public_base}/xac-thuc/{}", view.code),
        date_line: super::pages::date_words(view.resolved_at.unwrap_or(now)),
    };
    let signed = xaso_docs::sign::sign(
        xaso_docs::forms::result_document(&data),
        &xaso_docs::sign::Signer {
            key: &signing.key,
            certificate: &signing.certificate,
            chain: &signing.chain,
            name: user.full_name.clone(),
        },
        "Phê duyệt kết quả giải quyết thủ tục hành chính",
        now,
    );
    let size = signed.len();
    let sha256 = state.files.put(signed).await?;
    let stored = StoredFile {
        sha256,
        size,
        content_type: "application/pdf",
    };
    let mut tx = state.store.begin().await?;
    let meta = dossier::attach_result(
        &mut tx,
        &state.rules,
        code,
        &format!("ket-qua-{code}.pdf"),
        &stored,
        user,
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(Some(meta))
}

/// After an approval: sign the result if possible; a failure is logged, the approval stands.
pub async fn after_approval(state: &AppState, code: &str, user: &User, public_base: &str) {
    if let Err(error) = sign_result(state, code, user, public_base).await {
        tracing::warn!(%error, code, "the result could not be signed");
    }
}

/// Signs the results approved before their leader had a certificate (the demo's dossiers are
/// approved while seeding, before the certificates exist); returns how many were signed.
pub async fn sign_missing_results(
    state: &AppState,
    public_base: &str,
) -> Result<usize, StoreError> {
    let now = state.now();
    let mut tx = state.store.read().await?;
    let summaries = dossier::list(&mut tx, &state.rules, None, now).await?;
    let users = xaso_store::identity::list_users(&mut tx).await?;
    let mut pending = Vec::new();
    for summary in summaries {
        let Some(view) = dossier::view(&mut tx, &state.rules, &summary.code, now).await? else {
            continue;
        };
        if view.result.is_none() || view.e_result().is_some() {
            continue;
        }
        // The history keeps the approver's name; their account signs.
        let approver = view
            .history
            .iter()
            .rev()
            .find(|h| h.action == "approve")
            .and_then(|h| {
                users
                    .iter()
                    .find(|u| u.full_name == h.actor && u.has_role(Role::Leader))
            });
        if let Some(user) = approver {
            pending.push((view.code, user.clone()));
        }
    }
    tx.commit().await?;
    let mut signed = 0;
    for (code, user) in pending {
        if sign_result(state, &code, &user, public_base)
            .await?
            .is_some()
        {
            signed += 1;
        }
    }
    Ok(signed)
}
