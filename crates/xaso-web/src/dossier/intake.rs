//! Dossiers coming in: the counter reception form and the citizen's online submission (with
//! its review step), the multipart reading and file checks they share, and the documents of the
//! citizen data store offered instead of uploads.

use askama::Template;
use axum::extract::{FromRequest, Multipart, Path, Query, Request, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde::Deserialize;
use xaso_domain::catalog::{ComponentForm, Procedure};
use xaso_domain::dossier::Channel;
use xaso_store::dossier::{
    self, Applicant, Decision, DossierView, NewDossier, ProvidedComponent, StoredFile,
};
use xaso_store::identity::User;
use xaso_store::{catalog, StoreError};

use super::pages::{page_error, shown, staff};
use crate::error::{ApiError, PageError};
use crate::pages::{render, render_status, see_other, Nav, PageContext};
use crate::AppState;

struct ComponentLine {
    index: usize,
    name: String,
    required_form: &'static str,
    mandatory: bool,
    /// Documents of the applicant's store that may stand for it: (id, label).
    reusable: Vec<(String, String)>,
}

fn component_lines(procedure: &Procedure) -> Vec<ComponentLine> {
    procedure
        .components
        .iter()
        .enumerate()
        .map(|(index, c)| ComponentLine {
            index,
            name: c.name.clone(),
            required_form: c.form.label(),
            mandatory: c.mandatory,
            reusable: Vec::new(),
        })
        .collect()
}

/// The component lines with the stored documents that may stand for each.
fn lines_with_choices(
    procedure: &Procedure,
    choices: Vec<Vec<(String, String)>>,
) -> Vec<ComponentLine> {
    let mut lines = component_lines(procedure);
    for (line, reusable) in lines.iter_mut().zip(choices) {
        line.reusable = reusable;
    }
    lines
}

#[derive(Template)]
#[template(path = "staff_reception.html")]
struct ReceptionPage {
    nav: Nav,
    procedures: Vec<(String, String)>,
    chosen: Option<Procedure>,
    components: Vec<ComponentLine>,
    communes: Vec<(String, String)>,
    /// The citizen looked up by number: their profile fills the applicant's details.
    number: String,
    applicant: Option<xaso_store::citizen::Profile>,
    error: Option<String>,
}

#[derive(Debug, Deserialize)]
pub struct ProcedureParam {
    #[serde(rename = "thu-tuc")]
    procedure: Option<String>,
    /// The applicant's number, to look them up in the citizen data store.
    #[serde(default)]
    so: Option<String>,
}

async fn reception_page_response(
    state: &AppState,
    ctx: &PageContext,
    procedure: Option<&str>,
    lookup: Option<(&User, &str)>,
    error: Option<(StatusCode, String)>,
) -> Result<Response, PageError> {
    let mut error = error;
    // Looking the applicant up is a read of their data: logged for them to see.
    let mut found = None;
    if let Some((user, number)) = lookup.filter(|(_, n)| !n.trim().is_empty()) {
        let reader = xaso_store::citizen::Reader {
            user,
            channel: xaso_store::citizen::Channel::Page,
            dossier_code: None,
        };
        let looked = async {
            let number = xaso_store::citizen::check_number(&state.rules.citizen, number)?;
            let mut tx = state.store.begin().await?;
            let read =
                xaso_store::citizen::read_profile(&mut tx, &number, &reader, state.now()).await?;
            tx.commit().await?;
            Ok::<_, StoreError>(read.map(|(profile, _)| profile))
        }
        .await;
        match looked {
            Ok(profile) => found = profile,
            Err(problem) => error = error.or(Some(shown(problem)?)),
        }
    }
    let mut tx = state.store.read().await.map_err(page_error)?;
    let all = catalog::search(
        &mut tx,
        &xaso_store::catalog::SearchQuery {
            page: 1,
            per_page: 100,
            ..Default::default()
        },
    )
    .await
    .map_err(page_error)?;
    let chosen = match procedure {
        Some(code) => catalog::current(&mut tx, code)
            .await
            .map_err(page_error)?
            .map(|r| r.procedure),
        None => None,
    };
    let communes = dossier::communes(&mut tx)
        .await
        .map_err(page_error)?
        .into_iter()
        .map(|a| (a.agency_code, a.name))
        .collect();
    let components = match (&chosen, &found) {
        (Some(procedure), Some(profile)) => {
            let choices =
                crate::citizen::reuse_choices(&mut tx, state, procedure, &profile.id_number)
                    .await
                    .map_err(page_error)?;
            lines_with_choices(procedure, choices)
        }
        (Some(procedure), None) => component_lines(procedure),
        (None, _) => Vec::new(),
    };
    let page = ReceptionPage {
        nav: ctx.nav(),
        procedures: all.items.into_iter().map(|p| (p.code, p.name)).collect(),
        components,
        chosen,
        communes,
        number: lookup.map_or(String::new(), |(_, n)| n.trim().to_string()),
        applicant: found,
        error: error.as_ref().map(|(_, m)| m.clone()),
    };
    Ok(ctx.finish(render_status(
        error.map_or(StatusCode::OK, |(s, _)| s),
        &page,
    )))
}

/// `GET /can-bo/tiep-nhan[?thu-tuc=CODE]`: the counter reception form.
pub async fn reception_page(
    State(state): State<AppState>,
    ctx: PageContext,
    Query(params): Query<ProcedureParam>,
) -> Result<Response, PageError> {
    let user = match staff(&ctx, "/can-bo/tiep-nhan") {
        Ok(user) => user,
        Err(response) => return Ok(*response),
    };
    reception_page_response(
        &state,
        &ctx,
        params.procedure.as_deref().filter(|p| !p.is_empty()),
        params.so.as_deref().map(|so| (&user, so)),
        None,
    )
    .await
}

pub(crate) fn field<'a>(fields: &'a [(String, String)], name: &str) -> &'a str {
    fields
        .iter()
        .find(|(k, _)| k == name)
        .map_or("", |(_, v)| v.as_str())
}

pub(crate) fn optional_field(fields: &[(String, String)], name: &str) -> Option<String> {
    Some(field(fields, name).trim().to_string()).filter(|v| !v.is_empty())
}

fn provided_form(value: &str) -> Option<ComponentForm> {
    match value {
        "original" => Some(ComponentForm::Original),
        "certified_copy" => Some(ComponentForm::CertifiedCopy),
        "copy" => Some(ComponentForm::Copy),
        "present" => Some(ComponentForm::Present),
        _ => None,
    }
}

/// `POST /can-bo/tiep-nhan`: receives a walk-in or postal dossier.
pub async fn reception_submit(
    State(state): State<AppState>,
    ctx: PageContext,
    multipart: MultipartForm,
) -> Result<Response, PageError> {
    let user = match staff(&ctx, "/can-bo/tiep-nhan") {
        Ok(user) => user,
        Err(response) => return Ok(*response),
    };
    let (fields, uploads) = match read_form(multipart).await? {
        Ok(read) => read,
        Err(problem) => {
            return reception_page_response(&state, &ctx, None, None, Some(problem)).await
        }
    };
    ctx.check(field(&fields, "csrf"))?;
    let procedure_code = field(&fields, "procedure_code").to_string();
    let lookup = Some((&user, field(&fields, "id_number")));
    let mut tx = state.store.read().await.map_err(page_error)?;
    let procedure = catalog::current(&mut tx, &procedure_code)
        .await
        .map_err(page_error)?
        .ok_or_else(|| {
            PageError(ApiError::not_found(format!(
                "không có thủ tục mã {procedure_code}"
            )))
        })?
        .procedure;
    tx.commit().await.map_err(page_error)?;
    let uploaded: Vec<usize> = uploads.iter().map(|u| u.index).collect();
    let reuses = match crate::citizen::chosen_reuses(&fields, &procedure, &uploaded) {
        Ok(reuses) => reuses,
        Err(problem) => {
            let problem = Some((StatusCode::UNPROCESSABLE_ENTITY, problem));
            return reception_page_response(&state, &ctx, Some(&procedure_code), lookup, problem)
                .await;
        }
    };
    let components = procedure
        .components
        .iter()
        .enumerate()
        .map(|(i, c)| ProvidedComponent {
            name: c.name.clone(),
            // A document taken from the store counts as a copy when nothing else was ticked.
            provided: provided_form(field(&fields, &format!("comp_{i}"))).or_else(|| {
                reuses
                    .iter()
                    .any(|(name, _)| name == &c.name)
                    .then_some(ComponentForm::Copy)
            }),
        })
        .collect();
    let decision = match field(&fields, "decision") {
        "accept" => Decision::Accept,
        "supplement" => Decision::Supplement {
            items: field(&fields, "items")
                .lines()
                .map(str::to_string)
                .collect(),
            reason: field(&fields, "reason").to_string(),
        },
        _ => Decision::Refuse {
            reasons: field(&fields, "reasons").to_string(),
        },
    };
    let new = NewDossier {
        procedure_code: procedure_code.clone(),
        channel: if field(&fields, "channel") == "postal" {
            Channel::Postal
        } else {
            Channel::Counter
        },
        receiving_agency: user.agency_code.clone().unwrap_or_default(),
        handling_commune: optional_field(&fields, "handling_commune"),
        applicant: applicant_of(&fields),
        owner_name: optional_field(&fields, "owner_name"),
        proxy_name: optional_field(&fields, "proxy_name"),
        components,
        decision: Some(decision),
    };
    let reused = (reuses.as_slice(), xaso_store::citizen::Consent::Counter);
    match receive_with_files(&state, &new, &procedure, uploads, reused, &user).await {
        Ok(view) => Ok(see_other(&format!("/ho-so/{}/bien-nhan", view.code))),
        Err(error) => {
            let problem = Some(shown(error)?);
            reception_page_response(&state, &ctx, Some(&procedure_code), lookup, problem).await
        }
    }
}

/// A file from a form, checked: a PDF, JPEG or PNG of at most 10 MiB, for component `index`.
pub(crate) struct Upload {
    pub index: usize,
    pub name: String,
    pub bytes: Vec<u8>,
    pub content_type: &'static str,
}

/// What reading a form gave: its fields and files, or a problem to show on the form.
pub(crate) type FormRead = Result<(Vec<(String, String)>, Vec<Upload>), (StatusCode, String)>;

/// What the header lines of one part of a form may weigh together.
const PART_HEADERS_LIMIT: usize = 8 * 1024;

/// A multipart form. A request that is not one (another content type, no boundary) gets a
/// Vietnamese 400 page instead of axum's English text.
pub struct MultipartForm(Multipart);

impl<S: Send + Sync> FromRequest<S> for MultipartForm {
    type Rejection = PageError;

    async fn from_request(request: Request, state: &S) -> Result<Self, Self::Rejection> {
        Multipart::from_request(request, state)
            .await
            .map(MultipartForm)
            .map_err(|_| {
                PageError(ApiError::bad_request(
                    "biểu mẫu không đọc được: cần gửi dạng multipart/form-data có boundary, như trình duyệt vẫn gửi",
                ))
            })
    }
}

/// Reads a multipart form: its text fields (UTF-8, as the pages send them), and its `file_N`
/// parts (empty ones skipped). A file that is too large or not a PDF, JPEG or PNG is a problem to
/// show on the form; a form that does not parse is a 400 page (413 past the route's limit).
pub(crate) async fn read_form(
    MultipartForm(mut multipart): MultipartForm,
) -> Result<FormRead, PageError> {
    let bad = |message: String| PageError(ApiError::bad_request(message));
    // Past the route's limit is 413, naming it; anything else that does not parse is 400.
    let unreadable = |e: axum::extract::multipart::MultipartError| {
        if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
            return PageError(ApiError {
                status: StatusCode::PAYLOAD_TOO_LARGE,
                code: "too_large",
                message: format!(
                    "biểu mẫu quá lớn: mỗi tệp tối đa 10 MiB, cả biểu mẫu tối đa {} MiB",
                    crate::EVIDENCE_LIMIT / (1024 * 1024)
                ),
            });
        }
        bad(format!("biểu mẫu không đọc được: {e}"))
    };
    let mut fields = Vec::new();
    let mut uploads = Vec::new();
    while let Some(part) = multipart.next_field().await.map_err(unreadable)? {
        // A browser sends two short header lines per part; the parser itself sets no limit.
        let header_bytes: usize = part
            .headers()
            .iter()
            .map(|(name, value)| name.as_str().len() + value.len())
            .sum();
        if header_bytes > PART_HEADERS_LIMIT {
            return Err(bad(format!(
                "biểu mẫu có một phần với tiêu đề (header) dài quá {} KiB",
                PART_HEADERS_LIMIT / 1024
            )));
        }
        // Field and file names the parser cannot read come back as none: refused, not guessed.
        let disposition = part
            .headers()
            .get(axum::http::header::CONTENT_DISPOSITION)
            .map(|v| std::str::from_utf8(v.as_bytes()).is_ok());
        if disposition == Some(false) {
            return Err(bad(
                "biểu mẫu có tên trường hoặc tên tệp không đúng mã UTF-8".into(),
            ));
        }
        let Some(name) = part.name().filter(|n| !n.is_empty()).map(str::to_string) else {
            return Err(bad("biểu mẫu có một phần không có tên trường".into()));
        };
        let Some(index) = name
            .strip_prefix("file_")
            .and_then(|i| i.parse::<usize>().ok())
        else {
            let bytes = part.bytes().await.map_err(unreadable)?;
            let value = String::from_utf8(bytes.to_vec()).map_err(|_| {
                bad(format!(
                    "trường “{name}” của biểu mẫu có ký tự không đúng mã UTF-8"
                ))
            })?;
            fields.push((name, value));
            continue;
        };
        let file_name = xaso_store::files::clean_name(part.file_name().unwrap_or_default());
        let bytes = part.bytes().await.map_err(unreadable)?;
        if bytes.is_empty() {
            continue;
        }
        if bytes.len() > xaso_store::files::MAX_FILE_BYTES {
            return Ok(Err((
                StatusCode::PAYLOAD_TOO_LARGE,
                format!("Tệp “{file_name}” quá lớn: tối đa 10 MiB."),
            )));
        }
        let Some(content_type) = xaso_store::files::sniff(&bytes) else {
            return Ok(Err((
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                format!("Tệp “{file_name}” không phải PDF, JPEG hoặc PNG."),
            )));
        };
        uploads.push(Upload {
            index,
            name: file_name,
            bytes: bytes.to_vec(),
            content_type,
        });
    }
    Ok(Ok((fields, uploads)))
}

/// A file already in the file store, for component `component` of the procedure.
struct Blob {
    component: Option<String>,
    name: String,
    stored: StoredFile,
}

/// Puts the uploads in the file store (content-addressed: storing twice keeps one copy).
async fn store_uploads(
    state: &AppState,
    procedure: &Procedure,
    uploads: Vec<Upload>,
) -> Result<Vec<Blob>, StoreError> {
    let mut blobs = Vec::new();
    for upload in uploads {
        let size = upload.bytes.len();
        let sha256 = state.files.put(upload.bytes).await?;
        blobs.push(Blob {
            component: procedure
                .components
                .get(upload.index)
                .map(|c| c.name.clone()),
            name: upload.name,
            stored: StoredFile {
                sha256,
                size,
                content_type: upload.content_type,
            },
        });
    }
    Ok(blobs)
}

/// Documents of the applicant's store taken instead of uploads, and how the citizen consented.
type Reused<'a> = (&'a [(String, uuid::Uuid)], xaso_store::citizen::Consent);

/// Receives a dossier, attaches its stored files and the reused documents, in one transaction.
async fn receive_with_blobs(
    state: &AppState,
    new: &NewDossier,
    blobs: &[Blob],
    (reuses, consent): Reused<'_>,
    user: &User,
) -> Result<DossierView, StoreError> {
    let mut tx = state.store.begin().await?;
    let view = dossier::receive(&mut tx, &state.rules, new, user, state.now()).await?;
    for blob in blobs {
        dossier::attach(
            &mut tx,
            &state.rules,
            &view.code,
            blob.component.as_deref(),
            &blob.name,
            &blob.stored,
            user,
            state.now(),
        )
        .await?;
    }
    crate::citizen::apply_reuses(&mut tx, state, &view.code, reuses, consent, user).await?;
    tx.commit().await?;
    Ok(view)
}

async fn receive_with_files(
    state: &AppState,
    new: &NewDossier,
    procedure: &Procedure,
    uploads: Vec<Upload>,
    reused: Reused<'_>,
    user: &User,
) -> Result<DossierView, StoreError> {
    let blobs = store_uploads(state, procedure, uploads).await?;
    receive_with_blobs(state, new, &blobs, reused, user).await
}

fn applicant_of(fields: &[(String, String)]) -> Applicant {
    Applicant {
        name: field(fields, "applicant_name").to_string(),
        id_number: optional_field(fields, "id_number"),
        phone: optional_field(fields, "phone"),
        email: optional_field(fields, "email"),
        address: optional_field(fields, "address"),
    }
}

#[derive(Template)]
#[template(path = "submit.html")]
struct SubmitPage {
    nav: Nav,
    communes: Vec<(String, String)>,
    p: Procedure,
    components: Vec<ComponentLine>,
    name: String,
    /// The profile linked to the account: its details fill the form, its documents are offered.
    profile: Option<xaso_store::citizen::Profile>,
    error: Option<String>,
}

impl SubmitPage {
    fn offers_reuse(&self) -> bool {
        self.components.iter().any(|c| !c.reusable.is_empty())
    }
}

/// `GET /thu-tuc/{code}/nop`: the online submission form (citizens, signed in).
pub async fn submit_page(
    State(state): State<AppState>,
    ctx: PageContext,
    Path(code): Path<String>,
) -> Result<Response, PageError> {
    let user = match ctx.require(&format!("/thu-tuc/{code}/nop")) {
        Ok(user) => user.clone(),
        Err(response) => return Ok(*response),
    };
    submit_page_response(&state, &ctx, &user, &code, None).await
}

async fn submit_page_response(
    state: &AppState,
    ctx: &PageContext,
    user: &User,
    code: &str,
    error: Option<(StatusCode, String)>,
) -> Result<Response, PageError> {
    let mut tx = state.store.read().await.map_err(page_error)?;
    let procedure = catalog::current(&mut tx, code)
        .await
        .map_err(page_error)?
        .ok_or_else(|| PageError(ApiError::not_found(format!("không có thủ tục mã {code}"))))?
        .procedure;
    if procedure.online == xaso_domain::catalog::OnlineLevel::None {
        return Err(PageError(ApiError::bad_request(
            "Thủ tục này chưa nhận hồ sơ trực tuyến; hãy nộp tại Bộ phận một cửa.",
        )));
    }
    let communes = dossier::communes(&mut tx)
        .await
        .map_err(page_error)?
        .into_iter()
        .map(|a| (a.agency_code, a.name))
        .collect();
    let profile = xaso_store::citizen::own_profile(&mut tx, user)
        .await
        .map_err(page_error)?;
    let components = match &profile {
        Some(profile) => {
            let choices =
                crate::citizen::reuse_choices(&mut tx, state, &procedure, &profile.id_number)
                    .await
                    .map_err(page_error)?;
            lines_with_choices(&procedure, choices)
        }
        None => component_lines(&procedure),
    };
    let page = SubmitPage {
        nav: ctx.nav(),
        communes,
        components,
        p: procedure,
        name: profile
            .as_ref()
            .map_or(user.full_name.clone(), |p| p.full_name.clone()),
        profile,
        error: error.as_ref().map(|(_, m)| m.clone()),
    };
    Ok(ctx.finish(render_status(
        error.map_or(StatusCode::OK, |(s, _)| s),
        &page,
    )))
}

/// `POST /thu-tuc/{code}/nop` (multipart): the dossier with its scanned papers, all or nothing.
pub async fn submit(
    State(state): State<AppState>,
    ctx: PageContext,
    Path(code): Path<String>,
    multipart: MultipartForm,
) -> Result<Response, PageError> {
    let user = match ctx.require(&format!("/thu-tuc/{code}/nop")) {
        Ok(user) => user.clone(),
        Err(response) => return Ok(*response),
    };
    let (fields, uploads) = match read_form(multipart).await? {
        Ok(read) => read,
        Err(problem) => {
            return submit_page_response(&state, &ctx, &user, &code, Some(problem)).await
        }
    };
    ctx.check(field(&fields, "csrf"))?;
    let mut tx = state.store.read().await.map_err(page_error)?;
    let procedure = catalog::current(&mut tx, &code)
        .await
        .map_err(page_error)?
        .ok_or_else(|| PageError(ApiError::not_found(format!("không có thủ tục mã {code}"))))?
        .procedure;
    let communes = dossier::communes(&mut tx).await.map_err(page_error)?;
    tx.commit().await.map_err(page_error)?;
    let receiving = optional_field(&fields, "commune")
        .or_else(|| communes.first().map(|c| c.agency_code.clone()))
        .unwrap_or_default();
    let uploaded: Vec<usize> = if field(&fields, "step") == "confirm" {
        blob_indexes(&fields)
    } else {
        uploads.iter().map(|u| u.index).collect()
    };
    let reuses = match crate::citizen::chosen_reuses(&fields, &procedure, &uploaded) {
        Ok(reuses) => reuses,
        Err(problem) => {
            let problem = Some((StatusCode::UNPROCESSABLE_ENTITY, problem));
            return submit_page_response(&state, &ctx, &user, &code, problem).await;
        }
    };
    if field(&fields, "step") != "confirm" {
        // First the review: the files are kept, the details shown back, nothing is submitted yet.
        if let Err(error) = dossier::check_applicant(&applicant_of(&fields)) {
            return submit_page_response(&state, &ctx, &user, &code, Some(shown(error)?)).await;
        }
        let blobs = store_uploads(&state, &procedure, uploads)
            .await
            .map_err(page_error)?;
        let commune = communes
            .iter()
            .find(|c| c.agency_code == receiving)
            .map(|c| c.name.clone())
            .unwrap_or_default();
        let page = ReviewPage {
            nav: ctx.nav(),
            procedure_name: procedure.name.clone(),
            procedure_code: code.clone(),
            commune,
            fields: fields
                .into_iter()
                .filter(|(k, _)| k != "csrf" && k != "step" && !k.starts_with("blob_"))
                .collect(),
            reused: reuses.iter().map(|(name, _)| name.clone()).collect(),
            files: blobs
                .iter()
                .enumerate()
                .map(|(i, b)| ReviewFile {
                    key: format!("blob_{i}"),
                    value: format!(
                        "{}|{}|{}|{}|{}",
                        b.component
                            .as_ref()
                            .and_then(|c| procedure.components.iter().position(|p| &p.name == c))
                            .map_or(String::new(), |n| n.to_string()),
                        b.stored.sha256,
                        b.stored.content_type,
                        b.stored.size,
                        b.name
                    ),
                    name: b.name.clone(),
                    component: b.component.clone().unwrap_or_default(),
                })
                .collect(),
        };
        return Ok(ctx.finish(render(&page)));
    }
    // The confirmation names files already stored at review, by their hash.
    let mut blobs = Vec::new();
    for (key, value) in fields.iter().filter(|(k, _)| k.starts_with("blob_")) {
        let parts: Vec<&str> = value.splitn(5, '|').collect();
        let (Some(index), Some(sha256), Some(content_type), Some(size), Some(name)) = (
            parts.first(),
            parts.get(1),
            parts.get(2),
            parts.get(3),
            parts.get(4),
        ) else {
            return Err(PageError(ApiError::bad_request(format!(
                "trường {key} không hợp lệ"
            ))));
        };
        let stored = state.files.exists(sha256).await.map_err(page_error)?;
        // The hidden fields come back from the browser: only what an upload can be is taken.
        let size = size
            .parse::<usize>()
            .ok()
            .filter(|s| (1..=xaso_store::files::MAX_FILE_BYTES).contains(s));
        let (Some(content_type), Some(size), true) =
            (xaso_store::files::known_type(content_type), size, stored)
        else {
            return Err(PageError(ApiError::bad_request(
                "Tệp đính kèm không còn; hãy nộp lại.",
            )));
        };
        blobs.push(Blob {
            component: index
                .parse::<usize>()
                .ok()
                .and_then(|i| procedure.components.get(i))
                .map(|c| c.name.clone()),
            name: name.to_string(),
            stored: StoredFile {
                sha256: sha256.to_string(),
                size,
                content_type,
            },
        });
    }
    let new = NewDossier {
        procedure_code: code.clone(),
        channel: Channel::Online,
        receiving_agency: receiving,
        handling_commune: None,
        applicant: applicant_of(&fields),
        owner_name: None,
        proxy_name: None,
        // What was scanned and sent, or taken from the store, counts as provided, as a copy.
        components: blobs
            .iter()
            .filter_map(|b| b.component.clone())
            .chain(reuses.iter().map(|(name, _)| name.clone()))
            .map(|name| ProvidedComponent {
                name,
                provided: Some(ComponentForm::Copy),
            })
            .collect(),
        decision: None,
    };
    let reused = (reuses.as_slice(), xaso_store::citizen::Consent::Online);
    match receive_with_blobs(&state, &new, &blobs, reused, &user).await {
        Ok(view) => Ok(see_other(&format!("/ho-so/{}/bien-nhan", view.code))),
        Err(error) => submit_page_response(&state, &ctx, &user, &code, Some(shown(error)?)).await,
    }
}

struct ReviewFile {
    key: String,
    value: String,
    name: String,
    component: String,
}

#[derive(Template)]
#[template(path = "review.html")]
struct ReviewPage {
    nav: Nav,
    procedure_name: String,
    procedure_code: String,
    commune: String,
    fields: Vec<(String, String)>,
    files: Vec<ReviewFile>,
    /// Components for which a document of the citizen's store is used.
    reused: Vec<String>,
}

/// The component indexes of files already stored at review (`blob_N` = "index|hash|…").
fn blob_indexes(fields: &[(String, String)]) -> Vec<usize> {
    fields
        .iter()
        .filter(|(k, _)| k.starts_with("blob_"))
        .filter_map(|(_, v)| v.split('|').next()?.parse().ok())
        .collect()
}

impl ReviewPage {
    fn value(&self, key: &str) -> &str {
        self.fields
            .iter()
            .find(|(k, _)| k == key)
            .map_or("", |(_, v)| v.as_str())
    }
}
