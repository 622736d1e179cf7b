//! Certified electronic copies from originals (chứng thực bản sao điện tử từ bản chính, procedure
//! 2.000815, NĐ 23/2015): the certifier compares the original with its scan, the system numbers
//! the certification in the SCT/BS register, charges the fee by page tiers, and signs the copy.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use axum::Json;
use chrono::Datelike;
use serde::Deserialize;
use uuid::Uuid;
use xaso_domain::calendar::deadline::to_local;
use xaso_domain::certification::{copy_fee, Register};
use xaso_domain::money::format_vnd;
use xaso_store::audit::Actor;
use xaso_store::certification::{self, NewCertification, RegisterEntry};
use xaso_store::identity::User;
use xaso_store::StoreError;

use crate::dossier::pages::{
    date_words, field, page_error, pdf_response, place_of, public_base, read_form, shown, spoken,
    staff, Upload,
};
use crate::dossier::verification::{check, verification_page, ResultVerification};
use crate::dossier::{within_public_limit, ClientIp};
use crate::error::{ApiError, PageError};
use crate::pages::{render_status, see_other, PageContext};
use crate::AppState;

/// The catalog procedure whose fee schedule prices a certified copy.
pub const PROCEDURE: &str = "2.000815";
/// More copies than this of one original at once is a typing slip, not a request.
const MAX_COPIES: u32 = 100;
/// Pages of one original in one certification.
const MAX_PAGES: usize = 50;

/// A certification to make, as the certifier entered it.
pub struct CopyRequest {
    pub requester: String,
    /// The requester's personal identification number: when given, the signed copy is also put
    /// in their citizen data store.
    pub requester_id_number: Option<String>,
    pub document: String,
    pub copies: u32,
    /// The certifier confirms having compared the scan with the original.
    pub compared: bool,
    /// The scanned pages of the original, in order (JPEG or PNG).
    pub scans: Vec<Vec<u8>>,
}

/// A certification made: its register entry and the fee charged.
pub struct Made {
    pub id: Uuid,
    pub number: String,
    pub fee: u64,
}

fn invalid(message: impl Into<String>) -> StoreError {
    StoreError::Invalid(message.into())
}

/// Certifies a copy: checks the request, numbers it in the commune's SCT/BS register, draws and
/// signs the copy with the certifier's key, and keeps it, all or nothing.
pub async fn certify_copy(
    state: &AppState,
    user: &User,
    request: &CopyRequest,
    public_base: &str,
) -> Result<Made, StoreError> {
    if !request.compared {
        return Err(invalid(
            "Cần xác nhận đã đối chiếu bản chụp với bản chính trước khi chứng thực.",
        ));
    }
    if request.requester.trim().is_empty() || request.document.trim().is_empty() {
        return Err(invalid(
            "Cần họ tên người yêu cầu và tên giấy tờ, văn bản được chứng thực.",
        ));
    }
    if request.copies == 0 || request.copies > MAX_COPIES {
        return Err(invalid(format!("Số bản sao phải từ 1 đến {MAX_COPIES}.")));
    }
    let requester_number = match request.requester_id_number.as_deref().map(str::trim) {
        Some(number) if !number.is_empty() => Some(xaso_store::citizen::check_number(
            &state.rules.citizen,
            number,
        )?),
        _ => None,
    };
    if request.scans.is_empty() || request.scans.len() > MAX_PAGES {
        return Err(invalid(format!(
            "Cần ảnh chụp từng trang của bản chính (từ 1 đến {MAX_PAGES} trang)."
        )));
    }
    let scans = request
        .scans
        .iter()
        .enumerate()
        .map(|(i, bytes)| {
            xaso_docs::image::read(bytes).map_err(|e| invalid(format!("Trang {}: {e}.", i + 1)))
        })
        .collect::<Result<Vec<_>, _>>()?;
    let pages = scans.len() as u32;
    let now = state.now();
    let Some(signing) =
        crate::pki::signing_key(&state.store, state.secret.as_ref(), &user.username, now).await?
    else {
        return Err(invalid(
            "Tài khoản này chưa có chứng thư ký số còn hiệu lực: người thực hiện chứng thực (Chủ tịch, Phó Chủ tịch UBND xã) cần chứng thư để ký bản sao điện tử.",
        ));
    };
    let mut tx = state.store.read().await?;
    let commune = xaso_store::agency::commune_of_user(&mut tx, user)
        .await?
        .ok_or_else(|| invalid("Tài khoản này không thuộc UBND xã nào."))?;
    let schedule = xaso_store::catalog::current(&mut tx, PROCEDURE)
        .await?
        .map(|r| r.procedure.fee)
        .ok_or_else(|| invalid(format!("Danh mục chưa có thủ tục {PROCEDURE}.")))?;
    tx.commit().await?;
    let fee = copy_fee(&schedule, pages, request.copies).ok_or_else(|| {
        invalid(format!(
            "Biểu phí của thủ tục {PROCEDURE} không tính theo trang."
        ))
    })?;
    let fee_i64 = i64::try_from(fee).map_err(|_| invalid("Phí vượt giới hạn."))?;

    // The register names the certifier, as on the paper book.
    let actor = Actor {
        user_id: Some(user.id),
        label: user.full_name.clone(),
    };
    let mut tx = state.store.begin().await?;
    let certified = certification::certify(
        &mut tx,
        &NewCertification {
            commune_code: &commune.agency_code,
            register: Register::CopyFromOriginal,
            dossier_code: None,
            requester: &request.requester,
            document: &request.document,
            copies: request.copies,
            pages,
            fee: fee_i64,
        },
        now,
        &actor,
    )
    .await?;
    let number = certified.number.to_string();
    let document = xaso_docs::forms::certified_copy(&xaso_docs::forms::CertifiedCopy {
        issuer: xaso_docs::forms::Issuer {
            parent: String::new(),
            place: place_of(&commune.name),
            agency: commune.name.clone(),
        },
        document: request.document.trim().to_string(),
        scans,
        copies: request.copies,
        number: number.clone(),
        date_line: date_words(now),
        signer: user.full_name.clone(),
        signer_title: "Người thực hiện chứng thực".into(),
        signed_at: spoken(Some(now)),
        verification_url: format!("{public_base}/xac-thuc/chung-thuc/{}", certified.id),
    });
    let signed = xaso_docs::sign::sign(
        document,
        &xaso_docs::sign::Signer {
            key: &signing.key,
            certificate: &signing.certificate,
            chain: &signing.chain,
            name: user.full_name.clone(),
        },
        "Chứng thực bản sao từ bản chính",
        now,
    );
    let size = signed.len();
    // Content-addressed: if the transaction fails, the stored bytes are an unreferenced blob
    // (removed by `xaso files gc`).
    let sha256 = state.files.put(signed).await?;
    certification::attach_copy(&mut tx, certified.id, &sha256, size, now, &actor).await?;
    if let Some(id_number) = &requester_number {
        let stored = xaso_store::dossier::StoredFile {
            sha256: sha256.clone(),
            size,
            content_type: "application/pdf",
        };
        xaso_store::citizen::keep_certified_copy(
            &mut tx,
            &state.rules.citizen,
            id_number,
            &request.requester,
            (certified.id, &number),
            &request.document,
            &stored,
            user,
            now,
        )
        .await?;
    }
    tx.commit().await?;
    Ok(Made {
        id: certified.id,
        number,
        fee,
    })
}

fn file_name(entry: &RegisterEntry) -> String {
    format!(
        "ban-sao-chung-thuc-{:02}-{}-{}.pdf",
        entry.sequence,
        entry.year,
        entry.register.replace(['/', ','], "-")
    )
}

/// The commune whose register `user` keeps.
async fn commune_code_of(state: &AppState, user: &User) -> Result<Option<String>, StoreError> {
    let mut tx = state.store.read().await?;
    let commune = xaso_store::agency::commune_of_user(&mut tx, user).await?;
    tx.commit().await?;
    Ok(commune.map(|c| c.agency_code))
}

struct EntryLine {
    id: Uuid,
    number: String,
    at: String,
    requester: String,
    document: String,
    pages: i32,
    copies: i32,
    fee: String,
    certified_by: String,
    has_copy: bool,
}

#[derive(Template)]
#[template(path = "staff_certification.html")]
struct CertificationPage {
    nav: crate::pages::Nav,
    error: Option<String>,
    made: Option<EntryLine>,
    fee_rule: String,
    year: i32,
    entries: Vec<EntryLine>,
    total_fee: String,
}

#[derive(Debug, Deserialize)]
pub struct PageParams {
    #[serde(rename = "moi")]
    made: Option<Uuid>,
    #[serde(rename = "nam")]
    year: Option<i32>,
}

fn line(entry: &RegisterEntry) -> EntryLine {
    EntryLine {
        id: entry.id,
        number: entry.number().map(|n| n.to_string()).unwrap_or_default(),
        at: to_local(entry.certified_at)
            .format("%H:%M %d/%m/%Y")
            .to_string(),
        requester: entry.requester.clone(),
        document: entry.document.clone(),
        pages: entry.pages,
        copies: entry.copies,
        fee: format_vnd(u64::try_from(entry.fee).unwrap_or(0)),
        certified_by: entry.certified_by.clone(),
        has_copy: entry.copy_sha256.is_some(),
    }
}

async fn page_response(
    state: &AppState,
    ctx: &PageContext,
    user: &User,
    params: &PageParams,
    error: Option<(StatusCode, String)>,
) -> Result<Response, PageError> {
    let year = params.year.unwrap_or_else(|| to_local(state.now()).year());
    let commune = commune_code_of(state, user).await.map_err(page_error)?;
    let mut tx = state.store.read().await.map_err(page_error)?;
    let entries = match &commune {
        Some(code) => certification::register(&mut tx, code, Register::CopyFromOriginal, year)
            .await
            .map_err(page_error)?,
        None => Vec::new(),
    };
    let fee_rule = xaso_store::catalog::current(&mut tx, PROCEDURE)
        .await
        .map_err(page_error)?
        .map(|r| r.procedure.fee.describe())
        .unwrap_or_default();
    tx.commit().await.map_err(page_error)?;
    let total: i64 = entries.iter().map(|e| e.fee).sum();
    let page = CertificationPage {
        nav: ctx.nav(),
        error: error.as_ref().map(|(_, m)| m.clone()),
        made: params
            .made
            .and_then(|id| entries.iter().find(|e| e.id == id))
            .map(line),
        fee_rule,
        year,
        entries: entries.iter().map(line).collect(),
        total_fee: format_vnd(u64::try_from(total).unwrap_or(0)),
    };
    Ok(ctx.finish(render_status(
        error.map_or(StatusCode::OK, |(s, _)| s),
        &page,
    )))
}

/// `GET /can-bo/chung-thuc[?nam=YYYY]`: the certification form and the year's SCT/BS register.
pub async fn page(
    State(state): State<AppState>,
    ctx: PageContext,
    Query(params): Query<PageParams>,
) -> Result<Response, PageError> {
    let user = match staff(&ctx, "/can-bo/chung-thuc") {
        Ok(user) => user,
        Err(response) => return Ok(*response),
    };
    page_response(&state, &ctx, &user, &params, None).await
}

/// `POST /can-bo/chung-thuc`: certifies a copy from the scanned pages (`file_1`, `file_2`, …).
pub async fn submit(
    State(state): State<AppState>,
    ctx: PageContext,
    headers: HeaderMap,
    multipart: crate::dossier::pages::MultipartForm,
) -> Result<Response, PageError> {
    let user = match staff(&ctx, "/can-bo/chung-thuc") {
        Ok(user) => user,
        Err(response) => return Ok(*response),
    };
    let no_params = PageParams {
        made: None,
        year: None,
    };
    let (fields, mut uploads) = match read_form(multipart).await? {
        Ok(read) => read,
        Err(problem) => {
            return page_response(&state, &ctx, &user, &no_params, Some(problem)).await;
        }
    };
    ctx.check(field(&fields, "csrf"))?;
    uploads.sort_by_key(|u: &Upload| u.index);
    if let Some(pdf) = uploads.iter().find(|u| u.content_type == "application/pdf") {
        let problem = format!(
            "Tệp “{}” là PDF: hãy chụp hoặc quét từng trang của bản chính thành ảnh JPEG hoặc PNG.",
            pdf.name
        );
        return page_response(
            &state,
            &ctx,
            &user,
            &no_params,
            Some((StatusCode::UNSUPPORTED_MEDIA_TYPE, problem)),
        )
        .await;
    }
    let request = CopyRequest {
        requester: field(&fields, "requester").to_string(),
        requester_id_number: Some(field(&fields, "requester_id_number").to_string()),
        document: field(&fields, "document").to_string(),
        copies: field(&fields, "copies").trim().parse().unwrap_or(0),
        compared: field(&fields, "compared") == "yes",
        scans: uploads.into_iter().map(|u| u.bytes).collect(),
    };
    match certify_copy(&state, &user, &request, &public_base(&headers)).await {
        Ok(made) => Ok(see_other(&format!("/can-bo/chung-thuc?moi={}", made.id))),
        Err(error) => {
            let problem = shown(error)?;
            page_response(&state, &ctx, &user, &no_params, Some(problem)).await
        }
    }
}

/// `GET /can-bo/chung-thuc/so.pdf[?nam=YYYY]`: the year's SCT/BS register, printable.
pub async fn register_pdf(
    State(state): State<AppState>,
    ctx: PageContext,
    Query(params): Query<PageParams>,
) -> Result<Response, PageError> {
    let user = match staff(&ctx, "/can-bo/chung-thuc/so.pdf") {
        Ok(user) => user,
        Err(response) => return Ok(*response),
    };
    let year = params.year.unwrap_or_else(|| to_local(state.now()).year());
    let mut tx = state.store.read().await.map_err(page_error)?;
    let commune = xaso_store::agency::commune_of_user(&mut tx, &user)
        .await
        .map_err(page_error)?
        .ok_or_else(|| {
            PageError(ApiError::not_found(
                "Tài khoản này không thuộc UBND xã nào.",
            ))
        })?;
    let register = Register::CopyFromOriginal;
    let entries = certification::register(&mut tx, &commune.agency_code, register, year)
        .await
        .map_err(page_error)?;
    tx.commit().await.map_err(page_error)?;
    let rows = entries
        .iter()
        .map(|e| xaso_docs::forms::CertificationRow {
            number: format!("{:02}", e.sequence),
            date: to_local(e.certified_at).format("%d/%m/%Y").to_string(),
            requester: e.requester.clone(),
            document: e.document.clone(),
            pages: e.pages.to_string(),
            copies: e.copies.to_string(),
            signer: e.certified_by.clone(),
            fee: format_vnd(u64::try_from(e.fee).unwrap_or(0)),
            note: if e.copy_sha256.is_some() {
                "Bản sao điện tử".into()
            } else {
                String::new()
            },
        })
        .collect();
    let pdf = xaso_docs::forms::certification_register(&xaso_docs::forms::CertificationRegister {
        issuer: xaso_docs::forms::Issuer {
            parent: String::new(),
            place: place_of(&commune.name),
            agency: commune.name.clone(),
        },
        title: register.name().into(),
        book: format!("Quyển số 01/{year}-{}", register.symbol()),
        rows,
        date_line: date_words(state.now()),
    });
    Ok(ctx.finish(pdf_response(
        pdf,
        &format!("so-chung-thuc-ban-sao-{year}.pdf"),
    )))
}

/// The entry `id` when `user` keeps its register.
async fn own_entry(state: &AppState, user: &User, id: Uuid) -> Result<RegisterEntry, ApiError> {
    let commune = commune_code_of(state, user).await?;
    let mut tx = state.store.read().await?;
    let entry = certification::entry(&mut tx, id).await?;
    tx.commit().await?;
    entry
        .filter(|e| Some(&e.commune_code) == commune.as_ref())
        .ok_or_else(|| ApiError::not_found("Không có chứng thực này trong sổ của xã."))
}

/// `GET /can-bo/chung-thuc/{id}/ban-sao.pdf`: the signed copy, for the commune's staff.
pub async fn copy_pdf(
    State(state): State<AppState>,
    ctx: PageContext,
    Path(id): Path<Uuid>,
) -> Result<Response, PageError> {
    let user = match staff(&ctx, &format!("/can-bo/chung-thuc/{id}/ban-sao.pdf")) {
        Ok(user) => user,
        Err(response) => return Ok(*response),
    };
    let entry = own_entry(&state, &user, id).await.map_err(PageError)?;
    let sha256 = entry.copy_sha256.as_deref().ok_or_else(|| {
        PageError(ApiError::not_found(
            "Chứng thực này không có bản sao điện tử.",
        ))
    })?;
    let bytes = state.files.get(sha256).await.map_err(page_error)?;
    Ok(ctx.finish(pdf_response(bytes, &file_name(&entry))))
}

const NO_COPY: &str =
    "Không tìm thấy bản sao chứng thực điện tử này. Hãy kiểm tra lại mã QR hoặc đường dẫn trên văn bản.";

async fn verify_copy(
    state: &AppState,
    client: Option<std::net::IpAddr>,
    id: &str,
) -> Result<ResultVerification, ApiError> {
    within_public_limit(state, client)?;
    let id: Uuid = id.parse().map_err(|_| ApiError::not_found(NO_COPY))?;
    let mut tx = state.store.read().await?;
    let entry = certification::entry(&mut tx, id).await?;
    tx.commit().await?;
    let entry = entry.ok_or_else(|| ApiError::not_found(NO_COPY))?;
    let sha256 = entry
        .copy_sha256
        .as_deref()
        .ok_or_else(|| ApiError::not_found(NO_COPY))?;
    let pdf = state.files.get(sha256).await?;
    let checked = check(&state.store, &pdf, Vec::new())
        .await?
        .map_err(|e| ApiError::bad_request(format!("Bản sao này không kiểm tra được: {e}.")))?;
    let number = entry.number().map(|n| n.to_string()).unwrap_or_default();
    Ok(ResultVerification {
        heading: number.clone(),
        code: number,
        procedure_name: "Chứng thực bản sao từ bản chính".into(),
        file_name: file_name(&entry),
        checked,
    })
}

/// `GET /xac-thuc/chung-thuc/{id}`: the public check of a certified copy (its QR leads here).
pub async fn verification(
    State(state): State<AppState>,
    ctx: PageContext,
    ClientIp(client): ClientIp,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    Ok(verification_page(
        &ctx,
        verify_copy(&state, client, &id).await,
    ))
}

/// `GET /api/v1/public/certifications/{id}`.
pub async fn verification_api(
    State(state): State<AppState>,
    ClientIp(client): ClientIp,
    Path(id): Path<String>,
) -> Result<Json<ResultVerification>, ApiError> {
    Ok(Json(verify_copy(&state, client, &id).await?))
}
