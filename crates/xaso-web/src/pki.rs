//! Signing certificates: a CA per commune issuing leaders' certificates, certificates imported
//! from a provider's .p12 file, and which of them sign and which the verifier trusts.

use chrono::{DateTime, Utc};
use xaso_docs::pki::{issue, name, seal, Certificate, Key};
use xaso_domain::identity::Role;
use xaso_store::audit::Actor;
use xaso_store::pki::{self, NewCertificate, StoredCertificate};
use xaso_store::{Store, StoreError, Tx};

pub fn certificate(stored: &StoredCertificate) -> Certificate {
    Certificate {
        der: stored.cert.clone(),
        issuer: stored.issuer.clone(),
        serial: stored.serial.clone(),
    }
}

/// The DER certificates stored one after another in a chain column.
fn split_chain(chain: &[u8]) -> Vec<Vec<u8>> {
    let mut out = Vec::new();
    let mut rest = chain;
    while let Some((_, _, next)) = xaso_docs::der::read(rest) {
        out.push(rest[..rest.len() - next.len()].to_vec());
        rest = next;
    }
    out
}

/// The certificate a user signs with now and the chain sent with it: the provider's chain of an
/// imported certificate, or the commune's CA. `None` when the user cannot sign.
pub async fn signing_identity(
    tx: &mut Tx,
    username: &str,
    now: DateTime<Utc>,
) -> Result<Option<(StoredCertificate, Vec<Certificate>)>, StoreError> {
    let Some(signer) = pki::signer_of(tx, username, now).await? else {
        return Ok(None);
    };
    let chain = match &signer.chain {
        Some(chain) => split_chain(chain)
            .iter()
            .filter_map(|der| Certificate::from_der(der))
            .collect(),
        None => match pki::ca_of(tx, &signer.agency_code, now).await? {
            Some(ca) => vec![certificate(&ca)],
            None => return Ok(None),
        },
    };
    Ok(Some((signer, chain)))
}

/// What signs for a user: the unsealed key, its certificate and the chain sent with it.
pub struct SigningKey {
    pub key: Key,
    pub certificate: Certificate,
    pub chain: Vec<Certificate>,
}

/// The user's signing key now, or `None` without an installation secret or a usable certificate.
pub async fn signing_key(
    store: &Store,
    secret: Option<&[u8; 32]>,
    username: &str,
    now: DateTime<Utc>,
) -> Result<Option<SigningKey>, StoreError> {
    let Some(secret) = secret else {
        return Ok(None);
    };
    let mut tx = store.read().await?;
    let identity = signing_identity(&mut tx, username, now).await?;
    tx.commit().await?;
    let Some((signer, chain)) = identity else {
        return Ok(None);
    };
    let key = xaso_docs::pki::unseal(secret, &signer.key_sealed).ok_or_else(|| {
        StoreError::Invalid("không mở được khóa ký: khóa bí mật của hệ thống đã thay đổi?".into())
    })?;
    Ok(Some(SigningKey {
        key,
        certificate: certificate(&signer),
        chain,
    }))
}

/// The certificates a signature may chain to: the communes' CAs that are not revoked, and the
/// provider chains of imported certificates that are not revoked.
pub fn trust_anchors(certificates: &[StoredCertificate]) -> Vec<Vec<u8>> {
    let mut anchors = Vec::new();
    for stored in certificates.iter().filter(|c| c.revoked_at.is_none()) {
        if stored.kind == "ca" {
            anchors.push(stored.cert.clone());
        }
        if let Some(chain) = &stored.chain {
            anchors.extend(split_chain(chain));
        }
    }
    anchors
}

/// What an import stored.
#[derive(Debug, Clone)]
pub struct Imported {
    pub subject: String,
    pub issuer: String,
    pub not_after: DateTime<Utc>,
    pub agency_code: String,
    /// Certificates in the file besides the signer's.
    pub chain_length: usize,
}

/// Imports a leader's certificate and key from a provider's .p12 file: the file must open with
/// `password`, its certificate be valid now and allow signing, and the user be an active leader
/// of a commune. The key is sealed with the installation's secret; from now on it signs.
#[allow(clippy::too_many_arguments)]
pub async fn import_identity(
    store: &Store,
    secret: &[u8; 32],
    username: &str,
    file: &[u8],
    password: &str,
    now: DateTime<Utc>,
    actor: &Actor,
) -> Result<Imported, StoreError> {
    let identity =
        xaso_docs::p12::read(file, password).map_err(|e| StoreError::Invalid(e.to_string()))?;
    let facts = xaso_docs::verify::certificate_facts(&identity.certificate.der)
        .ok_or_else(|| StoreError::Invalid("chứng thư trong tệp không đọc được".into()))?;
    let vietnam = chrono::FixedOffset::east_opt(7 * 3600).expect("UTC+7");
    let day = |t: DateTime<Utc>| t.with_timezone(&vietnam).format("%d/%m/%Y").to_string();
    if facts.not_after <= now {
        return Err(StoreError::Invalid(format!(
            "chứng thư của {} đã hết hạn ngày {}",
            facts.subject,
            day(facts.not_after)
        )));
    }
    if facts.not_before > now {
        return Err(StoreError::Invalid(format!(
            "chứng thư của {} chỉ có hiệu lực từ ngày {}",
            facts.subject,
            day(facts.not_before)
        )));
    }
    if !facts.may_sign {
        return Err(StoreError::Invalid(format!(
            "chứng thư của {} không cho phép ký số (thiếu mục đích Digital Signature/Non-Repudiation)",
            facts.subject
        )));
    }
    let mut tx = store.begin().await?;
    let user = xaso_store::identity::user_by_username(&mut tx, username)
        .await?
        .ok_or_else(|| StoreError::NotFound(format!("tài khoản {username}")))?;
    if user.disabled || !user.has_role(Role::Leader) {
        return Err(StoreError::Invalid(format!(
            "{username} không phải lãnh đạo đang hoạt động: chỉ lãnh đạo ký kết quả"
        )));
    }
    let commune = xaso_store::agency::commune_of_user(&mut tx, &user)
        .await?
        .ok_or_else(|| StoreError::Invalid(format!("{username} không thuộc UBND xã nào")))?;
    let chain: Vec<u8> = identity.chain.iter().flat_map(|c| c.der.clone()).collect();
    pki::add(
        &mut tx,
        &NewCertificate {
            kind: "signer",
            agency_code: &commune.agency_code,
            username: Some(username),
            subject: &facts.subject,
            cert: &identity.certificate.der,
            issuer: &identity.certificate.issuer,
            serial: &identity.certificate.serial,
            key_sealed: &seal(secret, &identity.key),
            not_after: facts.not_after,
            chain: Some(&chain),
        },
        now,
        actor,
    )
    .await?;
    tx.commit().await?;
    Ok(Imported {
        subject: facts.subject,
        issuer: facts.issuer,
        not_after: facts.not_after,
        agency_code: commune.agency_code,
        chain_length: identity.chain.len(),
    })
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
    // Every demo start comes here: only the leaders, not a province's every account.
    let leaders = xaso_store::identity::enabled_users_with_role(&mut tx, Role::Leader).await?;
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
                (
                    key,
                    xaso_docs::verify::subject_name(&existing.cert)
                        .unwrap_or_else(|| existing.issuer.clone()),
                )
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
                        chain: None,
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
        for user in &leaders {
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
                    chain: None,
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
