//! The certification registers: each certification gets the next number of its commune's register
//! for the year, in the same transaction as its register entry and its audit record.

use chrono::{DateTime, Datelike, Utc};
use serde::Serialize;
use uuid::Uuid;
use xaso_domain::calendar::deadline::to_local;
use xaso_domain::certification::{CertificationNumber, Register};

use crate::audit::{self, Actor};
use crate::{db, new_id, StoreError, Tx};

/// One electronic book per register and year.
const BOOK: u32 = 1;

/// What the officer certifies: one original, `copies` copies of `pages` pages each.
pub struct NewCertification<'a> {
    pub commune_code: &'a str,
    pub register: Register,
    pub dossier_code: Option<&'a str>,
    pub requester: &'a str,
    pub document: &'a str,
    pub copies: u32,
    pub pages: u32,
    /// In đồng, computed by the caller from the year's fee table.
    pub fee: i64,
}

#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct RegisterEntry {
    pub id: Uuid,
    pub commune_code: String,
    /// The register's symbol, e.g. "SCT/BS".
    pub register: String,
    pub sequence: i64,
    pub book: i32,
    pub year: i32,
    pub dossier_code: Option<String>,
    pub requester: String,
    pub document: String,
    pub copies: i32,
    pub pages: i32,
    pub fee: i64,
    pub certified_by: String,
    pub certified_at: DateTime<Utc>,
    /// The signed electronic copy, when the certification produced one.
    pub copy_sha256: Option<String>,
    pub copy_size: Option<i64>,
}

impl RegisterEntry {
    pub fn number(&self) -> Option<CertificationNumber> {
        Some(CertificationNumber {
            sequence: u32::try_from(self.sequence).ok()?,
            book: u32::try_from(self.book).ok()?,
            year: self.year,
            register: self.register.parse().ok()?,
        })
    }
}

const ENTRY_COLUMNS: &str =
    "id, commune_code, register, sequence, book, year, dossier_code, requester, document, copies,
    pages, fee, certified_by, certified_at, copy_sha256, copy_size";

/// A certification just entered: its register entry and its number.
#[derive(Debug, Clone, Copy)]
pub struct Certified {
    pub id: Uuid,
    pub number: CertificationNumber,
}

/// Enters a certification in its register and returns its number. The year is Vietnam's
/// (UTC+7) at `now`; numbers restart at 01 each year. Under concurrency the counter row is the
/// point of serialisation on both backends, so numbers never repeat.
pub async fn certify(
    tx: &mut Tx,
    new: &NewCertification<'_>,
    now: DateTime<Utc>,
    actor: &Actor,
) -> Result<Certified, StoreError> {
    if new.copies == 0 || new.pages == 0 {
        return Err(StoreError::Invalid(
            "số bản sao và số trang phải từ 1 trở lên".into(),
        ));
    }
    if new.requester.trim().is_empty() || new.document.trim().is_empty() {
        return Err(StoreError::Invalid(
            "cần tên người yêu cầu và tên giấy tờ được chứng thực".into(),
        ));
    }
    let year = to_local(now).year();
    let symbol = new.register.symbol();
    let sequence: i64 = db!(tx.conn(), |c| {
        sqlx::query_scalar(
        "INSERT INTO certification_counters (commune_code, register, year, last) VALUES ($1, $2, $3, 1)
         ON CONFLICT (commune_code, register, year) DO UPDATE SET last = certification_counters.last + 1
         RETURNING last"
    )
    .bind(new.commune_code)
    .bind(symbol)
    .bind(year)
    .fetch_one(&mut *c)
    .await
    })?;
    let id = new_id();
    db!(tx.conn(), |c| {
        sqlx::query(
        "INSERT INTO certifications (id, commune_code, register, year, sequence, book, dossier_code, requester,
             document, copies, pages, fee, certified_by, certified_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)"
    )
    .bind(id)
    .bind(new.commune_code)
    .bind(symbol)
    .bind(year)
    .bind(sequence)
    .bind(BOOK as i32)
    .bind(new.dossier_code)
    .bind(new.requester.trim())
    .bind(new.document.trim())
    .bind(new.copies as i32)
    .bind(new.pages as i32)
    .bind(new.fee)
    .bind(&actor.label)
    .bind(now)
    .execute(&mut *c)
    .await
    .map(|_| ())
    })?;
    let number = CertificationNumber {
        sequence: u32::try_from(sequence)
            .map_err(|_| StoreError::Invalid("số chứng thực vượt giới hạn".into()))?,
        book: BOOK,
        year,
        register: new.register,
    };
    audit::record(
        tx,
        now,
        actor,
        "certification.certify",
        "certification",
        &id.to_string(),
        serde_json::json!({ "number": number.to_string(), "commune": new.commune_code,
            "dossier": new.dossier_code, "copies": new.copies, "pages": new.pages, "fee": new.fee }),
    )
    .await?;
    Ok(Certified { id, number })
}

/// Records the signed electronic copy of certification `id`, in the transaction that entered it.
pub async fn attach_copy(
    tx: &mut Tx,
    id: Uuid,
    sha256: &str,
    size: usize,
    now: DateTime<Utc>,
    actor: &Actor,
) -> Result<(), StoreError> {
    let size = i64::try_from(size).map_err(|_| StoreError::Invalid("tệp quá lớn".into()))?;
    let updated = db!(tx.conn(), |c| {
        sqlx::query("UPDATE certifications SET copy_sha256 = $1, copy_size = $2 WHERE id = $3")
            .bind(sha256)
            .bind(size)
            .bind(id)
            .execute(&mut *c)
            .await
            .map(|r| r.rows_affected())
    })?;
    if updated != 1 {
        return Err(StoreError::NotFound(format!("chứng thực {id}")));
    }
    audit::record(
        tx,
        now,
        actor,
        "certification.copy",
        "certification",
        &id.to_string(),
        serde_json::json!({ "sha256": sha256, "size": size }),
    )
    .await
}

/// One register entry by id.
pub async fn entry(tx: &mut Tx, id: Uuid) -> Result<Option<RegisterEntry>, StoreError> {
    Ok(db!(tx.conn(), |c| {
        sqlx::query_as(&format!(
            "SELECT {ENTRY_COLUMNS} FROM certifications WHERE id = $1"
        ))
        .bind(id)
        .fetch_optional(&mut *c)
        .await
    })?)
}

/// A register of a commune for a year, in number order.
pub async fn register(
    tx: &mut Tx,
    commune_code: &str,
    register: Register,
    year: i32,
) -> Result<Vec<RegisterEntry>, StoreError> {
    Ok(db!(tx.conn(), |c| {
        sqlx::query_as(&format!(
        "SELECT {ENTRY_COLUMNS}
         FROM certifications WHERE commune_code = $1 AND register = $2 AND year = $3 ORDER BY sequence"
    ))
    .bind(commune_code)
    .bind(register.symbol())
    .bind(year)
    .fetch_all(&mut *c)
    .await
    })?)
}
