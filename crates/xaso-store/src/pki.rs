//! Certificates and sealed private keys (the sealing itself is done by the caller, who holds the
//! installation's secret).

use chrono::{DateTime, Utc};
use serde::Serialize;
use uuid::Uuid;

use crate::audit::{self, Actor};
use crate::{db, new_id, StoreError, Tx};

#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct StoredCertificate {
    pub id: Uuid,
    pub kind: String,
    pub agency_code: String,
    pub username: Option<String>,
    pub subject: String,
    #[serde(skip)]
    pub cert: Vec<u8>,
    #[serde(skip)]
    pub issuer: Vec<u8>,
    #[serde(skip)]
    pub serial: Vec<u8>,
    #[serde(skip)]
    pub key_sealed: Vec<u8>,
    pub not_after: DateTime<Utc>,
    pub revoked_at: Option<DateTime<Utc>>,
    /// The provider's CA chain (DER certificates one after another) of an imported certificate;
    /// `None` for certificates xaso issued itself.
    #[serde(skip)]
    pub chain: Option<Vec<u8>>,
}

const COLUMNS: &str = "id, kind, agency_code, username, subject, cert, issuer, serial, key_sealed, not_after, revoked_at, chain";

/// What to store for a new certificate.
pub struct NewCertificate<'a> {
    pub kind: &'a str,
    pub agency_code: &'a str,
    pub username: Option<&'a str>,
    pub subject: &'a str,
    pub cert: &'a [u8],
    pub issuer: &'a [u8],
    pub serial: &'a [u8],
    pub key_sealed: &'a [u8],
    pub not_after: DateTime<Utc>,
    /// The provider's chain, for a certificate imported from a .p12 file.
    pub chain: Option<&'a [u8]>,
}

pub async fn add(
    tx: &mut Tx,
    new: &NewCertificate<'_>,
    now: DateTime<Utc>,
    actor: &Actor,
) -> Result<Uuid, StoreError> {
    let id = new_id();
    db!(tx.conn(), |c| {
        sqlx::query(
        "INSERT INTO pki_certificates (id, kind, agency_code, username, subject, cert, issuer, serial, key_sealed,
             not_after, created_at, chain)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)"
    )
    .bind(id)
    .bind(new.kind)
    .bind(new.agency_code)
    .bind(new.username)
    .bind(new.subject)
    .bind(new.cert)
    .bind(new.issuer)
    .bind(new.serial)
    .bind(new.key_sealed)
    .bind(new.not_after)
    .bind(now)
    .bind(new.chain)
    .execute(&mut *c)
    .await
    .map(|_| ())
    })?;
    audit::record(
        tx,
        now,
        actor,
        if new.chain.is_some() { "pki.import" } else { "pki.issue" },
        "certificate",
        &id.to_string(),
        serde_json::json!({ "kind": new.kind, "agency": new.agency_code, "user": new.username, "subject": new.subject }),
    )
    .await?;
    Ok(id)
}

/// The usable CA of a commune (not revoked, not expired).
pub async fn ca_of(
    tx: &mut Tx,
    agency_code: &str,
    now: DateTime<Utc>,
) -> Result<Option<StoredCertificate>, StoreError> {
    newest_usable(tx, "kind = 'ca' AND agency_code = $1", agency_code, now).await
}

/// The usable signing certificate of a user (not revoked, not expired).
pub async fn signer_of(
    tx: &mut Tx,
    username: &str,
    now: DateTime<Utc>,
) -> Result<Option<StoredCertificate>, StoreError> {
    newest_usable(tx, "kind = 'signer' AND username = $1", username, now).await
}

/// The newest unrevoked, unexpired certificate matching `condition` (a fixed SQL text, `$1` = key).
async fn newest_usable(
    tx: &mut Tx,
    condition: &'static str,
    key: &str,
    now: DateTime<Utc>,
) -> Result<Option<StoredCertificate>, StoreError> {
    let all: Vec<StoredCertificate> = db!(tx.conn(), |c| {
        sqlx::query_as(&format!(
            "SELECT {COLUMNS} FROM pki_certificates WHERE {condition} AND revoked_at IS NULL
             ORDER BY created_at DESC"
        ))
        .bind(key)
        .fetch_all(&mut *c)
        .await
    })?;
    Ok(all.into_iter().find(|c| c.not_after > now))
}

pub async fn list(tx: &mut Tx) -> Result<Vec<StoredCertificate>, StoreError> {
    Ok(db!(tx.conn(), |c| sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM pki_certificates ORDER BY agency_code, kind, created_at"
    ))
    .fetch_all(&mut *c)
    .await)?)
}

/// Revokes every certificate of a user: they sign nothing more.
pub async fn revoke_user(
    tx: &mut Tx,
    username: &str,
    now: DateTime<Utc>,
    actor: &Actor,
) -> Result<u64, StoreError> {
    let revoked = db!(tx.conn(), |c| {
        sqlx::query(
        "UPDATE pki_certificates SET revoked_at = $1 WHERE username = $2 AND revoked_at IS NULL"
    )
    .bind(now)
    .bind(username)
    .execute(&mut *c)
    .await
    .map(|r| r.rows_affected())
    })?;
    audit::record(
        tx,
        now,
        actor,
        "pki.revoke",
        "user",
        username,
        serde_json::json!({ "revoked": revoked }),
    )
    .await?;
    Ok(revoked)
}
