//! The signed e-result: when a leader approves, the result is drawn as a PDF and signed (PAdES)
//! with the leader's certificate, then kept as the dossier's result.

use xaso_docs::pki::{issue, name, seal, unseal, Certificate, Key};
use xaso_domain::identity::Role;
use xaso_store::audit::Actor;
use xaso_store::dossier::{self, FileMeta, StoredFile};
use xaso_store::identity::User;
use xaso_store::pki::{self, NewCertificate};
use xaso_store::{Store, StoreError};

use crate::AppState;

fn certificate(stored: &pki::StoredCertificate) -> Certificate {
    Certificate {
        der: stored.cert.clone(),
        issuer: stored.issuer.clone(),
        serial: stored.serial.clone(),
    }
}

/// Signs and stores the result of a resolved dossier; `None` when the installation has no
/// secret key or the leader has no valid certificate (the result then stays unsigned).
pub async fn sign_result(
    state: &AppState,
    code: &str,
    user: &User,
    public_base: &str,
) -> Result<Option<FileMeta>, StoreError> {
    let Some(secret) = state.secret else {
        return Ok(None);
    };
    let now = state.now();
    let mut tx = state.store.read().await?;
    let Some(signer) = pki::signer_of(&mut tx, &user.username, now).await? else {
        return Ok(None);
    };
    let Some(ca) = pki::ca_of(&mut tx, &signer.agency_code, now).await? else {
        return Ok(None);
    };
    let view = dossier::view(&mut tx, &state.rules, code, now)
        .await?
        .ok_or_else(|| StoreError::NotFound(format!("hồ sơ {code}")))?;
    tx.commit().await?;
    let key = unseal(&secret, &signer.key_sealed).ok_or_else(|| {
        StoreError::Invalid("không mở được khóa ký: khóa bí mật của hệ thống đã thay đổi?".into())
    })?;
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
    let certificate_of_signer = certificate(&signer);
    let chain = [certificate(&ca)];
    let signed = xaso_docs::sign::sign(
        xaso_docs::forms::result_document(&data),
        &xaso_docs::sign::Signer {
            key: &key,
            certificate: &certificate_of_signer,
            chain: &chain,
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

/// Creates what is missing: a CA per commune, a certificate per leader of it.
pub async fn issue_certificates(
    store: &Store,
    secret: &[u8; 32],
) -> Result<(usize, usize), StoreError> {
    let now = chrono::Utc::now();
    let actor = Actor::system("pki");
    let mut tx = store.read().await?;
    let agencies = xaso_store::agency::list(&mut tx).await?;
    let users = xaso_store::identity::list_users(&mut tx).await?;
    tx.commit().await?;
    let (mut cas, mut signers) = (0, 0);
    for commune in agencies.iter().filter(|a| a.kind == "commune") {
        let mut tx = store.begin().await?;
        let ca_name = name(&format!("CA {}", commune.name), &commune.name);
        let (ca_key, ca_issuer) = match pki::ca_of(&mut tx, &commune.agency_code, now).await? {
            Some(existing) => {
                let key =
                    xaso_docs::pki::unseal(secret, &existing.key_sealed).ok_or_else(|| {
                        StoreError::Invalid(
                            "không mở được khóa CA: khóa bí mật của hệ thống đã thay đổi?".into(),
                        )
                    })?;
                (key, existing_subject(&existing))
            }
            None => {
                let key = Key::generate();
                let cert = issue(&ca_name, &key, &ca_name, &key, true, now, 3650);
                pki::add(
                    &mut tx,
                    &NewCertificate {
                        kind: "ca",
                        agency_code: &commune.agency_code,
                        username: None,
                        subject: &format!("CA {}", commune.name),
                        cert: &cert.der,
                        issuer: &cert.issuer,
                        serial: &cert.serial,
                        key_sealed: &seal(secret, &key),
                        not_after: now + chrono::Duration::days(3650),
                    },
                    now,
                    &actor,
                )
                .await?;
                cas += 1;
                (key, ca_name.clone())
            }
        };
        // Leaders of this commune: their agency is the commune or one of its units.
        let units: Vec<&str> = agencies
            .iter()
            .filter(|a| a.agency_code == commune.agency_code || a.parent_id == Some(commune.id))
            .map(|a| a.agency_code.as_str())
            .collect();
        for user in users
            .iter()
            .filter(|u| u.has_role(Role::Leader) && !u.disabled)
        {
            if !user
                .agency_code
                .as_deref()
                .is_some_and(|c| units.contains(&c))
            {
                continue;
            }
            if pki::signer_of(&mut tx, &user.username, now)
                .await?
                .is_some()
            {
                continue;
            }
            let key = Key::generate();
            let cert = issue(
                &name(&user.full_name, &commune.name),
                &key,
                &ca_issuer,
                &ca_key,
                false,
                now,
                730,
            );
            pki::add(
                &mut tx,
                &NewCertificate {
                    kind: "signer",
                    agency_code: &commune.agency_code,
                    username: Some(&user.username),
                    subject: &user.full_name,
                    cert: &cert.der,
                    issuer: &cert.issuer,
                    serial: &cert.serial,
                    key_sealed: &seal(secret, &key),
                    not_after: now + chrono::Duration::days(730),
                },
                now,
                &actor,
            )
            .await?;
            signers += 1;
        }
        tx.commit().await?;
    }
    Ok((cas, signers))
}

/// The subject of a stored CA, as the issuer of the certificates it signs: read from its DER.
fn existing_subject(stored: &pki::StoredCertificate) -> Vec<u8> {
    // Certificate ::= SEQUENCE { tbs SEQUENCE { [0] version, serial, algorithm, issuer, validity, subject, … } }
    let Some((_, certificate, _)) = xaso_docs::der::read(&stored.cert) else {
        return stored.issuer.clone();
    };
    let Some((_, mut tbs, _)) = xaso_docs::der::read(certificate) else {
        return stored.issuer.clone();
    };
    let mut fields = Vec::new();
    while let Some((tag, _, rest)) = xaso_docs::der::read(tbs) {
        fields.push(&tbs[..tbs.len() - rest.len()]);
        let _ = tag;
        tbs = rest;
    }
    fields
        .get(5)
        .map_or_else(|| stored.issuer.clone(), |s| s.to_vec())
}
