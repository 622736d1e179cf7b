//! Reconciliation: the gateway's list of transactions for a day against the system's online
//! payments, without IO. Every difference is named: money taken that no dossier shows as paid,
//! a dossier paid that the gateway does not list, different amounts, a dossier charged twice.

use std::collections::BTreeMap;

use chrono::NaiveDateTime;
use serde::Serialize;

/// One line of the gateway's transaction list (its export for a day).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct GatewayLine {
    /// Our reference (vnp_TxnRef).
    pub txn_ref: String,
    /// The gateway's number (vnp_TransactionNo).
    pub transaction_no: String,
    pub amount: u64,
    /// "00": money taken.
    pub status: String,
    pub paid_at: Option<NaiveDateTime>,
}

impl GatewayLine {
    fn succeeded(&self) -> bool {
        self.status == "00"
    }
}

/// An online payment as the system holds it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct OurPayment {
    pub txn_ref: String,
    pub dossier_code: String,
    pub amount: u64,
    /// pending, paid or failed.
    pub status: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Mismatch {
    /// The gateway took money for a reference the system does not know.
    UnknownReference { txn_ref: String, amount: u64 },
    /// The gateway took money; the system does not show the payment as paid (a lost report).
    NotSettled {
        txn_ref: String,
        dossier_code: String,
        amount: u64,
    },
    /// The system shows a payment as paid; the gateway has no successful transaction for it.
    NotAtGateway {
        txn_ref: String,
        dossier_code: String,
        amount: u64,
    },
    /// Both list it, with different amounts.
    AmountDiffers {
        txn_ref: String,
        dossier_code: String,
        ours: u64,
        gateway: u64,
    },
    /// A dossier charged by more than one successful transaction: all but one must be refunded.
    ChargedTwice {
        dossier_code: String,
        txn_refs: Vec<String>,
    },
}

impl Mismatch {
    /// What an officer reads.
    pub fn describe(&self) -> String {
        let vnd = crate::money::format_vnd;
        match self {
            Mismatch::UnknownReference { txn_ref, amount } => {
                format!("Cổng đã thu {} cho mã giao dịch {txn_ref} không có trong hệ thống", vnd(*amount))
            }
            Mismatch::NotSettled { txn_ref, dossier_code, amount } => format!(
                "Cổng đã thu {} (giao dịch {txn_ref}) nhưng hồ sơ {dossier_code} chưa ghi nhận đã nộp",
                vnd(*amount)
            ),
            Mismatch::NotAtGateway { txn_ref, dossier_code, amount } => format!(
                "Hồ sơ {dossier_code} ghi nhận đã nộp {} (giao dịch {txn_ref}) nhưng cổng không có giao dịch thành công",
                vnd(*amount)
            ),
            Mismatch::AmountDiffers { txn_ref, dossier_code, ours, gateway } => format!(
                "Giao dịch {txn_ref} của hồ sơ {dossier_code}: hệ thống ghi {}, cổng ghi {}",
                vnd(*ours),
                vnd(*gateway)
            ),
            Mismatch::ChargedTwice { dossier_code, txn_refs } => format!(
                "Hồ sơ {dossier_code} bị thu nhiều lần ({}): cần hoàn tiền các lần thừa",
                txn_refs.join(", ")
            ),
        }
    }
}

/// Compares the gateway's lines with the system's online payments of the same day.
pub fn reconcile(gateway: &[GatewayLine], ours: &[OurPayment]) -> Vec<Mismatch> {
    let mut found = Vec::new();
    let ours_by_ref: BTreeMap<&str, &OurPayment> =
        ours.iter().map(|p| (p.txn_ref.as_str(), p)).collect();
    let taken: BTreeMap<&str, &GatewayLine> = gateway
        .iter()
        .filter(|l| l.succeeded())
        .map(|l| (l.txn_ref.as_str(), l))
        .collect();
    let mut charged: BTreeMap<&str, Vec<String>> = BTreeMap::new();
    for (txn_ref, line) in &taken {
        match ours_by_ref.get(txn_ref) {
            None => found.push(Mismatch::UnknownReference {
                txn_ref: txn_ref.to_string(),
                amount: line.amount,
            }),
            Some(payment) => {
                charged
                    .entry(payment.dossier_code.as_str())
                    .or_default()
                    .push(txn_ref.to_string());
                if payment.amount != line.amount {
                    found.push(Mismatch::AmountDiffers {
                        txn_ref: txn_ref.to_string(),
                        dossier_code: payment.dossier_code.clone(),
                        ours: payment.amount,
                        gateway: line.amount,
                    });
                } else if payment.status != "paid" {
                    found.push(Mismatch::NotSettled {
                        txn_ref: txn_ref.to_string(),
                        dossier_code: payment.dossier_code.clone(),
                        amount: line.amount,
                    });
                }
            }
        }
    }
    for payment in ours.iter().filter(|p| p.status == "paid") {
        if !taken.contains_key(payment.txn_ref.as_str()) {
            found.push(Mismatch::NotAtGateway {
                txn_ref: payment.txn_ref.clone(),
                dossier_code: payment.dossier_code.clone(),
                amount: payment.amount,
            });
        }
    }
    for (dossier_code, txn_refs) in charged {
        if txn_refs.len() > 1 {
            found.push(Mismatch::ChargedTwice {
                dossier_code: dossier_code.to_string(),
                txn_refs,
            });
        }
    }
    found
}

/// Reads the gateway's list: a CSV with the header
/// `vnp_TxnRef,vnp_TransactionNo,vnp_Amount,vnp_TransactionStatus,vnp_PayDate` (amount in đồng,
/// date yyyyMMddHHmmss); problems are reported with their line.
pub fn parse_gateway_csv(name: &str, text: &str) -> Result<Vec<GatewayLine>, String> {
    const HEADER: &str =
        "vnp_TxnRef,vnp_TransactionNo,vnp_Amount,vnp_TransactionStatus,vnp_PayDate";
    let mut lines = text.lines().enumerate();
    match lines.next() {
        Some((_, header)) if header.trim().trim_start_matches('\u{feff}') == HEADER => {}
        _ => return Err(format!("{name}:1: dòng đầu phải là {HEADER}")),
    }
    let mut found = Vec::new();
    let mut problems = Vec::new();
    for (index, line) in lines {
        let number = index + 1;
        if line.trim().is_empty() {
            continue;
        }
        let cells: Vec<&str> = line.split(',').map(str::trim).collect();
        let [txn_ref, transaction_no, amount, status, paid_at] = cells[..] else {
            problems.push(format!(
                "{name}:{number}: cần đúng 5 cột, có {}",
                cells.len()
            ));
            continue;
        };
        let Ok(amount) = amount.parse::<u64>() else {
            problems.push(format!("{name}:{number}: số tiền “{amount}” không hợp lệ"));
            continue;
        };
        if txn_ref.is_empty() {
            problems.push(format!("{name}:{number}: thiếu mã giao dịch của đơn vị"));
            continue;
        }
        let paid_at = if paid_at.is_empty() {
            None
        } else {
            match NaiveDateTime::parse_from_str(paid_at, "%Y%m%d%H%M%S") {
                Ok(at) => Some(at),
                Err(_) => {
                    problems.push(format!(
                        "{name}:{number}: thời điểm “{paid_at}” không đúng dạng yyyyMMddHHmmss"
                    ));
                    continue;
                }
            }
        };
        found.push(GatewayLine {
            txn_ref: txn_ref.to_string(),
            transaction_no: transaction_no.to_string(),
            amount,
            status: status.to_string(),
            paid_at,
        });
    }
    if problems.is_empty() {
        Ok(found)
    } else {
        Err(problems.join("\n"))
    }
}

/// The gateway's list as CSV (what the sandbox gateway exports).
pub fn gateway_csv(lines: &[GatewayLine]) -> String {
    let mut out =
        String::from("vnp_TxnRef,vnp_TransactionNo,vnp_Amount,vnp_TransactionStatus,vnp_PayDate\n");
    for line in lines {
        out.push_str(&format!(
            "{},{},{},{},{}\n",
            line.txn_ref,
            line.transaction_no,
            line.amount,
            line.status,
            line.paid_at
                .map(|at| at.format("%Y%m%d%H%M%S").to_string())
                .unwrap_or_default()
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line(txn_ref: &str, amount: u64, status: &str) -> GatewayLine {
        GatewayLine {
            txn_ref: txn_ref.into(),
            transaction_no: format!("T-{txn_ref}"),
            amount,
            status: status.into(),
            paid_at: NaiveDateTime::parse_from_str("20261127093100", "%Y%m%d%H%M%S").ok(),
        }
    }

    fn ours(txn_ref: &str, dossier: &str, amount: u64, status: &str) -> OurPayment {
        OurPayment {
            txn_ref: txn_ref.into(),
            dossier_code: dossier.into(),
            amount,
            status: status.into(),
        }
    }

    #[test]
    fn every_kind_of_difference_is_named() {
        let gateway = [
            line("A-1", 10_000, "00"), // agrees
            line("B-1", 20_000, "00"), // we lost the report
            line("C-1", 5_000, "00"),  // amount differs
            line("D-1", 8_000, "00"),  // dossier D charged…
            line("D-2", 8_000, "00"),  // …twice (the second marked failed by us)
            line("X-9", 1_000, "00"),  // unknown
            line("E-1", 3_000, "24"),  // cancelled at the gateway: nothing taken
        ];
        let system = [
            ours("A-1", "A", 10_000, "paid"),
            ours("B-1", "B", 20_000, "pending"),
            ours("C-1", "C", 6_000, "paid"),
            ours("D-1", "D", 8_000, "paid"),
            ours("D-2", "D", 8_000, "failed"),
            ours("E-1", "E", 3_000, "failed"),
            ours("F-1", "F", 4_000, "paid"), // not at the gateway
        ];
        let found = reconcile(&gateway, &system);
        let described: Vec<String> = found.iter().map(Mismatch::describe).collect();
        assert_eq!(found.len(), 6, "{described:#?}");
        assert!(found.contains(&Mismatch::NotSettled {
            txn_ref: "B-1".into(),
            dossier_code: "B".into(),
            amount: 20_000
        }));
        assert!(found.contains(&Mismatch::AmountDiffers {
            txn_ref: "C-1".into(),
            dossier_code: "C".into(),
            ours: 6_000,
            gateway: 5_000
        }));
        assert!(found.contains(&Mismatch::NotSettled {
            txn_ref: "D-2".into(),
            dossier_code: "D".into(),
            amount: 8_000
        }));
        assert!(found.contains(&Mismatch::ChargedTwice {
            dossier_code: "D".into(),
            txn_refs: vec!["D-1".into(), "D-2".into()]
        }));
        assert!(found.contains(&Mismatch::UnknownReference {
            txn_ref: "X-9".into(),
            amount: 1_000
        }));
        assert!(found.contains(&Mismatch::NotAtGateway {
            txn_ref: "F-1".into(),
            dossier_code: "F".into(),
            amount: 4_000
        }));
        assert!(
            described
                .iter()
                .any(|d| d == "Hồ sơ D bị thu nhiều lần (D-1, D-2): cần hoàn tiền các lần thừa"),
            "{described:#?}"
        );
        assert!(
            reconcile(&gateway[..1], &system[..1]).is_empty(),
            "agreeing lists have nothing to say"
        );
    }

    #[test]
    fn the_csv_round_trips_and_bad_lines_are_named() {
        let lines = [line("A-1", 10_000, "00"), line("B-1", 20_000, "24")];
        let text = gateway_csv(&lines);
        assert_eq!(parse_gateway_csv("gd.csv", &text), Ok(lines.to_vec()));
        let bad = "vnp_TxnRef,vnp_TransactionNo,vnp_Amount,vnp_TransactionStatus,vnp_PayDate\nA,1,mười,00,\nB,2,5\n";
        let error = parse_gateway_csv("gd.csv", bad).expect_err("bad");
        assert!(
            error.contains("gd.csv:2: số tiền “mười”")
                && error.contains("gd.csv:3: cần đúng 5 cột"),
            "{error}"
        );
        assert!(parse_gateway_csv("gd.csv", "a,b\n")
            .expect_err("header")
            .starts_with("gd.csv:1:"));
    }
}
