//! Fees and payments on both backends: the amount asked comes from the catalog; money at the
//! counter gets a receipt number; an online payment is settled once whatever the double clicks,
//! forged, changed or replayed reports and the order of return and IPN; every report is logged.
//! The reports' payment shares follow each settlement without a rebuild.

use chrono::{DateTime, Duration, TimeZone, Utc};
use xaso_domain::dossier::{Action, Channel, Status};
use xaso_domain::payment::fees::FeeCase;
use xaso_domain::payment::vnpay::{self, IpnAnswer, Merchant};
use xaso_domain::report::{measure, Measure, Metric, Period, Rate, Summary};
use xaso_store::dossier::{self, Applicant, NewDossier};
use xaso_store::identity::User;
use xaso_store::payment::{self, Channel as Via, CounterMethod};
use xaso_store::report;
use xaso_store::testing::{demo_world, dossier_rules};
use xaso_store::{Store, StoreError};

/// Chứng thực chữ ký: 10.000 đ per case.
const SIGNATURE: &str = "2.000884";

fn now() -> DateTime<Utc> {
    // Monday 2 March 2026, 09:00 in Vietnam.
    Utc.with_ymd_and_hms(2026, 3, 2, 2, 0, 0)
        .single()
        .expect("valid")
}

fn merchant() -> Merchant {
    Merchant {
        tmn_code: "XASO0001".into(),
        secret: "bi-mat-thu-nghiem".into(),
    }
}

fn new_dossier(channel: Channel, centre: &str) -> NewDossier {
    xaso_store::testing::new_dossier(
        SIGNATURE,
        channel,
        centre,
        Applicant {
            name: "Nguyễn Văn An".into(),
            id_number: Some("075201001234".into()),
            ..Default::default()
        },
    )
}

fn march() -> Period {
    let day = |d| chrono::NaiveDate::from_ymd_opt(2026, 3, d).expect("date");
    Period::new(day(1), day(31)).expect("period")
}

fn rate(numerator: u64, denominator: u64) -> Measure {
    Measure::Rate(Rate {
        numerator,
        denominator,
    })
}

/// What March's reports say of payments, read from the kept facts and daily sums: the share of
/// the fee-requested dossiers paid online, and the procedures paid online with their share of
/// the fee-bearing ones. First checks that a rebuild from the dossiers and their payments finds
/// no kept fact wrong (and throws the rebuild away, so that what is read is what was kept).
async fn march_payments(store: &Store) -> (Measure, Vec<String>, Measure) {
    let rules = dossier_rules();
    let mut tx = store.begin().await.expect("begin");
    let rebuilt = report::rebuild(&mut tx, &rules).await.expect("rebuild");
    assert_eq!(rebuilt.differed, 0, "the kept facts followed the payments");
    drop(tx);
    let mut tx = store.read().await.expect("read");
    let counts = report::counts(&mut tx, None, &march())
        .await
        .expect("counts");
    let paid = report::paid_online_procedures(&mut tx, None, &march())
        .await
        .expect("paid");
    let procedures = report::procedure_facts(&mut tx).await.expect("procedures");
    tx.commit().await.expect("commit");
    let fee_bearing = procedures.iter().filter(|p| p.fee_bearing).count() as u64;
    assert!(
        procedures
            .iter()
            .any(|p| p.code == SIGNATURE && p.fee_bearing),
        "the signature fee"
    );
    let summary = Summary {
        counts,
        totals: Default::default(),
        procedures: &procedures,
        certified_e_copies: 0,
        paid_online_procedures: paid.clone(),
        feedback: Default::default(),
    };
    let procedures_share = measure(Metric::FeeProceduresPaidOnline, &summary);
    let Measure::Rate(Rate { denominator, .. }) = procedures_share else {
        panic!("{procedures_share:?}");
    };
    assert_eq!(denominator, fee_bearing);
    (
        measure(Metric::PaidOnline, &summary),
        paid,
        procedures_share,
    )
}

async fn status_of(store: &Store, code: &str) -> (Status, i64) {
    let rules = dossier_rules();
    let mut tx = store.read().await.expect("read");
    let view = dossier::view(&mut tx, &rules, code, now())
        .await
        .expect("view")
        .expect("found");
    (
        Status::from_code(view.status.code).expect("status"),
        view.version,
    )
}

/// A dossier received and waiting for `copies` × 10.000 đ.
async fn waiting(
    store: &Store,
    users: &std::collections::HashMap<String, User>,
    channel: Channel,
    copies: u32,
) -> String {
    let rules = dossier_rules();
    let officer = &users["motcua"];
    let centre = officer.agency_code.clone().expect("centre");
    let submitter = if channel == Channel::Online {
        &users["congdan"]
    } else {
        officer
    };
    let mut tx = store.begin().await.expect("begin");
    let mut view = dossier::receive(
        &mut tx,
        &rules,
        &new_dossier(channel, &centre),
        submitter,
        now(),
    )
    .await
    .expect("receive");
    if channel == Channel::Online {
        view = dossier::act(
            &mut tx,
            &rules,
            &view.code,
            view.version,
            &Action::Accept { note: None },
            officer,
            now(),
        )
        .await
        .expect("accept");
    }
    let case = FeeCase {
        copies,
        ..Default::default()
    };
    let asked = payment::request(
        &mut tx,
        &rules,
        &view.code,
        view.version,
        &case,
        None,
        officer,
        now(),
    )
    .await
    .expect("request");
    tx.commit().await.expect("commit");
    assert_eq!(asked.status.code, Status::WaitingPayment.code());
    view.code
}

xaso_store::backend_tests! {
    async fn fees_come_from_the_catalog_and_the_counter_gives_a_receipt(store: Store) {
        let users = demo_world(&store, now()).await;
        let rules = dossier_rules();
        let code = waiting(&store, &users, Channel::Counter, 2).await;
        let mut tx = store.read().await.expect("read");
        let history = dossier::view(&mut tx, &rules, &code, now()).await.expect("view").expect("found").history;
        drop(tx);
        assert!(history.iter().any(|h| h.content.contains("20.000 đ (10.000 đ × 2 trường hợp)")), "{history:?}");
        // A specialist cannot take money; the officer can, once.
        let mut tx = store.begin().await.expect("begin");
        let refused = payment::record_counter(&mut tx, &rules, &code, CounterMethod::Cash, &users["chuyenvien"], now()).await;
        assert!(matches!(refused, Err(StoreError::Forbidden(_))), "{refused:?}");
        let paid = payment::record_counter(&mut tx, &rules, &code, CounterMethod::Cash, &users["motcua"], now() + Duration::minutes(5)).await.expect("cash");
        tx.commit().await.expect("commit");
        assert_eq!((paid.amount, paid.status.as_str(), paid.method.as_str()), (20_000, "paid", "cash"));
        let receipt = paid.receipt_number.clone().expect("receipt");
        assert!(receipt.starts_with("BL2026-") && receipt.ends_with("-000001"), "{receipt}");
        assert_eq!(status_of(&store, &code).await.0, Status::Received);
        // The one dossier asked a fee in March was paid in cash: 0 of 1 paid online, no procedure.
        let (paid_online, procedures, share) = march_payments(&store).await;
        assert_eq!(paid_online, rate(0, 1));
        assert!(procedures.is_empty(), "{procedures:?}");
        assert!(matches!(share, Measure::Rate(Rate { numerator: 0, .. })), "{share:?}");
        let mut tx = store.begin().await.expect("begin");
        let twice = payment::record_counter(&mut tx, &rules, &code, CounterMethod::Cash, &users["motcua"], now()).await;
        assert!(matches!(twice, Err(StoreError::Conflict(_))), "{twice:?}");
        drop(tx);
        // A free case is not asked: it says why and changes nothing.
        let mut tx = store.begin().await.expect("begin");
        let other = dossier::receive(&mut tx, &rules, &new_dossier(Channel::Counter, users["motcua"].agency_code.as_deref().expect("centre")), &users["motcua"], now()).await.expect("receive");
        let none = payment::request(&mut tx, &rules, &other.code, other.version, &FeeCase { copies: 0, ..Default::default() }, None, &users["motcua"], now()).await;
        assert!(matches!(&none, Err(StoreError::Invalid(m)) if m.contains("từ 1 trở lên")), "{none:?}");
        // An exemption that does not apply to certification is refused.
        let exempt = payment::request(&mut tx, &rules, &other.code, other.version, &FeeCase { copies: 1, ..Default::default() }, Some("ho-ngheo"), &users["motcua"], now()).await;
        assert!(matches!(&exempt, Err(StoreError::Invalid(m)) if m.contains("không áp dụng")), "{exempt:?}");
        // Nobody can say "paid" through the action API.
        let said = dossier::act(&mut tx, &rules, &other.code, other.version, &Action::Paid { amount: 1, reference: "x".into() }, &users["motcua"], now()).await;
        assert!(matches!(said, Err(StoreError::Forbidden(_))));
    }

    async fn an_online_payment_is_settled_once(store: Store) {
        let users = demo_world(&store, now()).await;
        let rules = dossier_rules();
        let code = waiting(&store, &users, Channel::Online, 1).await;
        // A double click (or a second tab) gets the same reference; a stranger gets nothing.
        let mut tx = store.begin().await.expect("begin");
        let first = payment::start_online(&mut tx, &code, "vnpay", &users["congdan"], now()).await.expect("start");
        let again = payment::start_online(&mut tx, &code, "vnpay", &users["congdan"], now() + Duration::seconds(1)).await.expect("again");
        assert!(payment::start_online(&mut tx, &code, "vnpay", &users["congdan2"], now()).await.is_err());
        tx.commit().await.expect("commit");
        assert_eq!(first.txn_ref, again.txn_ref);
        let txn_ref = first.txn_ref.clone().expect("reference");

        // What the gateway was sent, and what it sends back.
        let request = vnpay::request_params(&merchant(), &vnpay::PaymentRequest {
            txn_ref: txn_ref.clone(),
            amount: 10_000,
            order_info: format!("Thanh toan ho so {code}"),
            return_url: "http://127.0.0.1/thanh-toan/ket-qua".into(),
            ip: "127.0.0.1".into(),
            created: xaso_domain::calendar::deadline::to_local(now()),
            expires: xaso_domain::calendar::deadline::to_local(now() + Duration::minutes(15)),
        });
        let paid_at = xaso_domain::calendar::deadline::to_local(now() + Duration::minutes(2));
        let good = vnpay::report_params(&merchant(), &request, "00", "14226112", paid_at);
        let take = |params: Vec<(String, String)>, via: Via| {
            let (store, rules) = (store.clone(), dossier_rules());
            async move {
                let text = serde_json::to_string(&params).expect("json");
                let report = vnpay::read_report(&merchant(), &params);
                let mut tx = store.begin().await.expect("begin");
                let settled = payment::take_report(&mut tx, &rules, via, &text, report, now() + Duration::minutes(2)).await.expect("take");
                tx.commit().await.expect("commit");
                settled
            }
        };
        // Forged (signed with another secret) and changed (amount edited) reports change nothing.
        let forger = Merchant { secret: "doan-mo".into(), ..merchant() };
        assert_eq!(take(vnpay::report_params(&forger, &request, "00", "1", paid_at), Via::Ipn).await.answer, IpnAnswer::InvalidSignature);
        let mut changed = good.clone();
        changed.iter_mut().find(|(k, _)| k == "vnp_Amount").expect("amount").1 = "100000".into();
        assert_eq!(take(changed, Via::Ipn).await.answer, IpnAnswer::InvalidSignature);
        // Correctly signed but for another amount than asked.
        let mut cheaper_request = request.clone();
        cheaper_request.iter_mut().find(|(k, _)| k == "vnp_Amount").expect("amount").1 = "500000".into();
        assert_eq!(take(vnpay::report_params(&merchant(), &cheaper_request, "00", "2", paid_at), Via::Ipn).await.answer, IpnAnswer::InvalidAmount);
        assert_eq!(status_of(&store, &code).await.0, Status::WaitingPayment, "nothing changed");
        assert_eq!(march_payments(&store).await.0, rate(0, 1), "asked, not paid yet");

        // The payer's browser comes back first, then the IPN, then a replay.
        let returned = take(good.clone(), Via::Return).await;
        assert_eq!(returned.answer, IpnAnswer::Confirmed);
        let settled = returned.payment.expect("payment");
        assert_eq!((settled.status.as_str(), settled.gateway_transaction_no.as_deref()), ("paid", Some("14226112")));
        assert!(settled.receipt_number.as_deref().is_some_and(|r| r.ends_with("-000001")));
        assert_eq!(take(good.clone(), Via::Ipn).await.answer, IpnAnswer::AlreadyConfirmed);
        assert_eq!(take(good.clone(), Via::Ipn).await.answer, IpnAnswer::AlreadyConfirmed);
        let (status, _) = status_of(&store, &code).await;
        assert_eq!(status, Status::Received);
        let mut tx = store.read().await.expect("read");
        let payments = payment::of_dossier(&mut tx, &code).await.expect("payments");
        assert_eq!(payments.iter().filter(|p| p.status == "paid").count(), 1);
        let logged = payment::callbacks(&mut tx, Some(&txn_ref)).await.expect("log");
        let verdicts: Vec<&str> = logged.iter().map(|c| c.verdict.as_str()).collect();
        assert_eq!(verdicts, ["04", "00", "02", "02"], "{logged:?}");
        // Unsigned reports have no reference to file them under, but are logged too.
        assert_eq!(payment::callbacks(&mut tx, None).await.expect("log").len(), 2);
        // One dossier history line says it was paid, by the gateway.
        let history = dossier::view(&mut tx, &rules, &code, now()).await.expect("view").expect("found").history;
        assert_eq!(history.iter().filter(|h| h.action == "paid").count(), 1);
        assert!(history.iter().any(|h| h.actor == "Cổng thanh toán trực tuyến"), "{history:?}");
        drop(tx);
        // Paid online: 1 of 1, and the signature procedure had an online payment.
        let (paid_online, procedures, share) = march_payments(&store).await;
        assert_eq!(paid_online, rate(1, 1));
        assert_eq!(procedures, [SIGNATURE]);
        assert!(matches!(share, Measure::Rate(Rate { numerator: 1, .. })), "{share:?}");

        // A failed payment leaves the dossier waiting; a new click then starts a new attempt.
        let code = waiting(&store, &users, Channel::Online, 1).await;
        let mut tx = store.begin().await.expect("begin");
        let first = payment::start_online(&mut tx, &code, "vnpay", &users["congdan"], now()).await.expect("start");
        tx.commit().await.expect("commit");
        let mut failed_request = request.clone();
        failed_request.iter_mut().find(|(k, _)| k == "vnp_TxnRef").expect("ref").1 = first.txn_ref.clone().expect("ref");
        assert_eq!(take(vnpay::report_params(&merchant(), &failed_request, "24", "0", paid_at), Via::Return).await.answer, IpnAnswer::Confirmed);
        assert_eq!(status_of(&store, &code).await.0, Status::WaitingPayment);
        let mut tx = store.begin().await.expect("begin");
        let second = payment::start_online(&mut tx, &code, "vnpay", &users["congdan"], now() + Duration::minutes(3)).await.expect("retry");
        assert_ne!(second.txn_ref, first.txn_ref);
        tx.commit().await.expect("commit");
        // Two dossiers of March asked a fee: the first paid online, the second's payment failed
        // and its new attempt is pending → 1 of 2; still one procedure.
        let (paid_online, procedures, _) = march_payments(&store).await;
        assert_eq!(paid_online, rate(1, 2));
        assert_eq!(procedures, [SIGNATURE]);
    }
}
