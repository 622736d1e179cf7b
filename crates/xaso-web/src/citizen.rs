//! The citizen data store over HTTP: the citizen's own page ("Dữ liệu của tôi", with "Ai đã dùng
//! dữ liệu của tôi"), the officers' page for a citizen (profile, documents digitised at the
//! counter, account link), and the API other systems read through. Every read by someone other
//! than the citizen is logged by the store.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::{Form, Json};
use serde::{Deserialize, Serialize};
use uuid::Uuid;
use xaso_domain::calendar::deadline::to_local;
use xaso_domain::citizen::documents::Source;
use xaso_store::audit::Actor;
use xaso_store::citizen::{self, Channel, Consent, Document, NewDocument, Profile, Read, Reader};
use xaso_store::dossier::StoredFile;
use xaso_store::identity::User;
use xaso_store::StoreError;

use crate::dossier::file_response;
use crate::dossier::pages::{
    field, local, optional_field, page_error, read_form, shown, staff, Upload,
};
use crate::error::{ApiError, PageError};
use crate::identity::CurrentUser;
use crate::pages::{render_status, see_other, Nav, PageContext};
use crate::AppState;

fn day(text: &Option<String>) -> String {
    text.as_deref()
        .and_then(|d| chrono::NaiveDate::parse_from_str(d, "%Y-%m-%d").ok())
        .map_or(String::new(), |d| d.format("%d/%m/%Y").to_string())
}

/// A document as pages list it.
pub struct DocumentLine {
    pub id: Uuid,
    pub title: String,
    pub kind: String,
    pub source: String,
    pub dossier: String,
    pub issued: String,
    pub expires: String,
    pub size_kib: i64,
    pub added: String,
}

fn lines(state: &AppState, documents: &[Document]) -> Vec<DocumentLine> {
    let rules = &state.rules.citizen.store;
    documents
        .iter()
        .map(|d| DocumentLine {
            id: d.id,
            title: d.title.clone(),
            kind: rules.type_name(&d.doc_type).to_string(),
            source: d.source_label().to_string(),
            dossier: d.source_dossier_code.clone().unwrap_or_default(),
            issued: day(&d.issued_on),
            expires: day(&d.expires_on),
            size_kib: (d.size + 1023) / 1024,
            added: local(Some(d.added_at)),
        })
        .collect()
}

/// A line of "Ai đã dùng dữ liệu của tôi".
pub struct ReadLine {
    pub at: String,
    pub who: String,
    pub unit: String,
    pub what: String,
    pub document: String,
    pub dossier: String,
    pub channel: String,
}

fn read_lines(reads: &[Read]) -> Vec<ReadLine> {
    reads
        .iter()
        .map(|r| ReadLine {
            at: local(Some(r.at)),
            who: r.reader_name.clone(),
            unit: r.unit_name.clone().unwrap_or_default(),
            what: r.what_label().to_string(),
            document: r.document_title.clone().unwrap_or_default(),
            dossier: r.dossier_code.clone().unwrap_or_default(),
            channel: r.channel_label().to_string(),
        })
        .collect()
}

fn kinds(state: &AppState) -> Vec<(String, String)> {
    state
        .rules
        .citizen
        .store
        .types
        .iter()
        .map(|t| (t.code.clone(), t.name.clone()))
        .collect()
}

#[derive(Template)]
#[template(path = "my_data.html")]
struct MyDataPage {
    nav: Nav,
    profile: Option<Profile>,
    documents: Vec<DocumentLine>,
    reads: Vec<ReadLine>,
    kinds: Vec<(String, String)>,
    used_mib: String,
    quota_mib: u64,
    error: Option<String>,
    notice: Option<String>,
}

#[derive(Deserialize, Default)]
pub struct NoticeQuery {
    #[serde(default)]
    da_luu: Option<String>,
}

/// `GET /du-lieu-cua-toi`: the citizen's documents, and who used them.
pub async fn my_data_page(
    State(state): State<AppState>,
    ctx: PageContext,
    Query(query): Query<NoticeQuery>,
) -> Result<Response, PageError> {
    let user = match ctx.require("/du-lieu-cua-toi") {
        Ok(user) => user.clone(),
        Err(response) => return Ok(*response),
    };
    let notice = query.da_luu.map(|_| "Đã lưu giấy tờ vào kho.".to_string());
    my_data_response(&state, &ctx, &user, None, notice).await
}

async fn my_data_response(
    state: &AppState,
    ctx: &PageContext,
    user: &User,
    error: Option<(StatusCode, String)>,
    notice: Option<String>,
) -> Result<Response, PageError> {
    let mut tx = state.store.read().await.map_err(page_error)?;
    let profile = citizen::own_profile(&mut tx, user)
        .await
        .map_err(page_error)?;
    let (documents, reads) = match &profile {
        Some(p) => (
            citizen::documents_of(&mut tx, &p.id_number)
                .await
                .map_err(page_error)?,
            citizen::reads_of(&mut tx, &p.id_number)
                .await
                .map_err(page_error)?,
        ),
        None => (Vec::new(), Vec::new()),
    };
    tx.commit().await.map_err(page_error)?;
    let used: i64 = documents.iter().map(|d| d.size).sum();
    let page = MyDataPage {
        nav: ctx.nav(),
        profile,
        documents: lines(state, &documents),
        reads: read_lines(&reads),
        kinds: kinds(state),
        used_mib: format!("{:.1}", used as f64 / (1024.0 * 1024.0)).replace('.', ","),
        quota_mib: state.rules.citizen.store.quota_bytes / (1024 * 1024),
        error: error.as_ref().map(|(_, m)| m.clone()),
        notice,
    };
    Ok(ctx.finish(render_status(
        error.map_or(StatusCode::OK, |(s, _)| s),
        &page,
    )))
}

/// The one file of a document form (`file_0`), or the problem to show.
fn single_upload(uploads: Vec<Upload>) -> Result<Upload, (StatusCode, String)> {
    uploads.into_iter().next().ok_or((
        StatusCode::BAD_REQUEST,
        "Hãy chọn tệp giấy tờ (PDF, JPEG hoặc PNG).".to_string(),
    ))
}

/// Stores an uploaded document's bytes and keeps it for the citizen, in one transaction.
async fn keep_upload(
    state: &AppState,
    id_number: &str,
    fields: &[(String, String)],
    upload: Upload,
    source: Source,
    user: &User,
) -> Result<(), StoreError> {
    let size = upload.bytes.len();
    let stored = StoredFile {
        sha256: state.files.put(upload.bytes).await?,
        size,
        content_type: upload.content_type,
    };
    let title = optional_field(fields, "title").unwrap_or_else(|| upload.name.clone());
    let new = NewDocument {
        doc_type: Some(field(fields, "doc_type")).filter(|t| !t.is_empty()),
        title: &title,
        issuer: Some(field(fields, "issuer")),
        number: Some(field(fields, "number")),
        issued_on: Some(field(fields, "issued_on")),
        expires_on: Some(field(fields, "expires_on")),
        source,
        source_dossier_id: None,
        source_certification_id: None,
        file_name: &upload.name,
        stored: &stored,
    };
    let mut tx = state.store.begin().await?;
    let actor = Actor::user(user.id, &user.full_name);
    citizen::add_document(
        &mut tx,
        &state.rules.citizen,
        id_number,
        &new,
        &actor,
        state.now(),
    )
    .await?;
    tx.commit().await
}

/// `POST /du-lieu-cua-toi/giay-to` (multipart): the citizen adds a document to their store.
pub async fn my_data_upload(
    State(state): State<AppState>,
    ctx: PageContext,
    multipart: crate::dossier::pages::MultipartForm,
) -> Result<Response, PageError> {
    let user = match ctx.require("/du-lieu-cua-toi") {
        Ok(user) => user.clone(),
        Err(response) => return Ok(*response),
    };
    let (fields, uploads) = match read_form(multipart).await? {
        Ok(read) => read,
        Err(problem) => return my_data_response(&state, &ctx, &user, Some(problem), None).await,
    };
    ctx.check(field(&fields, "csrf"))?;
    let mut tx = state.store.read().await.map_err(page_error)?;
    let profile = citizen::own_profile(&mut tx, &user)
        .await
        .map_err(page_error)?;
    tx.commit().await.map_err(page_error)?;
    let Some(profile) = profile else {
        let problem = (
            StatusCode::FORBIDDEN,
            "Tài khoản chưa liên kết với số định danh cá nhân.".to_string(),
        );
        return my_data_response(&state, &ctx, &user, Some(problem), None).await;
    };
    let upload = match single_upload(uploads) {
        Ok(upload) => upload,
        Err(problem) => return my_data_response(&state, &ctx, &user, Some(problem), None).await,
    };
    match keep_upload(
        &state,
        &profile.id_number,
        &fields,
        upload,
        Source::Uploaded,
        &user,
    )
    .await
    {
        Ok(()) => Ok(see_other("/du-lieu-cua-toi?da_luu=1")),
        Err(error) => my_data_response(&state, &ctx, &user, Some(shown(error)?), None).await,
    }
}

#[derive(Deserialize, Default, schemars::JsonSchema)]
pub struct ReadPurpose {
    /// The dossier the read is for (shown to the citizen).
    #[serde(default, alias = "dossier")]
    ho_so: Option<String>,
}

impl ReadPurpose {
    fn dossier(&self) -> Option<&str> {
        self.ho_so
            .as_deref()
            .map(str::trim)
            .filter(|d| !d.is_empty())
    }
}

/// A document's bytes for `reader`, the read logged unless the reader is its owner.
async fn document_bytes(
    state: &AppState,
    id: &str,
    reader: &Reader<'_>,
) -> Result<Response, StoreError> {
    let id: Uuid = id
        .parse()
        .map_err(|_| StoreError::NotFound(format!("giấy tờ {id}")))?;
    let mut tx = state.store.begin().await?;
    let document = citizen::read_document(&mut tx, id, reader, state.now()).await?;
    // The read is logged before the bytes are fetched: a write transaction is not held open
    // over the file store (on SQLite it would hold up every writer).
    tx.commit().await?;
    let bytes = state.files.get(&document.sha256).await?;
    Ok(file_response(
        &document.file_name,
        &document.content_type,
        bytes,
    ))
}

/// `GET /du-lieu-cua-toi/giay-to/{id}` and `GET /can-bo/cong-dan/giay-to/{id}?ho_so=`.
pub async fn document_page(
    State(state): State<AppState>,
    ctx: PageContext,
    Path(id): Path<String>,
    Query(purpose): Query<ReadPurpose>,
) -> Result<Response, PageError> {
    let user = match ctx.require("/du-lieu-cua-toi") {
        Ok(user) => user.clone(),
        Err(response) => return Ok(*response),
    };
    let reader = Reader {
        user: &user,
        channel: Channel::Page,
        dossier_code: purpose.dossier(),
    };
    document_bytes(&state, &id, &reader)
        .await
        .map_err(page_error)
}

#[derive(Deserialize)]
pub struct CsrfOnly {
    csrf: String,
}

/// `POST /du-lieu-cua-toi/giay-to/{id}/xoa`: the citizen removes a document.
pub async fn my_document_remove(
    State(state): State<AppState>,
    ctx: PageContext,
    Path(id): Path<String>,
    Form(form): Form<CsrfOnly>,
) -> Result<Response, PageError> {
    let user = match ctx.require("/du-lieu-cua-toi") {
        Ok(user) => user.clone(),
        Err(response) => return Ok(*response),
    };
    ctx.check(&form.csrf)?;
    let id: Uuid = id
        .parse()
        .map_err(|_| PageError(ApiError::not_found("không có giấy tờ này")))?;
    let mut tx = state.store.begin().await.map_err(page_error)?;
    citizen::remove_document(&mut tx, id, &user, state.now())
        .await
        .map_err(page_error)?;
    tx.commit().await.map_err(page_error)?;
    Ok(see_other("/du-lieu-cua-toi"))
}

#[derive(Template)]
#[template(path = "staff_citizen.html")]
struct StaffCitizenPage {
    nav: Nav,
    number: String,
    dossier: String,
    found: Option<Profile>,
    /// The birth date as people read it.
    birth: String,
    linked: bool,
    documents: Vec<DocumentLine>,
    kinds: Vec<(String, String)>,
    error: Option<String>,
}

#[derive(Deserialize, Default)]
pub struct CitizenQuery {
    #[serde(default)]
    so: Option<String>,
    #[serde(default)]
    ho_so: Option<String>,
}

/// `GET /can-bo/cong-dan?so=…&ho_so=…`: an officer looks a citizen up (the read is logged, with
/// the dossier it is for).
pub async fn staff_page(
    State(state): State<AppState>,
    ctx: PageContext,
    Query(query): Query<CitizenQuery>,
) -> Result<Response, PageError> {
    let user = match staff(&ctx, "/can-bo/cong-dan") {
        Ok(user) => user,
        Err(response) => return Ok(*response),
    };
    let number = query.so.unwrap_or_default();
    let dossier = query.ho_so.unwrap_or_default();
    staff_response(&state, &ctx, &user, number.trim(), dossier.trim(), None).await
}

async fn staff_response(
    state: &AppState,
    ctx: &PageContext,
    user: &User,
    number: &str,
    dossier: &str,
    error: Option<(StatusCode, String)>,
) -> Result<Response, PageError> {
    let mut found = None;
    let mut documents = Vec::new();
    let mut error = error;
    if !number.is_empty() {
        match citizen::check_number(&state.rules.citizen, number) {
            Err(problem) => error = error.or(Some(shown(problem)?)),
            Ok(number) => {
                let reader = Reader {
                    user,
                    channel: Channel::Page,
                    dossier_code: Some(dossier).filter(|d| !d.is_empty()),
                };
                let mut tx = state.store.begin().await.map_err(page_error)?;
                let read = citizen::read_profile(&mut tx, &number, &reader, state.now()).await;
                match read {
                    Ok(Some((profile, kept))) => {
                        found = Some(profile);
                        documents = kept;
                    }
                    Ok(None) => {}
                    Err(problem) => error = error.or(Some(shown(problem)?)),
                }
                tx.commit().await.map_err(page_error)?;
            }
        }
    }
    let page = StaffCitizenPage {
        nav: ctx.nav(),
        number: found
            .as_ref()
            .map_or(number.to_string(), |p| p.id_number.clone()),
        dossier: dossier.to_string(),
        linked: found.as_ref().is_some_and(|p| p.user_id.is_some()),
        birth: found.as_ref().map_or(String::new(), |p| day(&p.birth_date)),
        found,
        documents: lines(state, &documents),
        kinds: kinds(state),
        error: error.as_ref().map(|(_, m)| m.clone()),
    };
    Ok(ctx.finish(render_status(
        error.map_or(StatusCode::OK, |(s, _)| s),
        &page,
    )))
}

fn citizen_url(number: &str) -> String {
    format!("/can-bo/cong-dan?so={number}")
}

#[derive(Deserialize)]
pub struct ProfileForm {
    csrf: String,
    #[serde(flatten)]
    profile: citizen::ProfileInput,
}

/// `POST /can-bo/cong-dan`: an officer records or corrects a citizen's profile.
pub async fn staff_save(
    State(state): State<AppState>,
    ctx: PageContext,
    Form(form): Form<ProfileForm>,
) -> Result<Response, PageError> {
    let user = match staff(&ctx, "/can-bo/cong-dan") {
        Ok(user) => user,
        Err(response) => return Ok(*response),
    };
    ctx.check(&form.csrf)?;
    let saved = async {
        let mut tx = state.store.begin().await?;
        let profile = citizen::save_profile(
            &mut tx,
            &state.rules.citizen,
            &form.profile,
            &user,
            state.now(),
        )
        .await?;
        tx.commit().await?;
        Ok::<_, StoreError>(profile)
    }
    .await;
    match saved {
        Ok(profile) => Ok(see_other(&citizen_url(&profile.id_number))),
        Err(error) => {
            let number = form.profile.id_number.clone();
            staff_response(&state, &ctx, &user, &number, "", Some(shown(error)?)).await
        }
    }
}

#[derive(Deserialize)]
pub struct LinkForm {
    csrf: String,
    username: String,
}

/// `POST /can-bo/cong-dan/{so}/lien-ket`: links the citizen's account (card seen at the counter).
pub async fn staff_link(
    State(state): State<AppState>,
    ctx: PageContext,
    Path(number): Path<String>,
    Form(form): Form<LinkForm>,
) -> Result<Response, PageError> {
    let user = match staff(&ctx, "/can-bo/cong-dan") {
        Ok(user) => user,
        Err(response) => return Ok(*response),
    };
    ctx.check(&form.csrf)?;
    let linked = async {
        let mut tx = state.store.begin().await?;
        citizen::link_account(&mut tx, &number, &form.username, &user, state.now()).await?;
        tx.commit().await
    }
    .await;
    match linked {
        Ok(()) => Ok(see_other(&citizen_url(&number))),
        Err(error) => staff_response(&state, &ctx, &user, &number, "", Some(shown(error)?)).await,
    }
}

/// `POST /can-bo/cong-dan/{so}/giay-to` (multipart): a document scanned at the counter.
pub async fn staff_upload(
    State(state): State<AppState>,
    ctx: PageContext,
    Path(number): Path<String>,
    multipart: crate::dossier::pages::MultipartForm,
) -> Result<Response, PageError> {
    let user = match staff(&ctx, "/can-bo/cong-dan") {
        Ok(user) => user,
        Err(response) => return Ok(*response),
    };
    let (fields, uploads) = match read_form(multipart).await? {
        Ok(read) => read,
        Err(problem) => {
            return staff_response(&state, &ctx, &user, &number, "", Some(problem)).await
        }
    };
    ctx.check(field(&fields, "csrf"))?;

    let upload = match single_upload(uploads) {
        Ok(upload) => upload,
        Err(problem) => {
            return staff_response(&state, &ctx, &user, &number, "", Some(problem)).await
        }
    };
    match keep_upload(&state, &number, &fields, upload, Source::Counter, &user).await {
        Ok(()) => Ok(see_other(&citizen_url(&number))),
        Err(error) => staff_response(&state, &ctx, &user, &number, "", Some(shown(error)?)).await,
    }
}

/// `GET /api/v1/citizens/{number}?dossier=`: a citizen's profile and documents for an officer or
/// another system (logged for the citizen).
pub async fn api_profile(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    Path(number): Path<String>,
    Query(purpose): Query<ReadPurpose>,
) -> Result<Response, ApiError> {
    let number = citizen::check_number(&state.rules.citizen, &number)?;
    let reader = Reader {
        user: &user,
        channel: Channel::Api,
        dossier_code: purpose.dossier(),
    };
    let mut tx = state.store.begin().await?;
    let found = citizen::read_profile(&mut tx, &number, &reader, state.now()).await?;
    tx.commit().await?;
    let (profile, documents) =
        found.ok_or_else(|| ApiError::not_found(format!("không có công dân {number}")))?;
    Ok(Json(CitizenRecord { profile, documents }).into_response())
}

/// A citizen's profile and documents, as an officer reads them.
#[derive(Serialize, schemars::JsonSchema)]
pub struct CitizenRecord {
    profile: citizen::Profile,
    documents: Vec<citizen::Document>,
}

/// The signed-in citizen's own store and who read it.
#[derive(Serialize, schemars::JsonSchema)]
pub struct MyData {
    profile: citizen::Profile,
    documents: Vec<citizen::Document>,
    reads: Vec<citizen::Read>,
}

/// `GET /api/v1/citizens/documents/{id}?dossier=`: a document's bytes (logged unless the owner).
pub async fn api_document(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    Path(id): Path<String>,
    Query(purpose): Query<ReadPurpose>,
) -> Result<Response, ApiError> {
    let reader = Reader {
        user: &user,
        channel: Channel::Api,
        dossier_code: purpose.dossier(),
    };
    Ok(document_bytes(&state, &id, &reader).await?)
}

/// `GET /api/v1/me/data`: the signed-in citizen's profile, documents and who read them.
pub async fn api_mine(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
) -> Result<Response, ApiError> {
    let mut tx = state.store.read().await?;
    let profile = citizen::own_profile(&mut tx, &user)
        .await?
        .ok_or_else(|| ApiError::not_found("tài khoản chưa liên kết với số định danh cá nhân"))?;
    let documents = citizen::documents_of(&mut tx, &profile.id_number).await?;
    let reads = citizen::reads_of(&mut tx, &profile.id_number).await?;
    tx.commit().await?;
    Ok(Json(MyData {
        profile,
        documents,
        reads,
    })
    .into_response())
}

#[derive(Deserialize, schemars::JsonSchema)]
pub struct ReuseRequest {
    component: String,
    document_id: Uuid,
    /// "online" (the citizen, signed in) or "counter" (recorded by the counter officer).
    consent: String,
}

/// `POST /api/v1/dossiers/{code}/reuse`: a document of the applicant's store instead of an upload.
pub async fn api_reuse(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    Path(code): Path<String>,
    body: Result<Json<ReuseRequest>, axum::extract::rejection::JsonRejection>,
) -> Result<Response, ApiError> {
    let Json(request) = body.map_err(|e| {
        ApiError::from_json(
            e,
            "cần JSON {\"component\": …, \"document_id\": …, \"consent\": …}",
        )
    })?;
    let consent = match request.consent.as_str() {
        "online" => Consent::Online,
        "counter" => Consent::Counter,
        other => {
            return Err(ApiError::bad_request(format!(
                "consent “{other}” không hợp lệ: online hoặc counter"
            )))
        }
    };
    let reader = Reader {
        user: &user,
        channel: Channel::Api,
        dossier_code: Some(&code),
    };
    let mut tx = state.store.begin().await?;
    let meta = citizen::reuse(
        &mut tx,
        &state.rules.citizen,
        &code,
        &request.component,
        request.document_id,
        consent,
        &reader,
        state.now(),
    )
    .await?;
    tx.commit().await?;
    Ok((StatusCode::CREATED, Json(meta)).into_response())
}

/// For each component of `procedure` (by index), the applicant's stored documents that may stand
/// for it, as (document id, label) choices for a form.
pub(crate) async fn reuse_choices(
    tx: &mut xaso_store::Tx,
    state: &AppState,
    procedure: &xaso_domain::catalog::Procedure,
    number: &str,
) -> Result<Vec<Vec<(String, String)>>, StoreError> {
    let today = to_local(state.now()).date();
    let offers = citizen::offers(tx, &state.rules.citizen, procedure, number, today).await?;
    let mut choices = vec![Vec::new(); procedure.components.len()];
    for offer in offers {
        choices[offer.index] = offer
            .documents
            .iter()
            .map(|d| {
                let label = format!(
                    "{} ({}, lưu ngày {})",
                    d.title,
                    d.source_label().to_lowercase(),
                    to_local(d.added_at).format("%d/%m/%Y")
                );
                (d.id.to_string(), label)
            })
            .collect();
    }
    Ok(choices)
}

/// The stored documents chosen on a form (`reuse_N` = a document id) for components not
/// uploaded anew: (component name, document id).
pub(crate) fn chosen_reuses(
    fields: &[(String, String)],
    procedure: &xaso_domain::catalog::Procedure,
    uploaded: &[usize],
) -> Result<Vec<(String, Uuid)>, String> {
    let mut chosen = Vec::new();
    for (index, component) in procedure.components.iter().enumerate() {
        let value = field(fields, &format!("reuse_{index}")).trim();
        if value.is_empty() || uploaded.contains(&index) {
            continue;
        }
        let id = value.parse().map_err(|_| {
            format!(
                "lựa chọn giấy tờ trong kho cho “{}” không hợp lệ",
                component.name
            )
        })?;
        chosen.push((component.name.clone(), id));
    }
    if !chosen.is_empty() && field(fields, "reuse_consent") != "yes" {
        return Err(
            "Dùng lại giấy tờ trong kho cần sự đồng ý của công dân: hãy đánh dấu ô đồng ý.".into(),
        );
    }
    Ok(chosen)
}

/// Takes the chosen stored documents into a dossier, inside the caller's transaction.
pub(crate) async fn apply_reuses(
    tx: &mut xaso_store::Tx,
    state: &AppState,
    code: &str,
    reuses: &[(String, Uuid)],
    consent: Consent,
    user: &User,
) -> Result<(), StoreError> {
    let reader = Reader {
        user,
        channel: Channel::Page,
        dossier_code: Some(code),
    };
    for (component, document) in reuses {
        citizen::reuse(
            tx,
            &state.rules.citizen,
            code,
            component,
            *document,
            consent,
            &reader,
            state.now(),
        )
        .await?;
    }
    Ok(())
}
