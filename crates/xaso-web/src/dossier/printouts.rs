//! Dossiers on paper: the receipt (form 01), the control slip (05), the notices (02–04) and the
//! register (06) as PDF, and the wording of dates and places they share with other documents.

use axum::extract::{Path, Query, State};
use axum::response::Response;
use chrono::{DateTime, Utc};
use serde::Deserialize;
use xaso_domain::calendar::deadline::to_local;

use xaso_store::dossier::{self, DossierView};
use xaso_store::{catalog, StoreError};

use super::pages::{local, page_error, signed_in_view, staff};
use crate::error::{ApiError, PageError};
use crate::pages::PageContext;
use crate::AppState;

/// "09 giờ 15 phút, ngày 02/03/2026"
pub(crate) fn spoken(instant: Option<DateTime<Utc>>) -> String {
    spoken_time(instant)
}

fn spoken_time(instant: Option<DateTime<Utc>>) -> String {
    instant
        .map(|i| {
            to_local(i)
                .format("%H giờ %M phút, ngày %d/%m/%Y")
                .to_string()
        })
        .unwrap_or_default()
}

/// "ngày 02 tháng 3 năm 2026"
pub(crate) fn date_words(instant: DateTime<Utc>) -> String {
    date_line(instant)
}

fn date_line(instant: DateTime<Utc>) -> String {
    use chrono::Datelike;
    let local = to_local(instant);
    format!(
        "ngày {:02} tháng {} năm {}",
        local.day(),
        local.month(),
        local.year()
    )
}

/// The agency block of a form: the receiving commune and centre, by name.
pub(crate) async fn issuer_of(
    state: &AppState,
    view: &DossierView,
) -> Result<xaso_docs::forms::Issuer, StoreError> {
    let mut tx = state.store.read().await?;
    let name_of =
        |agency: Option<xaso_store::agency::Agency>| agency.map(|a| a.name).unwrap_or_default();
    let commune = name_of(xaso_store::agency::by_code(&mut tx, &view.receiving_commune).await?);
    let agency = name_of(xaso_store::agency::by_code(&mut tx, &view.receiving_agency).await?);
    tx.commit().await?;
    Ok(xaso_docs::forms::Issuer {
        place: place_of(&commune),
        parent: commune,
        agency,
    })
}

/// "UBND xã Minh Đức" → "Minh Đức", for the place-and-date line.
pub(crate) fn place_of(commune: &str) -> String {
    commune
        .trim_start_matches("UBND ")
        .trim_start_matches("xã ")
        .trim_start_matches("phường ")
        .to_string()
}

pub(crate) fn pdf_response(bytes: Vec<u8>, file_name: &str) -> Response {
    axum::response::IntoResponse::into_response((
        [
            (
                axum::http::header::CONTENT_TYPE,
                "application/pdf".to_string(),
            ),
            (
                axum::http::header::CONTENT_DISPOSITION,
                format!("inline; filename=\"{file_name}\""),
            ),
        ],
        bytes,
    ))
}

/// `GET /ho-so/{code}/bien-nhan.pdf`: form 01 as PDF, for whoever may see the dossier.
pub async fn receipt_pdf(
    State(state): State<AppState>,
    ctx: PageContext,
    Path(code): Path<String>,
    headers: axum::http::HeaderMap,
) -> Result<Response, PageError> {
    let view =
        match signed_in_view(&state, &ctx, &code, &format!("/ho-so/{code}/bien-nhan")).await? {
            Ok(found) => found,
            Err(response) => return Ok(*response),
        };
    let mut tx = state.store.read().await.map_err(page_error)?;
    let procedure = catalog::version(&mut tx, &view.procedure_code, view.procedure_version)
        .await
        .map_err(page_error)?
        .map(|r| r.procedure);
    tx.commit().await.map_err(page_error)?;
    let issuer = issuer_of(&state, &view).await.map_err(page_error)?;
    let officer = view
        .history
        .iter()
        .rev()
        .find(|h| h.action == "accept" || h.action == "submit")
        .map(|h| h.actor.clone())
        .unwrap_or_default();
    let components = view
        .components
        .iter()
        .filter_map(|c| {
            let count = procedure
                .as_ref()
                .and_then(|p| p.components.iter().find(|pc| pc.name == c.name))
                .map_or(1, |pc| pc.count);
            c.provided
                .map(|form| (c.name.clone(), form.label().to_string(), count))
        })
        .collect();
    let data = xaso_docs::forms::Receipt {
        collect_at: format!("Bộ phận một cửa, {}", issuer.agency),
        issuer,
        code: view.code.clone(),
        tracking_url: tracking_url(&headers, &view.code),
        applicant: view.applicant.name.clone(),
        address: view.applicant.address.clone().unwrap_or_default(),
        phone: view.applicant.phone.clone().unwrap_or_default(),
        email: view.applicant.email.clone().unwrap_or_default(),
        id_number: view.applicant.id_number.clone().unwrap_or_default(),
        procedure: view.procedure_name.clone(),
        components,
        processing_time: procedure.map(|p| p.time.describe()).unwrap_or_default(),
        received: spoken_time(view.received_at.or(Some(view.submitted_at))),
        appointment: if view.due_at.is_some() {
            spoken_time(view.due_at)
        } else {
            "sau khi hồ sơ được kiểm tra, tiếp nhận".into()
        },
        officer,
        date_line: date_line(view.received_at.unwrap_or(view.submitted_at)),
    };
    Ok(pdf_response(
        xaso_docs::forms::receipt(&data),
        &format!("giay-tiep-nhan-{}.pdf", view.code),
    ))
}

/// `GET /can-bo/ho-so/{code}/phieu-kiem-soat.pdf`: form 05, the process-control slip.
pub async fn control_slip_pdf(
    State(state): State<AppState>,
    ctx: PageContext,
    Path(code): Path<String>,
) -> Result<Response, PageError> {
    let user = match staff(&ctx, &format!("/can-bo/ho-so/{code}")) {
        Ok(user) => user,
        Err(response) => return Ok(*response),
    };
    let mut tx = state.store.read().await.map_err(page_error)?;
    let view = dossier::view_for(&mut tx, &state.rules, &code, &user, state.now())
        .await
        .map_err(page_error)?;
    tx.commit().await.map_err(page_error)?;
    let issuer = issuer_of(&state, &view).await.map_err(page_error)?;
    let lines = view
        .history
        .iter()
        .map(|h| xaso_docs::forms::SlipLine {
            unit: match &h.agency_code {
                Some(agency) => format!("{} ({agency})", h.actor),
                None => h.actor.clone(),
            },
            handed: local(Some(h.at)),
            result: match h.step_result.as_deref() {
                Some("early") => "Trước hạn".into(),
                Some("on_time") => "Đúng hạn".into(),
                Some("late") => "Quá hạn".into(),
                _ => String::new(),
            },
            note: h.content.clone(),
        })
        .collect();
    let data = xaso_docs::forms::Slip {
        issuer,
        code: view.code.clone(),
        applicant: view.applicant.name.clone(),
        procedure: view.procedure_name.clone(),
        received: local(view.received_at),
        appointment: local(view.due_at),
        lines,
        date_line: date_line(state.now()),
    };
    Ok(pdf_response(
        xaso_docs::forms::control_slip(&data),
        &format!("phieu-kiem-soat-{}.pdf", view.code),
    ))
}

/// The public tracking address of a dossier, on the host the user reached us by.
pub(super) fn tracking_url(headers: &axum::http::HeaderMap, code: &str) -> String {
    format!("{}/tra-cuu?ma={code}", public_base(headers))
}

/// `http://HOST` as the user reached us (the header is filtered to host characters).
pub fn public_base(headers: &axum::http::HeaderMap) -> String {
    let host = headers
        .get(axum::http::header::HOST)
        .and_then(|h| h.to_str().ok())
        .filter(|h| {
            h.chars()
                .all(|c| c.is_ascii_alphanumeric() || ".-:[]".contains(c))
        })
        .unwrap_or("localhost");
    format!("http://{host}")
}

/// `GET /ho-so/{code}/phieu/{form}.pdf`: form 02 (supplement request), 03 (refusal) or 04
/// (apology and new appointment), when the dossier has one.
pub async fn notice_pdf(
    State(state): State<AppState>,
    ctx: PageContext,
    Path((code, form)): Path<(String, String)>,
) -> Result<Response, PageError> {
    let view = match signed_in_view(&state, &ctx, &code, &format!("/ho-so/{code}")).await? {
        Ok(found) => found,
        Err(response) => return Ok(*response),
    };
    let issuer = issuer_of(&state, &view).await.map_err(page_error)?;
    let none = || PageError(ApiError::not_found("Hồ sơ này không có phiếu đó."));
    let received = spoken_time(view.received_at.or(Some(view.submitted_at)));
    let addressee = format!("Ông/Bà {}", view.applicant.name);
    let (notice, number) = match form.trim_end_matches(".pdf") {
        "02" => {
            let request = view.supplement.clone().ok_or_else(none)?;
            (
                xaso_docs::forms::Notice {
                    title: "PHIẾU YÊU CẦU BỔ SUNG, HOÀN THIỆN HỒ SƠ".into(),
                    intro: format!(
                        "Lúc {received}, {} đã tiếp nhận hồ sơ đề nghị giải quyết thủ tục “{}” của Ông/Bà. Sau khi xem xét, đề nghị Ông/Bà bổ sung, hoàn thiện hồ sơ gồm những nội dung sau (lý do: {}):",
                        issuer.agency, view.procedure_name, request.reason
                    ),
                    items: request.items,
                    closing: format!("Trong quá trình hoàn thiện hồ sơ, nếu có vướng mắc, Ông/Bà liên hệ với {} để được hướng dẫn. Xin trân trọng cảm ơn!", request.by),
                    signer_title: "NGƯỜI HƯỚNG DẪN".into(),
                    signer: request.by,
                    date_line: date_line(request.at),
                    ..Default::default()
                },
                "02",
            )
        }
        "03" => {
            let refusal = view.refusal.clone().ok_or_else(none)?;
            let what = if refusal.at_reception {
                "tiếp nhận"
            } else {
                "giải quyết"
            };
            (
                xaso_docs::forms::Notice {
                    title: "PHIẾU TỪ CHỐI TIẾP NHẬN, GIẢI QUYẾT HỒ SƠ".into(),
                    intro: format!(
                        "{} nhận được hồ sơ đề nghị giải quyết thủ tục “{}” của Ông/Bà lúc {received}. Qua xem xét, {} thông báo từ chối {what} hồ sơ với lý do sau:",
                        issuer.agency, view.procedure_name, issuer.agency
                    ),
                    items: vec![refusal.reasons],
                    closing: "Xin thông báo để Ông/Bà được biết và thực hiện.".into(),
                    signer_title: "NGƯỜI TIẾP NHẬN HỒ SƠ".into(),
                    signer: refusal.by,
                    date_line: date_line(refusal.at),
                    ..Default::default()
                },
                "03",
            )
        }
        "04" => {
            let apology = view.apology.clone().ok_or_else(none)?;
            (
                xaso_docs::forms::Notice {
                    title: "PHIẾU XIN LỖI VÀ HẸN LẠI NGÀY TRẢ KẾT QUẢ".into(),
                    intro: format!(
                        "Lúc {received}, {} tiếp nhận hồ sơ đề nghị giải quyết thủ tục “{}” của Ông/Bà, hẹn trả kết quả lúc {}. Tuy nhiên đến nay, chúng tôi chưa trả kết quả giải quyết hồ sơ cho Ông/Bà đúng hạn, lý do:",
                        issuer.agency, view.procedure_name, spoken_time(Some(apology.old_due))
                    ),
                    items: vec![apology.reason],
                    closing: format!(
                        "Sự chậm trễ này đã gây phiền hà cho Ông/Bà. Chúng tôi thành thật xin lỗi và hẹn lại thời gian trả kết quả lúc {}. Xin trân trọng cảm ơn!",
                        spoken_time(Some(apology.new_due))
                    ),
                    signer_title: "CÁN BỘ GIẢI QUYẾT HỒ SƠ".into(),
                    signer: apology.by,
                    date_line: date_line(apology.at),
                    ..Default::default()
                },
                "04",
            )
        }
        _ => return Err(none()),
    };
    let notice = xaso_docs::forms::Notice {
        issuer,
        code: view.code.clone(),
        addressee,
        ..notice
    };
    Ok(pdf_response(
        xaso_docs::forms::notice(&notice),
        &format!("phieu-{number}-{}.pdf", view.code),
    ))
}

#[derive(Debug, Deserialize)]
pub struct PeriodParams {
    tu: Option<String>,
    den: Option<String>,
}

/// `GET /can-bo/so-theo-doi.pdf[?tu=YYYY-MM-DD&den=YYYY-MM-DD]`: the register (form 06) of the
/// dossiers received at the officer's commune, this month by default.
pub async fn register_pdf(
    State(state): State<AppState>,
    ctx: PageContext,
    Query(params): Query<PeriodParams>,
) -> Result<Response, PageError> {
    use chrono::Datelike;
    let user = match staff(&ctx, "/can-bo") {
        Ok(user) => user,
        Err(response) => return Ok(*response),
    };
    let today = to_local(state.now()).date();
    let parse = |value: Option<&str>,
                 default: chrono::NaiveDate|
     -> Result<chrono::NaiveDate, PageError> {
        match value.filter(|v| !v.is_empty()) {
            None => Ok(default),
            Some(text) => xaso_domain::calendar::parse_date(text).map_err(|e| PageError(e.into())),
        }
    };
    let first = today.with_day(1).unwrap_or(today);
    let from = parse(params.tu.as_deref(), first)?;
    let to = parse(params.den.as_deref(), today)?;
    if to < from || (to - from).num_days() > 366 {
        return Err(PageError(ApiError::bad_request(
            "Khoảng thời gian không hợp lệ (tối đa một năm).",
        )));
    }
    let start = xaso_domain::calendar::deadline::from_local(from.and_time(chrono::NaiveTime::MIN));
    let end = xaso_domain::calendar::deadline::from_local(
        (to + chrono::Duration::days(1)).and_time(chrono::NaiveTime::MIN),
    );
    let mut tx = state.store.read().await.map_err(page_error)?;
    let views = dossier::register(&mut tx, &state.rules, &user, start, end, state.now())
        .await
        .map_err(page_error)?;
    let handlers: Vec<String> = {
        let mut names = Vec::new();
        for view in &views {
            let agency = xaso_store::agency::by_code(&mut tx, &view.handling_commune)
                .await
                .map_err(page_error)?;
            names.push(
                agency
                    .map(|a| a.name)
                    .unwrap_or_else(|| view.handling_commune.clone()),
            );
        }
        names
    };
    tx.commit().await.map_err(page_error)?;
    let issuer = match views.first() {
        Some(view) => issuer_of(&state, view).await.map_err(page_error)?,
        None => xaso_docs::forms::Issuer::default(),
    };
    let rows = views
        .iter()
        .zip(handlers)
        .map(|(view, handler)| {
            let contact = [view.applicant.address.clone(), view.applicant.phone.clone()]
                .into_iter()
                .flatten()
                .collect::<Vec<_>>()
                .join("; ");
            let returned = view
                .history
                .iter()
                .find(|h| h.action == "return_result")
                .map(|h| local(Some(h.at)))
                .unwrap_or_default();
            xaso_docs::forms::RegisterRow {
                code: view.code.clone(),
                procedure: view.procedure_name.clone(),
                applicant: view.applicant.name.clone(),
                contact,
                handler,
                received: local(view.received_at),
                appointment: local(view.due_at),
                returned,
                note: view.status.name.to_string(),
            }
        })
        .collect();
    let data = xaso_docs::forms::Register {
        issuer,
        period: format!(
            "từ {} đến {}",
            from.format("%d/%m/%Y"),
            to.format("%d/%m/%Y")
        ),
        rows,
        date_line: date_line(state.now()),
    };
    Ok(pdf_response(
        xaso_docs::forms::register(&data),
        &format!("so-theo-doi-{from}-{to}.pdf"),
    ))
}
