//! Online payment over HTTP: the citizen is sent to the gateway with a signed request, comes
//! back to the return URL; the gateway also calls the IPN URL server to server. Both reports go
//! through the store's `take_report`, which settles a payment once. A sandbox gateway speaking
//! the same protocol is built in (enabled by configuration) so the whole flow runs on one machine.

use std::sync::{Arc, Mutex};

use askama::Template;
use axum::extract::{Path, RawQuery, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Form;
use chrono::Duration;
use serde::Deserialize;
use xaso_domain::calendar::deadline::to_local;
use xaso_domain::money::format_vnd;
use xaso_domain::payment::reconcile::{gateway_csv, parse_gateway_csv, reconcile, GatewayLine};
use xaso_domain::payment::vnpay::{self, IpnAnswer, Merchant, PaymentRequest};
use xaso_domain::payment::{Protocol, Vnpay};
use xaso_store::payment::{self, Channel};
use xaso_store::StoreError;

use crate::dossier::pages::{page_error, public_base};
use crate::error::{ApiError, PageError};
use crate::pages::{render, see_other, Nav, PageContext};
use crate::AppState;

/// The path of the built-in sandbox gateway's payment page.
pub const SANDBOX_PATH: &str = "/cong-thanh-toan-thu/pay";

/// The payment gateway the system uses: its protocol (who we are to it), where payers are sent,
/// and for the built-in sandbox the merchant it serves and what it has taken.
pub struct Gateway {
    pub protocol: Box<dyn Protocol>,
    /// The gateway's payment page (absolute URL), or `None` for the built-in sandbox.
    pub pay_url: Option<String>,
    /// The sandbox plays the gateway: it knows the merchant's secret to check requests and sign
    /// its reports.
    sandbox_merchant: Option<Merchant>,
    /// The sandbox's own transaction list (what a real gateway's merchant portal exports).
    sandbox_lines: Mutex<Vec<GatewayLine>>,
}

impl Gateway {
    /// A real gateway at `pay_url`, speaking `protocol`.
    pub fn remote(protocol: Box<dyn Protocol>, pay_url: String) -> Gateway {
        Gateway {
            protocol,
            pay_url: Some(pay_url),
            sandbox_merchant: None,
            sandbox_lines: Mutex::new(Vec::new()),
        }
    }

    /// The built-in sandbox (test money only), speaking VNPay's protocol.
    pub fn sandbox(merchant: Merchant) -> Gateway {
        Gateway {
            protocol: Box::new(Vnpay {
                merchant: merchant.clone(),
            }),
            pay_url: None,
            sandbox_merchant: Some(merchant),
            sandbox_lines: Mutex::new(Vec::new()),
        }
    }

    fn pay_url(&self, base: &str) -> String {
        self.pay_url
            .clone()
            .unwrap_or_else(|| format!("{base}{SANDBOX_PATH}"))
    }
}

/// The merchant the built-in sandbox serves; 404 when the system uses a real gateway.
fn sandbox_merchant(state: &AppState) -> Result<&Merchant, PageError> {
    state
        .gateway
        .as_ref()
        .and_then(|g| g.sandbox_merchant.as_ref())
        .ok_or_else(|| PageError(ApiError::not_found("không có cổng thanh toán thử")))
}

fn gateway(state: &AppState) -> Result<&Arc<Gateway>, ApiError> {
    state
        .gateway
        .as_ref()
        .ok_or_else(|| ApiError::not_found("hệ thống chưa cấu hình cổng thanh toán trực tuyến"))
}

/// The query string as (name, value) pairs, decoded as forms are (`+` a space, `%XX` a byte), in
/// their order.
fn pairs(query: Option<&str>) -> Vec<(String, String)> {
    vnpay::query_pairs(query.unwrap_or_default())
}

#[derive(Deserialize)]
pub struct CsrfForm {
    csrf: String,
}

/// `POST /ho-so/{code}/thanh-toan`: the applicant pays online; off to the gateway.
pub async fn start(
    State(state): State<AppState>,
    ctx: PageContext,
    headers: HeaderMap,
    Path(code): Path<String>,
    Form(form): Form<CsrfForm>,
) -> Result<Response, PageError> {
    let user = match ctx.require(&format!("/ho-so/{code}")) {
        Ok(user) => user.clone(),
        Err(response) => return Ok(*response),
    };
    ctx.check(&form.csrf)?;
    let gateway = gateway(&state).map_err(PageError)?.clone();
    let now = state.now();
    let mut tx = state.store.begin().await.map_err(page_error)?;
    let started = payment::start_online(&mut tx, &code, gateway.protocol.name(), &user, now)
        .await
        .map_err(page_error)?;
    tx.commit().await.map_err(page_error)?;
    let base = public_base(&headers);
    let request = PaymentRequest {
        txn_ref: started.txn_ref.clone().unwrap_or_default(),
        amount: u64::try_from(started.amount).unwrap_or(0),
        // ASCII: every bank's page shows it right.
        order_info: format!("Thanh toan phi, le phi ho so {code}"),
        return_url: format!("{base}/thanh-toan/ket-qua"),
        ip: "127.0.0.1".into(),
        created: to_local(now),
        expires: to_local(now + Duration::minutes(15)),
    };
    Ok(see_other(
        &gateway
            .protocol
            .payment_url(&gateway.pay_url(&base), &request),
    ))
}

/// Reads and settles a report in one transaction (logged even when refused).
async fn take(
    state: &AppState,
    channel: Channel,
    params: &[(String, String)],
) -> Result<payment::Settled, StoreError> {
    let gateway = state
        .gateway
        .as_ref()
        .ok_or_else(|| StoreError::NotFound("cổng thanh toán".into()))?;
    let report = gateway.protocol.read_report(params);
    let text = serde_json::to_string(params).unwrap_or_default();
    let handled = async {
        let mut tx = state.store.begin().await?;
        let settled =
            payment::take_report(&mut tx, &state.rules, channel, &text, report, state.now())
                .await?;
        tx.commit().await?;
        Ok::<_, StoreError>(settled)
    }
    .await;
    if let Err(error) = &handled {
        // The handling rolled back with its log line: the attempt is still put on record.
        let detail = format!("không xử lý được: {error}");
        let logged = async {
            let mut tx = state.store.begin().await?;
            payment::log_unhandled(&mut tx, channel, &text, &detail, state.now()).await?;
            tx.commit().await
        }
        .await;
        if let Err(also) = logged {
            tracing::warn!("không ghi được nhật ký báo cáo thanh toán: {also}");
        }
    }
    handled
}

/// What the IPN answers, as VNPay's protocol has it (`IpnAnswer::json`), for the API's contract.
#[derive(serde::Serialize, schemars::JsonSchema)]
#[serde(rename_all = "PascalCase")]
pub struct IpnReply {
    /// `00` confirmed, `01` order not found, `02` already confirmed, `04` invalid amount, `97`
    /// invalid signature, `99` unknown error.
    rsp_code: String,
    message: String,
}

/// `GET /api/v1/payments/vnpay/ipn`: the gateway's server-to-server report; the answer is the
/// gateway's JSON, always with 200 (the code inside says what happened).
pub async fn ipn(State(state): State<AppState>, RawQuery(query): RawQuery) -> Response {
    let params = pairs(query.as_deref());
    let answer = match take(&state, Channel::Ipn, &params).await {
        Ok(settled) => settled.answer,
        Err(error) => {
            tracing::warn!("IPN không xử lý được: {error}");
            IpnAnswer::Unknown
        }
    };
    let body = state
        .gateway
        .as_ref()
        .map_or_else(|| answer.json(), |g| g.protocol.answer(answer));
    (
        StatusCode::OK,
        [(header::CONTENT_TYPE, "application/json")],
        body,
    )
        .into_response()
}

#[derive(Template)]
#[template(path = "payment_result.html")]
struct ResultPage {
    nav: Nav,
    ok: bool,
    message: String,
    code: Option<String>,
    receipt: Option<String>,
    amount: String,
}

/// `GET /thanh-toan/ket-qua`: the payer back from the gateway.
pub async fn returned(
    State(state): State<AppState>,
    ctx: PageContext,
    RawQuery(query): RawQuery,
) -> Result<Response, PageError> {
    let params = pairs(query.as_deref());
    let settled = take(&state, Channel::Return, &params)
        .await
        .map_err(page_error)?;
    let code = |c: &str| {
        params
            .iter()
            .find(|(k, _)| k == c)
            .map(|(_, v)| v.clone())
            .unwrap_or_default()
    };
    let (ok, message) = match (&settled.answer, &settled.payment) {
        (IpnAnswer::Confirmed | IpnAnswer::AlreadyConfirmed, Some(p)) if p.status == "paid" => {
            (true, "Thanh toán thành công.".to_string())
        }
        (IpnAnswer::InvalidSignature, _) => (
            false,
            "Kết quả thanh toán không có chữ ký hợp lệ của cổng thanh toán; hồ sơ không thay đổi."
                .into(),
        ),
        (_, Some(_)) => (
            false,
            format!(
                "Thanh toán không thành công: {}.",
                vnpay::response_text(&code("vnp_ResponseCode"))
            ),
        ),
        _ => (false, "Không tìm thấy giao dịch thanh toán này.".into()),
    };
    let page = ResultPage {
        nav: ctx.nav(),
        ok,
        message,
        code: settled.payment.as_ref().map(|p| p.dossier_code.clone()),
        receipt: settled
            .payment
            .as_ref()
            .and_then(|p| p.receipt_number.clone()),
        amount: settled
            .payment
            .as_ref()
            .map(|p| format_vnd(u64::try_from(p.amount).unwrap_or(0)))
            .unwrap_or_default(),
    };
    Ok(ctx.finish(render(&page)))
}

#[derive(Template)]
#[template(path = "payment_sandbox.html")]
struct SandboxPage {
    nav: Nav,
    query: String,
    amount: String,
    order_info: String,
    problem: Option<String>,
}

/// The sandbox checks the merchant's request as a gateway would.
fn sandbox_request(
    merchant: &Merchant,
    params: &[(String, String)],
) -> Result<(u64, String, String, String), String> {
    if !vnpay::verify(&merchant.secret, params) {
        return Err("Yêu cầu thanh toán không có chữ ký hợp lệ của đơn vị.".into());
    }
    let get = |key: &str| {
        params
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.clone())
            .unwrap_or_default()
    };
    let amount = get("vnp_Amount")
        .parse::<u64>()
        .map(|a| a / 100)
        .map_err(|_| "Số tiền không hợp lệ.".to_string())?;
    Ok((
        amount,
        get("vnp_OrderInfo"),
        get("vnp_TxnRef"),
        get("vnp_ReturnUrl"),
    ))
}

/// `GET /cong-thanh-toan-thu/pay`: the sandbox gateway's payment page (test money).
pub async fn sandbox_page(
    State(state): State<AppState>,
    ctx: PageContext,
    RawQuery(query): RawQuery,
) -> Result<Response, PageError> {
    let merchant = sandbox_merchant(&state)?;
    let params = pairs(query.as_deref());
    let (amount, order_info, problem) = match sandbox_request(merchant, &params) {
        Ok((amount, info, _, _)) => (format_vnd(amount), info, None),
        Err(problem) => (String::new(), String::new(), Some(problem)),
    };
    Ok(ctx.finish(render(&SandboxPage {
        nav: ctx.nav(),
        query: query.unwrap_or_default(),
        amount,
        order_info,
        problem,
    })))
}

#[derive(Deserialize)]
pub struct SandboxChoice {
    csrf: String,
    query: String,
    /// "pay" or "cancel"
    choice: String,
}

/// `POST /cong-thanh-toan-thu/pay`: the payer pays or cancels in the sandbox. As a gateway does,
/// it reports to the IPN (here in the same process) and sends the browser to the return URL.
pub async fn sandbox_pay(
    State(state): State<AppState>,
    ctx: PageContext,
    Form(form): Form<SandboxChoice>,
) -> Result<Response, PageError> {
    ctx.check(&form.csrf)?;
    let gateway = gateway(&state).map_err(PageError)?.clone();
    let merchant = sandbox_merchant(&state)?.clone();
    let request = pairs(Some(&form.query));
    let (amount, _, txn_ref, return_url) = sandbox_request(&merchant, &request)
        .map_err(|problem| PageError(ApiError::bad_request(problem)))?;
    let code = if form.choice == "pay" { "00" } else { "24" };
    // The gateway's own transaction number (random: test money).
    let number = (xaso_store::new_id().as_u128() % 100_000_000).to_string();
    {
        let mut lines = gateway
            .sandbox_lines
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        // A gateway pays a reference once.
        if lines
            .iter()
            .any(|l| l.txn_ref == txn_ref && l.status == "00")
        {
            return Err(PageError(ApiError::bad_request(
                "Giao dịch này đã được thanh toán.",
            )));
        }
        lines.push(GatewayLine {
            txn_ref: txn_ref.clone(),
            transaction_no: number.clone(),
            amount,
            status: code.to_string(),
            paid_at: Some(to_local(state.now())),
        });
    }
    let report = vnpay::report_params(&merchant, &request, code, &number, to_local(state.now()));
    if let Err(error) = take(&state, Channel::Ipn, &report).await {
        tracing::warn!("cổng thanh toán thử: IPN lỗi: {error}");
    }
    let query = report
        .iter()
        .map(|(k, v)| format!("{}={}", vnpay::urlencode(k), vnpay::urlencode(v)))
        .collect::<Vec<_>>()
        .join("&");
    Ok(see_other(&format!("{return_url}?{query}")))
}

#[derive(Deserialize)]
pub struct DayQuery {
    #[serde(default)]
    ngay: Option<String>,
}

/// `GET /cong-thanh-toan-thu/giao-dich.csv?ngay=`: the sandbox's transaction list of a day, as a
/// gateway's merchant portal exports it (for reconciliation); staff only.
pub async fn sandbox_export(
    State(state): State<AppState>,
    ctx: PageContext,
    axum::extract::Query(query): axum::extract::Query<DayQuery>,
) -> Result<Response, PageError> {
    if let Err(response) = crate::dossier::pages::staff(&ctx, "/can-bo/thanh-toan") {
        return Ok(*response);
    }
    let gateway = gateway(&state).map_err(PageError)?;
    let day = match query.ngay.as_deref() {
        Some(text) => xaso_domain::calendar::parse_date(text)
            .map_err(|e| PageError(ApiError::bad_request(e.to_string())))?,
        None => to_local(state.now()).date(),
    };
    let lines: Vec<GatewayLine> = gateway
        .sandbox_lines
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
        .iter()
        .filter(|l| l.paid_at.is_some_and(|at| at.date() == day))
        .cloned()
        .collect();
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_string()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"giao-dich-{day}.csv\""),
            ),
        ],
        gateway_csv(&lines),
    )
        .into_response())
}

struct AttentionLine {
    code: String,
    amount: String,
    method: String,
    reference: String,
    since: String,
    why: String,
}

#[derive(Template)]
#[template(path = "staff_payments.html")]
struct PaymentsPage {
    nav: Nav,
    attention: Vec<AttentionLine>,
    day: String,
    result: Option<Vec<String>>,
    summary: String,
    error: Option<String>,
    sandbox: bool,
}

async fn payments_page_response(
    state: &AppState,
    ctx: &PageContext,
    day: String,
    result: Option<(String, Vec<String>)>,
    error: Option<(StatusCode, String)>,
) -> Result<Response, PageError> {
    let mut tx = state.store.read().await.map_err(page_error)?;
    let attention = payment::needing_attention(&mut tx, state.now())
        .await
        .map_err(page_error)?;
    tx.commit().await.map_err(page_error)?;
    let attention = attention
        .into_iter()
        .map(|(p, why)| AttentionLine {
            code: p.dossier_code,
            amount: format_vnd(u64::try_from(p.amount).unwrap_or(0)),
            method: p.method,
            reference: p.txn_ref.unwrap_or_default(),
            since: crate::dossier::pages::local(Some(p.created_at)),
            why,
        })
        .collect();
    let (summary, result) = match result {
        Some((summary, found)) => (summary, Some(found)),
        None => (String::new(), None),
    };
    let page = PaymentsPage {
        nav: ctx.nav(),
        attention,
        day,
        result,
        summary,
        error: error.as_ref().map(|(_, m)| m.clone()),
        sandbox: state
            .gateway
            .as_ref()
            .is_some_and(|g| g.sandbox_merchant.is_some()),
    };
    Ok(ctx.finish(crate::pages::render_status(
        error.map_or(StatusCode::OK, |(s, _)| s),
        &page,
    )))
}

/// `GET /can-bo/thanh-toan`: payments needing attention, and reconciliation with the gateway.
pub async fn staff_page(
    State(state): State<AppState>,
    ctx: PageContext,
) -> Result<Response, PageError> {
    if let Err(response) = crate::dossier::pages::staff(&ctx, "/can-bo/thanh-toan") {
        return Ok(*response);
    }
    let day = to_local(state.now()).date().format("%Y-%m-%d").to_string();
    payments_page_response(&state, &ctx, day, None, None).await
}

/// `POST /can-bo/thanh-toan` (multipart: `ngay`, `gateway_csv`): reconciles a day.
pub async fn staff_reconcile(
    State(state): State<AppState>,
    ctx: PageContext,
    multipart: crate::dossier::pages::MultipartForm,
) -> Result<Response, PageError> {
    if let Err(response) = crate::dossier::pages::staff(&ctx, "/can-bo/thanh-toan") {
        return Ok(*response);
    }
    let (fields, _) = match crate::dossier::pages::read_form(multipart).await? {
        Ok(read) => read,
        Err(problem) => {
            let day = to_local(state.now()).date().format("%Y-%m-%d").to_string();
            return payments_page_response(&state, &ctx, day, None, Some(problem)).await;
        }
    };
    let field = |name: &str| crate::dossier::pages::field(&fields, name).to_string();
    ctx.check(&field("csrf"))?;
    let day_text = field("ngay");
    let day = match xaso_domain::calendar::parse_date(&day_text) {
        Ok(day) => day,
        Err(e) => {
            let problem = Some((StatusCode::UNPROCESSABLE_ENTITY, e.to_string()));
            return payments_page_response(&state, &ctx, day_text, None, problem).await;
        }
    };
    let gateway_lines = match parse_gateway_csv("tệp của cổng", &field("gateway_csv")) {
        Ok(lines) => lines,
        Err(problem) => {
            let problem = Some((StatusCode::UNPROCESSABLE_ENTITY, problem));
            return payments_page_response(&state, &ctx, day_text, None, problem).await;
        }
    };
    let mut tx = state.store.read().await.map_err(page_error)?;
    let ours = payment::online_on(&mut tx, day).await.map_err(page_error)?;
    tx.commit().await.map_err(page_error)?;
    let found: Vec<String> = reconcile(&gateway_lines, &ours)
        .iter()
        .map(|m| m.describe())
        .collect();
    let summary = format!(
        "Ngày {}: cổng có {} giao dịch ({} thành công), hệ thống có {} lần thanh toán trực tuyến; {} chênh lệch.",
        day.format("%d/%m/%Y"),
        gateway_lines.len(),
        gateway_lines.iter().filter(|l| l.status == "00").count(),
        ours.len(),
        found.len()
    );
    payments_page_response(&state, &ctx, day_text, Some((summary, found)), None).await
}

/// `GET /ho-so/{code}/bien-lai/{number}`: the receipt of a fee paid, as PDF, for whoever may see
/// the dossier.
pub async fn receipt_pdf(
    State(state): State<AppState>,
    ctx: PageContext,
    Path((code, number)): Path<(String, String)>,
) -> Result<Response, PageError> {
    let view =
        match crate::dossier::pages::signed_in_view(&state, &ctx, &code, &format!("/ho-so/{code}"))
            .await?
        {
            Ok(view) => view,
            Err(response) => return Ok(*response),
        };
    let mut tx = state.store.read().await.map_err(page_error)?;
    let paid = payment::of_dossier(&mut tx, &view.code)
        .await
        .map_err(page_error)?
        .into_iter()
        .find(|p| p.status == "paid" && p.receipt_number.as_deref() == Some(number.as_str()))
        .ok_or_else(|| PageError(ApiError::not_found(format!("không có biên lai {number}"))))?;
    tx.commit().await.map_err(page_error)?;
    let issuer = crate::dossier::printouts::issuer_of(&state, &view)
        .await
        .map_err(page_error)?;
    let amount = u64::try_from(paid.amount).unwrap_or(0);
    let (method, collector) = match paid.method.as_str() {
        "online" => (
            format!(
                "Trực tuyến qua cổng thanh toán (giao dịch {})",
                paid.gateway_transaction_no.clone().unwrap_or_default()
            ),
            "Cổng thanh toán trực tuyến".to_string(),
        ),
        "transfer" => ("Chuyển khoản".to_string(), issuer.agency.clone()),
        _ => ("Tiền mặt".to_string(), issuer.agency.clone()),
    };
    let paid_at = paid.settled_at.unwrap_or(paid.created_at);
    let data = xaso_docs::payment::FeeReceipt {
        number: number.clone(),
        payer: view.applicant.name.clone(),
        dossier_code: view.code.clone(),
        procedure: view.procedure_name.clone(),
        detail: view
            .payment
            .as_ref()
            .map(|p| p.detail.clone())
            .unwrap_or_default(),
        amount: format_vnd(amount),
        amount_words: xaso_domain::money::in_words(amount),
        method,
        paid_at: crate::dossier::pages::spoken(Some(paid_at)),
        collector,
        date_line: crate::dossier::pages::date_words(paid_at),
        issuer,
    };
    Ok(crate::dossier::pages::pdf_response(
        xaso_docs::payment::fee_receipt(&data),
        &format!("bien-lai-{number}.pdf"),
    ))
}
