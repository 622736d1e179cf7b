//! The citizen data store meeting dossiers: which applicants' numbers are vouched for, the files
//! and results that land in their store, the documents offered instead of uploads, and their
//! reuse with consent.

use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;
use uuid::Uuid;
use xaso_domain::calendar::deadline::to_local;
use xaso_domain::citizen::documents::{Held, Source};
use xaso_domain::citizen::CitizenRules;
use xaso_domain::identity::Role;
use xaso_domain::text;

use super::{
    add_document, check_number, document_by_id, documents_of, ensure_profile, invalid, log_read,
    own_profile, profile, Consent, Document, NewDocument, Reader,
};
use crate::audit::Actor;
use crate::dossier::StoredFile;
use crate::identity::User;
use crate::{db, new_id, StoreError, Tx};

/// The applicant's number when someone vouched for it: the counter or the post (an officer saw the
/// papers), or an online submission from the account linked to that number. Anyone can type a
/// number online; such a dossier's files and result are not put in that number's store. A number
/// that cannot be real is refused whatever the channel; a vouched one gets a profile.
pub(crate) async fn vouched_number(
    tx: &mut Tx,
    rules: &CitizenRules,
    applicant: &crate::dossier::Applicant,
    channel: xaso_domain::dossier::Channel,
    submitted_by: Option<Uuid>,
    now: DateTime<Utc>,
) -> Result<Option<String>, StoreError> {
    let Some(id) = applicant.id_number.as_deref() else {
        return Ok(None);
    };
    let number = check_number(rules, id)?;
    if channel != xaso_domain::dossier::Channel::Online {
        return ensure_profile(tx, rules, applicant, now).await;
    }
    let linked: Option<String> = match submitted_by {
        Some(account) => db!(tx.conn(), |c| sqlx::query_scalar(
            "SELECT id_number FROM citizens WHERE user_id = $1"
        )
        .bind(account)
        .fetch_optional(&mut *c)
        .await)?,
        None => None,
    };
    Ok(linked.filter(|l| *l == number))
}

/// A component of a procedure and the documents of the applicant's store that may stand for it.
#[derive(Debug, Clone, Serialize)]
pub struct Offer {
    pub index: usize,
    pub component: String,
    pub documents: Vec<Document>,
}

/// For each component of `procedure`, the citizen's kept documents that may replace an upload
/// (of the kind the component asks for, not expired on `today`). Components with none are left out.
pub async fn offers(
    tx: &mut Tx,
    rules: &CitizenRules,
    procedure: &xaso_domain::catalog::Procedure,
    id_number: &str,
    today: NaiveDate,
) -> Result<Vec<Offer>, StoreError> {
    let documents = documents_of(tx, id_number).await?;
    let held: Vec<Held> = documents
        .iter()
        .map(|d| Held {
            id: d.id.to_string(),
            doc_type: d.doc_type.clone(),
            title: d.title.clone(),
            expires_on: d
                .expires_on
                .as_deref()
                .and_then(|e| NaiveDate::parse_from_str(e, "%Y-%m-%d").ok()),
        })
        .collect();
    Ok(procedure
        .components
        .iter()
        .enumerate()
        .filter_map(|(index, component)| {
            let usable: Vec<Document> = rules
                .store
                .reusable(&component.name, &held, today)
                .into_iter()
                .filter_map(|h| documents.iter().find(|d| d.id.to_string() == h.id))
                .cloned()
                .collect();
            (!usable.is_empty()).then(|| Offer {
                index,
                component: component.name.clone(),
                documents: usable,
            })
        })
        .collect())
}

/// The applicant's number, the submitting account, the channel and the code of a dossier.
async fn dossier_applicant(
    tx: &mut Tx,
    dossier_id: Uuid,
) -> Result<(Option<String>, Option<Uuid>, i64, String), StoreError> {
    Ok(db!(tx.conn(), |c| sqlx::query_as(
        "SELECT applicant_id_number, submitted_by, channel, code FROM dossiers WHERE id = $1"
    )
    .bind(dossier_id)
    .fetch_one(&mut *c)
    .await)?)
}

/// Keeps a dossier's new attachment in the applicant's store: scanned at the counter for a dossier
/// received there or by post (the officer saw the papers), or uploaded by the applicant from the
/// account linked to their number. Files of an online dossier from anyone else are not trusted to
/// be the citizen's. A full store does not stop the dossier: the file stays with it, and the skip
/// is logged.
pub(crate) async fn keep_attachment(
    tx: &mut Tx,
    rules: &CitizenRules,
    dossier_id: Uuid,
    file: &crate::dossier::FileMeta,
    stored: &StoredFile,
    user: &User,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    let (Some(id_number), submitted_by, channel, _) = dossier_applicant(tx, dossier_id).await?
    else {
        return Ok(());
    };
    let online = channel == xaso_domain::dossier::Channel::Online.code();
    let source = if online && submitted_by == Some(user.id) {
        let linked = own_profile(tx, user)
            .await?
            .is_some_and(|p| p.id_number == id_number);
        if !linked {
            return Ok(());
        }
        Source::Uploaded
    } else if !online && user.has_role(Role::CounterOfficer) {
        Source::Counter
    } else {
        return Ok(());
    };
    if profile(tx, &id_number).await?.is_none() {
        return Ok(());
    }
    let title = file.component.clone().unwrap_or_else(|| file.name.clone());
    let new = NewDocument {
        doc_type: None,
        title: &title,
        issuer: None,
        number: None,
        issued_on: None,
        expires_on: None,
        source,
        source_dossier_id: Some(dossier_id),
        source_certification_id: None,
        file_name: &file.name,
        stored,
    };
    let actor = Actor::user(user.id, &user.full_name);
    match add_document(tx, rules, &id_number, &new, &actor, now).await {
        Ok(_) => Ok(()),
        Err(StoreError::Invalid(reason)) => {
            tracing::warn!(dossier = %dossier_id, "không lưu tệp vào kho dữ liệu công dân: {reason}");
            Ok(())
        }
        Err(other) => Err(other),
    }
}

/// The rules without the per-citizen limits: results and certified copies are the state's own
/// papers, kept even beyond the quota.
fn beyond_quota(rules: &CitizenRules) -> CitizenRules {
    let mut unlimited = rules.clone();
    unlimited.store.quota_bytes = u64::MAX;
    unlimited.store.max_documents = u64::MAX;
    unlimited
}

/// Puts a dossier's signed e-result in the applicant's store, as the kind of document the
/// procedure's result is.
#[allow(clippy::too_many_arguments)] // the dossier, its procedure, the file, when
pub(crate) async fn keep_result(
    tx: &mut Tx,
    rules: &CitizenRules,
    id_number: &str,
    (dossier_id, code): (Uuid, &str),
    procedure: &xaso_domain::catalog::Procedure,
    file: &crate::dossier::FileMeta,
    stored: &StoredFile,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    if profile(tx, id_number).await?.is_none() {
        return Ok(());
    }
    let title = format!("{} — hồ sơ {code}", procedure.result);
    let new = NewDocument {
        doc_type: Some(rules.store.result_type(&procedure.result)),
        title: &title,
        issuer: None,
        number: Some(code),
        issued_on: Some(&to_local(now).date().format("%Y-%m-%d").to_string()),
        expires_on: None,
        source: Source::Result,
        source_dossier_id: Some(dossier_id),
        source_certification_id: None,
        file_name: &file.name,
        stored,
    };
    let unlimited = beyond_quota(rules);
    add_document(
        tx,
        &unlimited,
        id_number,
        &new,
        &Actor::system("Hệ thống"),
        now,
    )
    .await?;
    crate::report::mark_result_stored(tx, dossier_id).await
}

/// Puts an electronic certified copy in the requester's store (when the requester's number was
/// recorded and is a real one).
#[allow(clippy::too_many_arguments)] // the copy, its register entry, the requester, when
pub async fn keep_certified_copy(
    tx: &mut Tx,
    rules: &CitizenRules,
    id_number: &str,
    requester: &str,
    (certification_id, number): (Uuid, &str),
    document: &str,
    stored: &StoredFile,
    officer: &User,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    let id_number = check_number(rules, id_number)?;
    let applicant = crate::dossier::Applicant {
        name: text::clean(requester),
        id_number: Some(id_number.clone()),
        ..Default::default()
    };
    ensure_profile(tx, rules, &applicant, now).await?;
    let title = format!("Bản sao chứng thực: {}", text::clean(document));
    let new = NewDocument {
        doc_type: Some(rules.store.result_type("Bản sao được chứng thực")),
        title: &title,
        issuer: None,
        number: Some(number),
        issued_on: Some(&to_local(now).date().format("%Y-%m-%d").to_string()),
        expires_on: None,
        source: Source::CertifiedCopy,
        source_dossier_id: None,
        source_certification_id: Some(certification_id),
        file_name: "ban-sao-chung-thuc.pdf",
        stored,
    };
    let unlimited = beyond_quota(rules);
    let actor = Actor::user(officer.id, &officer.full_name);
    add_document(tx, &unlimited, &id_number, &new, &actor, now).await?;
    Ok(())
}

/// Takes a document from the applicant's store into a dossier instead of an upload, with the
/// citizen's consent: ticked online by the citizen from their own account, or given in person and
/// recorded by the counter officer. The consent, the read and the audit row are written with it.
#[allow(clippy::too_many_arguments)] // the dossier, the document, consent, who, when
pub async fn reuse(
    tx: &mut Tx,
    rules: &CitizenRules,
    code: &str,
    component: &str,
    document_id: Uuid,
    consent: Consent,
    reader: &Reader<'_>,
    now: DateTime<Utc>,
) -> Result<crate::dossier::FileMeta, StoreError> {
    let user = reader.user;
    let (dossier_id, component) =
        crate::dossier::authorize_attach(tx, code, Some(component), user).await?;
    let component = component.unwrap_or_default();
    let (applicant, _, _, code) = dossier_applicant(tx, dossier_id).await?;
    let not_found = || StoreError::NotFound(format!("giấy tờ {document_id}"));
    let document = document_by_id(tx, document_id)
        .await?
        .ok_or_else(not_found)?;
    if applicant.as_deref() != Some(document.id_number.as_str()) {
        return Err(not_found());
    }
    let allowed = match consent {
        Consent::Online => own_profile(tx, user)
            .await?
            .is_some_and(|p| p.id_number == document.id_number),
        Consent::Counter => user.has_role(Role::CounterOfficer),
    };
    if !allowed {
        return Err(StoreError::Forbidden(
            "chỉ chính công dân (trực tuyến) hoặc cán bộ một cửa có sự đồng ý của công dân được dùng lại giấy tờ trong kho".into(),
        ));
    }
    let held = Held {
        id: document.id.to_string(),
        doc_type: document.doc_type.clone(),
        title: document.title.clone(),
        expires_on: document
            .expires_on
            .as_deref()
            .and_then(|e| NaiveDate::parse_from_str(e, "%Y-%m-%d").ok()),
    };
    if rules
        .store
        .reusable(
            &component,
            std::slice::from_ref(&held),
            to_local(now).date(),
        )
        .is_empty()
    {
        return Err(invalid(format!(
            "giấy tờ “{}” không dùng được cho thành phần “{component}” (khác loại hoặc đã hết hạn)",
            document.title
        )));
    }
    let stored = StoredFile {
        sha256: document.sha256.clone(),
        size: usize::try_from(document.size).unwrap_or(0),
        content_type: crate::files::known_type(&document.content_type)
            .ok_or_else(|| StoreError::Foreign(format!("giấy tờ {document_id} có kiểu tệp lạ")))?,
    };
    let file = crate::dossier::NewFile {
        kind: "attachment",
        component: Some(component),
        name: &document.file_name,
        stored: &stored,
        citizen_document: Some(document.id),
    };
    let meta =
        crate::dossier::insert_file(tx, dossier_id, &file, user, now, "dossier.reuse").await?;
    let (how, recorded_by_name) = match consent {
        Consent::Online => ("online", user.full_name.clone()),
        Consent::Counter => ("counter", user.full_name.clone()),
    };
    db!(tx.conn(), |c| {
        sqlx::query(
        "INSERT INTO data_consents (id, dossier_id, id_number, document_id, given_how, given_at, recorded_by,
             recorded_by_name)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)"
    )
    .bind(new_id())
    .bind(dossier_id)
    .bind(&document.id_number)
    .bind(document.id)
    .bind(how)
    .bind(now)
    .bind(user.id)
    .bind(&recorded_by_name)
    .execute(&mut *c)
    .await
    .map(|_| ())
    })?;
    let logged = Reader {
        user,
        channel: reader.channel,
        dossier_code: Some(&code),
    };
    log_read(
        tx,
        &document.id_number,
        &logged,
        "reuse",
        Some(&document),
        now,
    )
    .await?;
    crate::report::mark_reused(tx, dossier_id).await?;
    Ok(meta)
}

/// The consents recorded for a dossier: which document, how, by whom, when.
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct ConsentRow {
    pub document_title: String,
    pub given_how: String,
    pub given_at: DateTime<Utc>,
    pub recorded_by_name: String,
}

pub async fn consents_of(tx: &mut Tx, dossier_code: &str) -> Result<Vec<ConsentRow>, StoreError> {
    Ok(db!(tx.conn(), |c| sqlx::query_as(
        "SELECT d.title AS document_title, k.given_how, k.given_at, k.recorded_by_name
         FROM data_consents k JOIN citizen_documents d ON d.id = k.document_id
         JOIN dossiers s ON s.id = k.dossier_id
         WHERE s.code = $1 ORDER BY k.given_at, k.id"
    )
    .bind(dossier_code)
    .fetch_all(&mut *c)
    .await)?)
}
