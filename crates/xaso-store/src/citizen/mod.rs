//! The citizen data store: profiles keyed by the personal identification number, the documents
//! kept for each citizen (bytes in the file store, once per citizen), the consent recorded when a
//! document replaces an upload in a dossier, and the log of every read of a citizen's data by
//! staff or another system, which the citizen sees ("Ai đã dùng dữ liệu của tôi").

use chrono::{DateTime, Datelike, NaiveDate, Utc};
use serde::Serialize;
use uuid::Uuid;
use xaso_domain::calendar::deadline::to_local;
use xaso_domain::citizen::documents::Source;
use xaso_domain::citizen::CitizenRules;
use xaso_domain::identity::Role;
use xaso_domain::text;

mod dossiers;

pub use dossiers::{consents_of, keep_certified_copy, offers, reuse, ConsentRow, Offer};
pub(crate) use dossiers::{keep_attachment, keep_result, vouched_number};

use crate::audit::{self, Actor};
use crate::dossier::StoredFile;
use crate::identity::User;
use crate::{agency, db, new_id, StoreError, Tx};

#[derive(Debug, Clone, Serialize, sqlx::FromRow, schemars::JsonSchema)]
pub struct Profile {
    pub id_number: String,
    pub full_name: String,
    pub birth_date: Option<String>,
    pub phone: Option<String>,
    pub email: Option<String>,
    pub address: Option<String>,
    #[serde(skip)]
    pub user_id: Option<Uuid>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// What an officer types for a profile.
#[derive(Debug, Clone, Default, serde::Deserialize)]
pub struct ProfileInput {
    pub id_number: String,
    pub full_name: String,
    #[serde(default)]
    pub birth_date: Option<String>,
    #[serde(default)]
    pub phone: Option<String>,
    #[serde(default)]
    pub email: Option<String>,
    #[serde(default)]
    pub address: Option<String>,
}

#[derive(Debug, Clone, Serialize, sqlx::FromRow, schemars::JsonSchema)]
pub struct Document {
    pub id: Uuid,
    #[serde(skip)]
    pub id_number: String,
    pub doc_type: String,
    pub title: String,
    pub issuer: Option<String>,
    pub number: Option<String>,
    pub issued_on: Option<String>,
    pub expires_on: Option<String>,
    pub source: String,
    /// The dossier whose e-result this is, or in which it was uploaded.
    pub source_dossier_code: Option<String>,
    pub file_name: String,
    pub content_type: String,
    pub size: i64,
    pub sha256: String,
    pub added_by_name: String,
    pub added_at: DateTime<Utc>,
}

impl Document {
    pub fn source_label(&self) -> &'static str {
        Source::parse(&self.source).map_or("", Source::label)
    }
}

const DOCUMENT_COLUMNS: &str = "d.id, d.id_number, d.doc_type, d.title, d.issuer, d.number, d.issued_on,
    d.expires_on, d.source, (SELECT code FROM dossiers WHERE id = d.source_dossier_id) AS source_dossier_code,
    d.file_name, d.content_type, d.size, d.sha256, d.added_by_name, d.added_at";

/// A document to keep: its description and its bytes, already in the file store.
pub struct NewDocument<'a> {
    /// A code of the store's document kinds; `None`: the kind of `title` read as a component name.
    pub doc_type: Option<&'a str>,
    pub title: &'a str,
    pub issuer: Option<&'a str>,
    pub number: Option<&'a str>,
    pub issued_on: Option<&'a str>,
    pub expires_on: Option<&'a str>,
    pub source: Source,
    pub source_dossier_id: Option<Uuid>,
    pub source_certification_id: Option<Uuid>,
    pub file_name: &'a str,
    pub stored: &'a StoredFile,
}

/// How a read reached the data.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Channel {
    Page,
    Api,
}

impl Channel {
    fn code(self) -> &'static str {
        match self {
            Channel::Page => "page",
            Channel::Api => "api",
        }
    }
}

/// Who reads a citizen's data, through what, and for which dossier.
pub struct Reader<'a> {
    pub user: &'a User,
    pub channel: Channel,
    pub dossier_code: Option<&'a str>,
}

/// One line of "Ai đã dùng dữ liệu của tôi".
#[derive(Debug, Clone, Serialize, sqlx::FromRow, schemars::JsonSchema)]
pub struct Read {
    pub at: DateTime<Utc>,
    pub reader_name: String,
    pub unit_name: Option<String>,
    pub what: String,
    pub document_title: Option<String>,
    pub dossier_code: Option<String>,
    pub channel: String,
}

impl Read {
    pub fn what_label(&self) -> &'static str {
        match self.what.as_str() {
            "profile" => "Xem thông tin cá nhân",
            "document" => "Xem giấy tờ",
            _ => "Dùng lại giấy tờ cho hồ sơ",
        }
    }

    pub fn channel_label(&self) -> &'static str {
        if self.channel == "api" {
            "Hệ thống khác (API)"
        } else {
            "Trang web của hệ thống"
        }
    }
}

/// How a citizen agreed to a document's reuse.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Consent {
    /// Ticked by the citizen, signed in, when submitting.
    Online,
    /// Given in person to the counter officer, who records it.
    Counter,
}

/// Officers who handle dossiers may read citizens' data (each read is logged); nobody else but
/// the citizen.
pub fn may_read(user: &User) -> bool {
    use xaso_domain::identity::access::{decide, Access, Decision, Permission};
    decide(Some(&user.roles), Access::Need(Permission::ReadCitizenData)) == Decision::Allow
}

pub(super) fn invalid(message: impl Into<String>) -> StoreError {
    StoreError::Invalid(message.into())
}

/// Checks a number against the province codes; the message says what is wrong.
pub fn check_number(rules: &CitizenRules, text: &str) -> Result<String, StoreError> {
    rules
        .cccd(text)
        .map(|n| n.as_str().to_string())
        .map_err(|e| invalid(e.to_string()))
}

fn optional(value: Option<&str>) -> Option<String> {
    value.map(text::clean).filter(|v| !v.is_empty())
}

fn parse_day(value: Option<&str>, what: &str) -> Result<Option<NaiveDate>, StoreError> {
    let Some(value) = optional(value) else {
        return Ok(None);
    };
    let day = NaiveDate::parse_from_str(&value, "%Y-%m-%d")
        .or_else(|_| NaiveDate::parse_from_str(&value, "%d/%m/%Y"))
        .map_err(|_| {
            invalid(format!(
                "{what} “{value}” không đúng dạng ngày (dd/mm/yyyy)"
            ))
        })?;
    // The years the calendar knows: a year 0 or 9999 is a typing slip, not a date to keep.
    let years = xaso_domain::calendar::lunar::FIRST_YEAR..=xaso_domain::calendar::lunar::LAST_YEAR;
    if !years.contains(&day.year()) {
        return Err(invalid(format!(
            "{what} “{value}” không hợp lệ: năm phải từ {} đến {}",
            years.start(),
            years.end()
        )));
    }
    Ok(Some(day))
}

pub async fn profile(tx: &mut Tx, id_number: &str) -> Result<Option<Profile>, StoreError> {
    Ok(db!(tx.conn(), |c| {
        sqlx::query_as(
        "SELECT id_number, full_name, birth_date, phone, email, address, user_id, created_at, updated_at
         FROM citizens WHERE id_number = $1"
    )
    .bind(id_number)
    .fetch_optional(&mut *c)
    .await
    })?)
}

/// The profile linked to a citizen's own account.
pub async fn own_profile(tx: &mut Tx, user: &User) -> Result<Option<Profile>, StoreError> {
    Ok(db!(tx.conn(), |c| {
        sqlx::query_as(
        "SELECT id_number, full_name, birth_date, phone, email, address, user_id, created_at, updated_at
         FROM citizens WHERE user_id = $1"
    )
    .bind(user.id)
    .fetch_optional(&mut *c)
    .await
    })?)
}

/// Creates or corrects a profile (an officer, with the card in front of them): the number must be
/// a real one, and the birth date, when given, must be the year the number encodes.
pub async fn save_profile(
    tx: &mut Tx,
    rules: &CitizenRules,
    input: &ProfileInput,
    officer: &User,
    now: DateTime<Utc>,
) -> Result<Profile, StoreError> {
    if !may_read(officer) {
        return Err(StoreError::Forbidden(
            "chỉ cán bộ giải quyết thủ tục được cập nhật thông tin công dân".into(),
        ));
    }
    let number = rules
        .cccd(&input.id_number)
        .map_err(|e| invalid(e.to_string()))?;
    let name = text::clean(&input.full_name);
    if name.is_empty() || name.chars().count() > 200 {
        return Err(invalid("họ tên không được để trống và không quá 200 ký tự"));
    }
    let birth = parse_day(input.birth_date.as_deref(), "ngày sinh")?;
    if let Some(birth) = birth {
        number
            .check_holder(birth.year(), None)
            .map_err(|e| invalid(e.to_string()))?;
    }
    let applicant = crate::dossier::check_applicant(&crate::dossier::Applicant {
        name: name.clone(),
        id_number: Some(number.to_string()),
        phone: input.phone.clone(),
        email: input.email.clone(),
        address: input.address.clone(),
    })?;
    let birth = birth.map(|b| b.format("%Y-%m-%d").to_string());
    db!(tx.conn(), |c| {
        sqlx::query(
        "INSERT INTO citizens (id_number, full_name, birth_date, phone, email, address, created_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $7)
         ON CONFLICT (id_number) DO UPDATE SET full_name = excluded.full_name,
             birth_date = COALESCE(excluded.birth_date, citizens.birth_date),
             phone = COALESCE(excluded.phone, citizens.phone), email = COALESCE(excluded.email, citizens.email),
             address = COALESCE(excluded.address, citizens.address), updated_at = excluded.updated_at"
    )
    .bind(number.as_str())
    .bind(&name)
    .bind(&birth)
    .bind(&applicant.phone)
    .bind(&applicant.email)
    .bind(&applicant.address)
    .bind(now)
    .execute(&mut *c)
    .await
    .map(|_| ())
    })?;
    audit::record(
        tx,
        now,
        &Actor::user(officer.id, &officer.username),
        "citizen.save",
        "citizen",
        number.as_str(),
        serde_json::json!({ "full_name": name, "birth_date": birth }),
    )
    .await?;
    profile(tx, number.as_str())
        .await?
        .ok_or_else(|| StoreError::NotFound(format!("công dân {number}")))
}

/// Makes sure an applicant's profile exists (a dossier's applicant with a real number), without
/// overwriting what an officer recorded. Returns the number when there is a profile.
pub(crate) async fn ensure_profile(
    tx: &mut Tx,
    rules: &CitizenRules,
    applicant: &crate::dossier::Applicant,
    now: DateTime<Utc>,
) -> Result<Option<String>, StoreError> {
    let Some(id) = applicant.id_number.as_deref() else {
        return Ok(None);
    };
    let number = check_number(rules, id)?;
    db!(tx.conn(), |c| sqlx::query(
        "INSERT INTO citizens (id_number, full_name, phone, email, address, created_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, $6) ON CONFLICT (id_number) DO NOTHING"
    )
    .bind(&number)
    .bind(&applicant.name)
    .bind(&applicant.phone)
    .bind(&applicant.email)
    .bind(&applicant.address)
    .bind(now)
    .execute(&mut *c)
    .await
    .map(|_| ()))?;
    Ok(Some(number))
}

/// Links a citizen's account to their profile: the counter officer has seen the card (the e-ID
/// login links it by the number it certifies). One account per profile, one profile per account.
pub async fn link_account(
    tx: &mut Tx,
    id_number: &str,
    username: &str,
    officer: &User,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    if !officer.has_role(Role::CounterOfficer) {
        return Err(StoreError::Forbidden(
            "chỉ cán bộ một cửa liên kết tài khoản với công dân (sau khi xem thẻ căn cước)".into(),
        ));
    }
    profile(tx, id_number)
        .await?
        .ok_or_else(|| StoreError::NotFound(format!("công dân {id_number}")))?;
    let account = crate::identity::user_by_username(tx, username.trim())
        .await?
        .filter(|u| u.has_role(Role::Citizen))
        .ok_or_else(|| StoreError::NotFound(format!("tài khoản công dân “{}”", username.trim())))?;
    db!(tx.conn(), |c| sqlx::query(
        "UPDATE citizens SET user_id = $1, updated_at = $2 WHERE id_number = $3"
    )
    .bind(account.id)
    .bind(now)
    .bind(id_number)
    .execute(&mut *c)
    .await
    .map(|_| ()))
    .map_err(|e| {
        StoreError::from(e).conflict_if_unique(|| {
            format!(
                "tài khoản “{}” đã liên kết với một công dân khác",
                account.username
            )
        })
    })?;
    audit::record(
        tx,
        now,
        &Actor::user(officer.id, &officer.username),
        "citizen.link_account",
        "citizen",
        id_number,
        serde_json::json!({ "username": account.username }),
    )
    .await
}

/// The documents kept for a citizen, newest first (no log: for the citizen and for matching).
pub async fn documents_of(tx: &mut Tx, id_number: &str) -> Result<Vec<Document>, StoreError> {
    let sql = format!(
        "SELECT {DOCUMENT_COLUMNS} FROM citizen_documents d
         WHERE d.id_number = $1 AND d.removed_at IS NULL ORDER BY d.added_at DESC, d.id DESC"
    );
    Ok(db!(tx.conn(), |c| sqlx::query_as(&sql)
        .bind(id_number)
        .fetch_all(&mut *c)
        .await)?)
}

pub(super) async fn document_by_id(tx: &mut Tx, id: Uuid) -> Result<Option<Document>, StoreError> {
    let sql = format!(
        "SELECT {DOCUMENT_COLUMNS} FROM citizen_documents d WHERE d.id = $1 AND d.removed_at IS NULL"
    );
    Ok(db!(tx.conn(), |c| sqlx::query_as(&sql)
        .bind(id)
        .fetch_optional(&mut *c)
        .await)?)
}

/// Keeps a document for a citizen. The same bytes are kept once per citizen: keeping them again
/// returns the document already kept (and `false`). The per-citizen limits of the store's rules
/// apply; the change is audited.
pub async fn add_document(
    tx: &mut Tx,
    rules: &CitizenRules,
    id_number: &str,
    new: &NewDocument<'_>,
    actor: &Actor,
    now: DateTime<Utc>,
) -> Result<(Document, bool), StoreError> {
    if profile(tx, id_number).await?.is_none() {
        return Err(StoreError::NotFound(format!("công dân {id_number}")));
    }
    let kept: Option<Uuid> = db!(tx.conn(), |c| {
        sqlx::query_scalar(
        "SELECT id FROM citizen_documents WHERE id_number = $1 AND sha256 = $2 AND removed_at IS NULL"
    )
    .bind(id_number)
    .bind(&new.stored.sha256)
    .fetch_optional(&mut *c)
    .await
    })?;
    if let Some(id) = kept {
        let document = document_by_id(tx, id)
            .await?
            .ok_or_else(|| StoreError::NotFound(format!("giấy tờ {id}")))?;
        return Ok((document, false));
    }
    let (used_bytes, used_count): (i64, i64) = db!(tx.conn(), |c| sqlx::query_as(
        "SELECT CAST(COALESCE(SUM(size), 0) AS BIGINT), COUNT(*) FROM citizen_documents
         WHERE id_number = $1 AND removed_at IS NULL"
    )
    .bind(id_number)
    .fetch_one(&mut *c)
    .await)?;
    rules
        .store
        .check_quota(
            used_bytes.max(0) as u64,
            used_count.max(0) as u64,
            new.stored.size as u64,
        )
        .map_err(invalid)?;
    let title = text::clean(new.title);
    if title.is_empty() || title.chars().count() > 300 {
        return Err(invalid(
            "tên giấy tờ không được để trống và không quá 300 ký tự",
        ));
    }
    let doc_type = match new.doc_type.map(str::trim).filter(|t| !t.is_empty()) {
        Some(code) => rules
            .store
            .type_of(code)
            .map(|t| t.code.clone())
            .ok_or_else(|| invalid(format!("không có loại giấy tờ “{code}”")))?,
        None => rules.store.component_type(&title).to_string(),
    };
    let issued = parse_day(new.issued_on, "ngày cấp")?;
    if issued.is_some_and(|day| day > to_local(now).date()) {
        return Err(invalid("ngày cấp không thể sau ngày hôm nay"));
    }
    let expires = parse_day(new.expires_on, "ngày hết hạn")?;
    if let (Some(issued), Some(expires)) = (issued, expires) {
        if expires < issued {
            return Err(invalid("ngày hết hạn trước ngày cấp"));
        }
    }
    let day = |d: Option<NaiveDate>| d.map(|d| d.format("%Y-%m-%d").to_string());
    let id = new_id();
    db!(tx.conn(), |c| {
        sqlx::query(
        "INSERT INTO citizen_documents (id, id_number, doc_type, title, issuer, number, issued_on, expires_on,
             source, source_dossier_id, source_certification_id, file_name, content_type, size, sha256, added_by,
             added_by_name, added_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18)"
    )
    .bind(id)
    .bind(id_number)
    .bind(&doc_type)
    .bind(&title)
    .bind(optional(new.issuer))
    .bind(optional(new.number))
    .bind(day(issued))
    .bind(day(expires))
    .bind(new.source.code())
    .bind(new.source_dossier_id)
    .bind(new.source_certification_id)
    .bind(crate::files::clean_name(new.file_name))
    .bind(new.stored.content_type)
    .bind(i64::try_from(new.stored.size).unwrap_or(i64::MAX))
    .bind(&new.stored.sha256)
    .bind(actor.user_id)
    .bind(&actor.label)
    .bind(now)
    .execute(&mut *c)
    .await
    .map(|_| ())
    })?;
    audit::record(
        tx,
        now,
        actor,
        "citizen.add_document",
        "citizen",
        id_number,
        serde_json::json!({ "document": id, "type": doc_type, "title": title, "source": new.source.code(),
            "sha256": new.stored.sha256 }),
    )
    .await?;
    let document = document_by_id(tx, id)
        .await?
        .ok_or_else(|| StoreError::NotFound(format!("giấy tờ {id}")))?;
    Ok((document, true))
}

/// Removes a document from the citizen's store (the citizen, or the officer who may read it). The
/// row stays for the dossiers that used it; its bytes go when nothing refers to them.
pub async fn remove_document(
    tx: &mut Tx,
    id: Uuid,
    user: &User,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    let not_found = || StoreError::NotFound(format!("giấy tờ {id}"));
    let document = document_by_id(tx, id).await?.ok_or_else(not_found)?;
    let owner = own_profile(tx, user)
        .await?
        .is_some_and(|p| p.id_number == document.id_number);
    if !owner && !user.has_role(Role::CounterOfficer) {
        return Err(not_found());
    }
    db!(tx.conn(), |c| sqlx::query(
        "UPDATE citizen_documents SET removed_at = $1 WHERE id = $2"
    )
    .bind(now)
    .bind(id)
    .execute(&mut *c)
    .await
    .map(|_| ()))?;
    audit::record(
        tx,
        now,
        &Actor::user(user.id, &user.username),
        "citizen.remove_document",
        "citizen",
        &document.id_number,
        serde_json::json!({ "document": id, "title": document.title }),
    )
    .await
}

async fn unit_name(tx: &mut Tx, user: &User) -> Result<Option<String>, StoreError> {
    Ok(match &user.agency_code {
        Some(code) => agency::by_code(tx, code).await?.map(|a| a.name),
        None => None,
    })
}

pub(super) async fn log_read(
    tx: &mut Tx,
    id_number: &str,
    reader: &Reader<'_>,
    what: &str,
    document: Option<&Document>,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    let unit = unit_name(tx, reader.user).await?;
    db!(tx.conn(), |c| {
        sqlx::query(
        "INSERT INTO citizen_data_reads (id, id_number, at, reader_id, reader_name, unit_name, what, document_id,
             document_title, dossier_code, channel)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)"
    )
    .bind(new_id())
    .bind(id_number)
    .bind(now)
    .bind(reader.user.id)
    .bind(&reader.user.full_name)
    .bind(&unit)
    .bind(what)
    .bind(document.map(|d| d.id))
    .bind(document.map(|d| d.title.clone()))
    .bind(reader.dossier_code)
        .bind(reader.channel.code())
    .execute(&mut *c)
    .await
    .map(|_| ())
    })?;
    // The citizen sees the read above; the tamper-evident log keeps it too, in the same commit.
    crate::audit::record(
        tx,
        now,
        &crate::audit::Actor::user(reader.user.id, &reader.user.username),
        "citizen.read",
        "citizen",
        id_number,
        serde_json::json!({
            "what": what,
            "document": document.map(|d| d.id.to_string()),
            "dossier": reader.dossier_code,
            "channel": reader.channel.code(),
        }),
    )
    .await
}

/// A citizen's profile and documents, for an officer or another system: the read is logged for
/// the citizen to see. `None` when there is no such citizen.
pub async fn read_profile(
    tx: &mut Tx,
    id_number: &str,
    reader: &Reader<'_>,
    now: DateTime<Utc>,
) -> Result<Option<(Profile, Vec<Document>)>, StoreError> {
    if !may_read(reader.user) {
        return Err(StoreError::Forbidden(
            "chỉ cán bộ giải quyết thủ tục được xem dữ liệu của công dân".into(),
        ));
    }
    let Some(found) = profile(tx, id_number).await? else {
        return Ok(None);
    };
    log_read(tx, id_number, reader, "profile", None, now).await?;
    let documents = documents_of(tx, id_number).await?;
    Ok(Some((found, documents)))
}

/// A document for its owner (no log) or for an officer or another system (logged). Anyone else:
/// not found.
pub async fn read_document(
    tx: &mut Tx,
    id: Uuid,
    reader: &Reader<'_>,
    now: DateTime<Utc>,
) -> Result<Document, StoreError> {
    let not_found = || StoreError::NotFound(format!("giấy tờ {id}"));
    let document = document_by_id(tx, id).await?.ok_or_else(not_found)?;
    let owner = own_profile(tx, reader.user)
        .await?
        .is_some_and(|p| p.id_number == document.id_number);
    if !xaso_domain::identity::access::may_see_citizen_document(&reader.user.roles, owner) {
        return Err(not_found());
    }
    if owner {
        return Ok(document);
    }
    log_read(
        tx,
        &document.id_number,
        reader,
        "document",
        Some(&document),
        now,
    )
    .await?;
    Ok(document)
}

/// "Ai đã dùng dữ liệu của tôi": every read of the citizen's data, newest first.
pub async fn reads_of(tx: &mut Tx, id_number: &str) -> Result<Vec<Read>, StoreError> {
    Ok(db!(tx.conn(), |c| sqlx::query_as(
        "SELECT at, reader_name, unit_name, what, document_title, dossier_code, channel
         FROM citizen_data_reads WHERE id_number = $1 ORDER BY at DESC, id DESC"
    )
    .bind(id_number)
    .fetch_all(&mut *c)
    .await)?)
}
