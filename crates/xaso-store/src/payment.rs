//! Fees and payments: the fee of a dossier asked (status 6), money taken at the counter with a
//! receipt number, online payments through a gateway (pending until it reports), and every
//! report the gateway sends, logged and answered idempotently: a dossier is paid once whatever
//! the clicks, replays and the order of the return and the IPN.

use chrono::{DateTime, Datelike, Duration, Utc};
use serde::Serialize;
use uuid::Uuid;
use xaso_domain::calendar::deadline::to_local;
use xaso_domain::dossier::Action;
use xaso_domain::identity::Role;
use xaso_domain::payment::fees::{quote, FeeCase, Quote};
use xaso_domain::payment::vnpay::{IpnAnswer, Report, ReportError};

use crate::dossier::{apply_action, DossierRules, DossierView};
use crate::identity::User;
use crate::{catalog, db, new_id, StoreError, Tx};

/// How long an online payment started stays the one a new click reuses.
const PENDING_REUSE_MINUTES: i64 = 15;

#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct Payment {
    pub id: Uuid,
    pub dossier_code: String,
    pub amount: i64,
    pub method: String,
    pub status: String,
    pub txn_ref: Option<String>,
    pub receipt_number: Option<String>,
    pub gateway_transaction_no: Option<String>,
    pub response_code: Option<String>,
    pub created_at: DateTime<Utc>,
    pub settled_at: Option<DateTime<Utc>>,
}

const PAYMENT_COLUMNS: &str =
    "p.id, d.code AS dossier_code, p.amount, p.method, p.status, p.txn_ref,
    p.receipt_number, p.gateway_transaction_no, p.response_code, p.created_at, p.settled_at";

/// Money taken at the counter.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CounterMethod {
    Cash,
    Transfer,
}

impl CounterMethod {
    fn code(self) -> &'static str {
        match self {
            CounterMethod::Cash => "cash",
            CounterMethod::Transfer => "transfer",
        }
    }
}

/// What the dossier's procedure charges for `case`, with `exemption` (a code of
/// `data/fees/mien-le-phi.toml`) when the applicant showed they belong to that group.
pub async fn quote_for(
    tx: &mut Tx,
    rules: &DossierRules,
    code: &str,
    case: &FeeCase,
    exemption: Option<&str>,
) -> Result<Quote, StoreError> {
    let (procedure_code, version): (String, i64) = db!(tx.conn(), |c| sqlx::query_as(
        "SELECT procedure_code, procedure_version FROM dossiers WHERE code = $1"
    )
    .bind(code)
    .fetch_optional(&mut *c)
    .await)?
    .ok_or_else(|| StoreError::NotFound(format!("hồ sơ {code}")))?;
    let procedure = catalog::procedure(tx, &procedure_code, version)
        .await?
        .ok_or_else(|| StoreError::NotFound(format!("thủ tục {procedure_code}")))?;
    let exemption = match exemption.map(str::trim).filter(|e| !e.is_empty()) {
        Some(wanted) => Some(
            rules
                .exemptions
                .iter()
                .find(|e| e.code == wanted)
                .ok_or_else(|| StoreError::Invalid(format!("không có nhóm miễn “{wanted}”")))?,
        ),
        None => None,
    };
    quote(&procedure.fee, &procedure.field, case, exemption)
        .map_err(|e| StoreError::Invalid(e.to_string()))
}

/// Asks the applicant to pay the fee of `case` (status 6): the amount comes from the catalog, never
/// from the form. A case that owes nothing (free, exempted) is said so and changes nothing.
#[allow(clippy::too_many_arguments)] // the dossier, its version, the case, who, when
pub async fn request(
    tx: &mut Tx,
    rules: &DossierRules,
    code: &str,
    version: i64,
    case: &FeeCase,
    exemption: Option<&str>,
    user: &User,
    now: DateTime<Utc>,
) -> Result<DossierView, StoreError> {
    let quoted = quote_for(tx, rules, code, case, exemption).await?;
    if quoted.amount == 0 {
        return Err(StoreError::Invalid(format!(
            "không phải nộp: {}",
            quoted
                .lines
                .iter()
                .map(|l| l.label.as_str())
                .collect::<Vec<_>>()
                .join("; ")
        )));
    }
    let detail = quoted
        .lines
        .iter()
        .map(|l| l.label.as_str())
        .collect::<Vec<_>>()
        .join("; ");
    let action = Action::RequestPayment {
        amount: quoted.amount,
        detail,
    };
    apply_action(tx, rules, code, version, &action, user, now).await
}

/// The dossier's id, version, the amount asked (while waiting for payment), the submitting account
/// and the receiving agency's code.
struct Owed {
    code: String,
    id: Uuid,
    version: i64,
    amount: Option<u64>,
    submitted_by: Option<Uuid>,
    receiving_code: String,
}

async fn owed(tx: &mut Tx, code: &str) -> Result<Owed, StoreError> {
    let row: Option<(Uuid, i64, i64, String, Option<Uuid>, String)> = db!(tx.conn(), |c| {
        sqlx::query_as(
            "SELECT d.id, d.version, d.status, d.state, d.submitted_by, a.agency_code
             FROM dossiers d JOIN agencies a ON a.id = d.receiving_agency_id WHERE d.code = $1",
        )
        .bind(code)
        .fetch_optional(&mut *c)
        .await
    })?;
    let (id, version, status, state, submitted_by, receiving_code) =
        row.ok_or_else(|| StoreError::NotFound(format!("hồ sơ {code}")))?;
    let state: xaso_domain::dossier::DossierState = serde_json::from_str(&state)
        .map_err(|e| StoreError::Foreign(format!("trạng thái hồ sơ {code} bị hỏng: {e}")))?;
    let waiting = status == xaso_domain::dossier::Status::WaitingPayment.code();
    Ok(Owed {
        code: code.to_string(),
        id,
        version,
        amount: state
            .payment
            .filter(|p| waiting && p.paid_at.is_none())
            .map(|p| p.amount),
        submitted_by,
        receiving_code,
    })
}

async fn payment_by(tx: &mut Tx, filter: &str, value: &str) -> Result<Option<Payment>, StoreError> {
    let sql = format!(
        "SELECT {PAYMENT_COLUMNS} FROM payments p JOIN dossiers d ON d.id = p.dossier_id WHERE {filter} = $1"
    );
    Ok(db!(tx.conn(), |c| sqlx::query_as(&sql)
        .bind(value)
        .fetch_optional(&mut *c)
        .await)?)
}

/// The payments of a dossier, newest first.
pub async fn of_dossier(tx: &mut Tx, code: &str) -> Result<Vec<Payment>, StoreError> {
    let sql = format!(
        "SELECT {PAYMENT_COLUMNS} FROM payments p JOIN dossiers d ON d.id = p.dossier_id
         WHERE d.code = $1 ORDER BY p.created_at DESC, p.id DESC"
    );
    Ok(db!(tx.conn(), |c| sqlx::query_as(&sql)
        .bind(code)
        .fetch_all(&mut *c)
        .await)?)
}

/// The next receipt number of a commune: "BL2026-000.00.61.H19-000001".
async fn next_receipt(tx: &mut Tx, agency: &str, now: DateTime<Utc>) -> Result<String, StoreError> {
    let year = i64::from(to_local(now).date().year());
    let last: i64 = db!(tx.conn(), |c| sqlx::query_scalar(
        "INSERT INTO receipt_counters (agency_code, year, last) VALUES ($1, $2, 1)
         ON CONFLICT (agency_code, year) DO UPDATE SET last = receipt_counters.last + 1
         RETURNING last"
    )
    .bind(agency)
    .bind(year)
    .fetch_one(&mut *c)
    .await)?;
    Ok(receipt_number(year, agency, last))
}

/// A receipt number: "BL2026-000.04.61.H19-000001" (the year, the receiving agency, its count).
pub(crate) fn receipt_number(year: i64, agency: &str, count: i64) -> String {
    format!("BL{year}-{agency}-{count:06}")
}

/// Settles the dossier: the Paid action with the receipt, as `actor`.
async fn settle(
    tx: &mut Tx,
    rules: &DossierRules,
    owed: &Owed,
    amount: u64,
    receipt: &str,
    actor: &User,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    let action = Action::Paid {
        amount,
        reference: receipt.to_string(),
    };
    apply_action(tx, rules, &owed.code, owed.version, &action, actor, now).await?;
    Ok(())
}

/// Money taken at the counter (cash or a transfer the officer checked): a receipt number, the
/// payment recorded, the dossier settled, all at once.
pub async fn record_counter(
    tx: &mut Tx,
    rules: &DossierRules,
    code: &str,
    method: CounterMethod,
    officer: &User,
    now: DateTime<Utc>,
) -> Result<Payment, StoreError> {
    if !officer.has_role(Role::CounterOfficer) {
        return Err(StoreError::Forbidden(
            "chỉ bộ phận một cửa thu phí, lệ phí tại quầy".into(),
        ));
    }
    let owed = owed(tx, code).await?;
    let amount = owed.amount.ok_or_else(|| {
        StoreError::Conflict(format!(
            "hồ sơ {code} không chờ thực hiện nghĩa vụ tài chính"
        ))
    })?;
    let receipt = next_receipt(tx, &owed.receiving_code, now).await?;
    let id = new_id();
    db!(tx.conn(), |c| sqlx::query(
        "INSERT INTO payments (id, dossier_id, amount, method, status, receipt_number, created_at, created_by, settled_at)
         VALUES ($1, $2, $3, $4, 'paid', $5, $6, $7, $6)"
    )
    .bind(id)
    .bind(owed.id)
    .bind(i64::try_from(amount).unwrap_or(i64::MAX))
    .bind(method.code())
    .bind(&receipt)
    .bind(now)
    .bind(officer.id)
    .execute(&mut *c)
    .await
    .map(|_| ()))
    .map_err(|e| StoreError::from(e).conflict_if_unique(|| format!("hồ sơ {code} đã được thanh toán")))?;
    settle(tx, rules, &owed, amount, &receipt, officer, now).await?;
    payment_by(tx, "p.receipt_number", &receipt)
        .await?
        .ok_or_else(|| StoreError::NotFound(format!("biên lai {receipt}")))
}

/// Starts (or, within a quarter of an hour, reuses) the applicant's online payment: a double
/// click or a second tab sends the same reference, which the gateway pays once.
pub async fn start_online(
    tx: &mut Tx,
    code: &str,
    gateway: &str,
    applicant: &User,
    now: DateTime<Utc>,
) -> Result<Payment, StoreError> {
    let owed = owed(tx, code).await?;
    if owed.submitted_by != Some(applicant.id) {
        return Err(StoreError::NotFound(format!("hồ sơ {code}")));
    }
    let amount = owed.amount.ok_or_else(|| {
        StoreError::Conflict(format!(
            "hồ sơ {code} không chờ thực hiện nghĩa vụ tài chính"
        ))
    })?;
    let recent: Option<String> = db!(tx.conn(), |c| {
        sqlx::query_scalar(
        "SELECT txn_ref FROM payments WHERE dossier_id = $1 AND status = 'pending' AND amount = $2
             AND created_at > $3
         ORDER BY created_at DESC LIMIT 1"
    )
    .bind(owed.id)
    .bind(i64::try_from(amount).unwrap_or(i64::MAX))
    .bind(now - Duration::minutes(PENDING_REUSE_MINUTES))
    .fetch_optional(&mut *c)
    .await
    })?;
    if let Some(txn_ref) = recent {
        return payment_by(tx, "p.txn_ref", &txn_ref)
            .await?
            .ok_or_else(|| StoreError::NotFound(format!("giao dịch {txn_ref}")));
    }
    let attempts: i64 = db!(tx.conn(), |c| sqlx::query_scalar(
        "SELECT COUNT(*) FROM payments WHERE dossier_id = $1"
    )
    .bind(owed.id)
    .fetch_one(&mut *c)
    .await)?;
    let txn_ref = format!("{code}-{}", attempts + 1);
    db!(tx.conn(), |c| sqlx::query(
        "INSERT INTO payments (id, dossier_id, amount, method, gateway, txn_ref, status, created_at, created_by)
         VALUES ($1, $2, $3, 'online', $4, $5, 'pending', $6, $7)"
    )
    .bind(new_id())
    .bind(owed.id)
    .bind(i64::try_from(amount).unwrap_or(i64::MAX))
    .bind(gateway)
    .bind(&txn_ref)
    .bind(now)
    .bind(applicant.id)
    .execute(&mut *c)
    .await
    .map(|_| ()))
    .map_err(|e| StoreError::from(e).conflict_if_unique(|| "hãy bấm lại nút thanh toán".into()))?;
    payment_by(tx, "p.txn_ref", &txn_ref)
        .await?
        .ok_or_else(|| StoreError::NotFound(format!("giao dịch {txn_ref}")))
}

/// Where a gateway's report arrived.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Channel {
    /// Through the payer's browser.
    Return,
    /// Server to server.
    Ipn,
}

impl Channel {
    fn code(self) -> &'static str {
        match self {
            Channel::Return => "return",
            Channel::Ipn => "ipn",
        }
    }
}

#[allow(clippy::too_many_arguments)] // the columns of one logged report
async fn log_callback(
    tx: &mut Tx,
    channel: Channel,
    txn_ref: Option<&str>,
    params: &str,
    answer: IpnAnswer,
    detail: &str,
    payment: Option<Uuid>,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    db!(tx.conn(), |c| {
        sqlx::query(
        "INSERT INTO payment_callbacks (id, at, channel, txn_ref, params, verdict, detail, payment_id)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)"
    )
    .bind(new_id())
    .bind(now)
    .bind(channel.code())
    .bind(txn_ref)
    .bind(params)
    .bind(answer.code())
    .bind(detail)
    .bind(payment)
    .execute(&mut *c)
    .await
    .map(|_| ())
    })?;
    Ok(())
}

/// Logs a report that could not be handled at all (the transaction that handled it failed): the
/// attempt stays on record with the gateway's "unknown error" answer.
pub async fn log_unhandled(
    tx: &mut Tx,
    channel: Channel,
    params: &str,
    detail: &str,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    log_callback(
        tx,
        channel,
        None,
        params,
        IpnAnswer::Unknown,
        detail,
        None,
        now,
    )
    .await
}

/// The system's own account for what the gateway settles, acting as the receiving counter.
fn gateway_actor(receiving_code: &str) -> User {
    User {
        id: Uuid::nil(),
        username: "cong-thanh-toan".into(),
        full_name: xaso_domain::payment::GATEWAY_ACTOR.into(),
        agency_code: Some(receiving_code.to_string()),
        roles: vec![Role::CounterOfficer],
        disabled: false,
        must_change_password: false,
    }
}

/// What a report did, for the page the payer comes back to.
#[derive(Debug, Clone)]
pub struct Settled {
    pub answer: IpnAnswer,
    pub payment: Option<Payment>,
}

/// Takes a gateway's report (already checked against the merchant's secret by the caller, which
/// passes the outcome): logs it, and settles the payment once. A forged report, an unknown
/// reference, a wrong amount change nothing; a replay or the second of return and IPN finds the
/// payment settled and says so.
pub async fn take_report(
    tx: &mut Tx,
    rules: &DossierRules,
    channel: Channel,
    params: &str,
    report: Result<Report, ReportError>,
    now: DateTime<Utc>,
) -> Result<Settled, StoreError> {
    let report = match report {
        Ok(report) => report,
        Err(error) => {
            let answer = match error {
                ReportError::Signature | ReportError::Merchant(_) => IpnAnswer::InvalidSignature,
                ReportError::Amount(_) => IpnAnswer::InvalidAmount,
                ReportError::Missing(_) => IpnAnswer::Unknown,
            };
            log_callback(
                tx,
                channel,
                None,
                params,
                answer,
                &error.to_string(),
                None,
                now,
            )
            .await?;
            return Ok(Settled {
                answer,
                payment: None,
            });
        }
    };
    let reference = report.txn_ref.as_str();
    let Some(payment) = payment_by(tx, "p.txn_ref", reference).await? else {
        let answer = IpnAnswer::OrderNotFound;
        log_callback(
            tx,
            channel,
            Some(reference),
            params,
            answer,
            "không có giao dịch này",
            None,
            now,
        )
        .await?;
        return Ok(Settled {
            answer,
            payment: None,
        });
    };
    let log = |answer: IpnAnswer, detail: String| (answer, detail);
    let (answer, detail) = if u64::try_from(payment.amount).ok() != Some(report.amount) {
        log(
            IpnAnswer::InvalidAmount,
            format!("số tiền {} khác {}", report.amount, payment.amount),
        )
    } else if payment.status != "pending" {
        log(
            IpnAnswer::AlreadyConfirmed,
            format!("giao dịch đã ở trạng thái {}", payment.status),
        )
    } else if !report.succeeded() {
        let marked = mark(tx, payment.id, "failed", &report, now).await?;
        if marked {
            log(
                IpnAnswer::Confirmed,
                format!("không thành công, mã {}", report.response_code),
            )
        } else {
            log(IpnAnswer::AlreadyConfirmed, "đã xử lý trước đó".into())
        }
    } else {
        let owed = owed(tx, &payment.dossier_code).await?;
        match owed.amount {
            Some(amount) if amount == report.amount => {
                // Marked first, numbered after: a receipt number is never spent on a report
                // that someone else settled a moment before (no gaps in the sequence).
                if mark(tx, payment.id, "paid", &report, now).await? {
                    let receipt = next_receipt(tx, &owed.receiving_code, now).await?;
                    db!(tx.conn(), |c| sqlx::query(
                        "UPDATE payments SET receipt_number = $1 WHERE id = $2"
                    )
                    .bind(&receipt)
                    .bind(payment.id)
                    .execute(&mut *c)
                    .await
                    .map(|_| ()))?;
                    let actor = gateway_actor(&owed.receiving_code);
                    settle(tx, rules, &owed, amount, &receipt, &actor, now).await?;
                    log(
                        IpnAnswer::Confirmed,
                        format!("đã thanh toán, biên lai {receipt}"),
                    )
                } else {
                    log(IpnAnswer::AlreadyConfirmed, "đã xử lý trước đó".into())
                }
            }
            _ => {
                // Paid by another transaction (another tab long after, or at the counter): the
                // money must go back; reconciliation lists it.
                mark(tx, payment.id, "failed", &report, now).await?;
                log(
                    IpnAnswer::AlreadyConfirmed,
                    "hồ sơ không còn chờ thanh toán: cần hoàn tiền giao dịch này".into(),
                )
            }
        }
    };
    log_callback(
        tx,
        channel,
        Some(reference),
        params,
        answer,
        &detail,
        Some(payment.id),
        now,
    )
    .await?;
    Ok(Settled {
        answer,
        payment: payment_by(tx, "p.txn_ref", reference).await?,
    })
}

/// Moves a pending payment to `status`; `false` when it was no longer pending (someone else did).
async fn mark(
    tx: &mut Tx,
    id: Uuid,
    status: &str,
    report: &Report,
    now: DateTime<Utc>,
) -> Result<bool, StoreError> {
    let changed = db!(tx.conn(), |c| {
        sqlx::query(
        "UPDATE payments SET status = $1, gateway_transaction_no = $2, response_code = $3, settled_at = $4
         WHERE id = $5 AND status = 'pending'"
    )
    .bind(status)
    .bind(&report.transaction_no)
    .bind(&report.response_code)
    .bind(now)
    .bind(id)
    .execute(&mut *c)
    .await
    .map(|r| r.rows_affected())
    })?;
    Ok(changed == 1)
}

/// One logged gateway report.
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct Callback {
    pub at: DateTime<Utc>,
    pub channel: String,
    pub txn_ref: Option<String>,
    pub verdict: String,
    pub detail: String,
}

/// The reports logged for a reference (or, with `None`, those with no readable reference).
pub async fn callbacks(tx: &mut Tx, txn_ref: Option<&str>) -> Result<Vec<Callback>, StoreError> {
    Ok(db!(tx.conn(), |c| sqlx::query_as(
        "SELECT at, channel, txn_ref, verdict, detail FROM payment_callbacks
         WHERE ($1 IS NULL AND txn_ref IS NULL) OR txn_ref = $1 ORDER BY at, id"
    )
    .bind(txn_ref)
    .fetch_all(&mut *c)
    .await)?)
}

/// The online payments started on a day (in Vietnam), for reconciliation with the gateway's list.
pub async fn online_on(
    tx: &mut Tx,
    day: chrono::NaiveDate,
) -> Result<Vec<xaso_domain::payment::reconcile::OurPayment>, StoreError> {
    let start = xaso_domain::calendar::deadline::from_local(day.and_time(chrono::NaiveTime::MIN));
    let end = start + Duration::days(1);
    let rows: Vec<(Option<String>, String, i64, String)> = db!(tx.conn(), |c| {
        sqlx::query_as(
        "SELECT p.txn_ref, d.code, p.amount, p.status FROM payments p JOIN dossiers d ON d.id = p.dossier_id
         WHERE p.method = 'online' AND p.created_at >= $1 AND p.created_at < $2 ORDER BY p.created_at, p.id"
    )
    .bind(start)
    .bind(end)
    .fetch_all(&mut *c)
    .await
    })?;
    Ok(rows
        .into_iter()
        .map(|(txn_ref, dossier_code, amount, status)| {
            xaso_domain::payment::reconcile::OurPayment {
                txn_ref: txn_ref.unwrap_or_default(),
                dossier_code,
                amount: u64::try_from(amount).unwrap_or(0),
                status,
            }
        })
        .collect())
}

/// Payments an officer should look at: online payments with no report for over an hour, and
/// money a gateway took for a dossier no longer waiting (to refund).
pub async fn needing_attention(
    tx: &mut Tx,
    now: DateTime<Utc>,
) -> Result<Vec<(Payment, String)>, StoreError> {
    let sql = format!(
        "SELECT {PAYMENT_COLUMNS} FROM payments p JOIN dossiers d ON d.id = p.dossier_id
         WHERE (p.status = 'pending' AND p.created_at < $1)
            OR (p.status = 'failed' AND EXISTS (SELECT 1 FROM payment_callbacks c
                    WHERE c.payment_id = p.id AND c.detail LIKE '%hoàn tiền%'))
         ORDER BY p.created_at, p.id"
    );
    let rows: Vec<Payment> = db!(tx.conn(), |c| sqlx::query_as(&sql)
        .bind(now - Duration::hours(1))
        .fetch_all(&mut *c)
        .await)?;
    Ok(rows
        .into_iter()
        .map(|p| {
            let why = if p.status == "pending" {
                "Chưa nhận được kết quả từ cổng thanh toán sau 1 giờ".to_string()
            } else {
                "Cổng đã thu nhưng hồ sơ không còn chờ nộp: cần hoàn tiền".to_string()
            };
            (p, why)
        })
        .collect())
}
