//! Which procedures a commune's one-stop shop handles, and through which channel: certified
//! copies and civil status make most of a commune's dossiers (REFERENCES §1, practice), about
//! 55 % come to the counter, 40 % online and 5 % by post.

use super::random::{Random, Weights};
use crate::catalog::{OnlineLevel, Procedure, ProcessingTime};
use crate::dossier::Channel;

/// The overall channel shares aimed at.
pub const ONLINE_SHARE: f64 = 0.40;
pub const POSTAL_SHARE: f64 = 0.05;

/// How often a procedure comes up at a commune, relative to the others (known procedures by
/// code, the rest by field): certified copies far ahead, then birth registration, marital
/// status, copies of civil-status extracts, signatures.
pub fn procedure_weight(procedure: &Procedure) -> f64 {
    match procedure.code.as_str() {
        "2.000815" => 30.0, // chứng thực bản sao từ bản chính
        "2.000884" => 8.0,  // chứng thực chữ ký
        "1.001193" => 9.0,  // đăng ký khai sinh
        "1.004873" => 8.0,  // xác nhận tình trạng hôn nhân
        "2.000635" => 6.0,  // bản sao trích lục hộ tịch
        "2.001035" => 4.0,  // chứng thực hợp đồng, giao dịch
        "1.000656" => 3.0,  // đăng ký khai tử
        "1.000894" => 3.0,  // đăng ký kết hôn
        "1.004859" => 2.0,  // thay đổi, cải chính hộ tịch
        "2.001406" => 1.0,  // phân chia, khai nhận di sản
        "1.004884" => 0.8,  // đăng ký lại khai sinh
        _ => match procedure.field.as_str() {
            "Hộ tịch" => 0.4,
            "Chứng thực" => 0.4,
            "Bảo trợ xã hội" => 0.8,
            "Kinh doanh" => 0.8,
            "Giảm nghèo" => 0.5,
            _ => 0.3,
        },
    }
}

/// Certifications and registrations made while the applicant waits need them in person or
/// online; only dossiers with a time in days are sent by post.
fn postal_possible(procedure: &Procedure) -> bool {
    !matches!(procedure.time, ProcessingTime::Immediate { .. })
}

/// The procedures' weights and each one's chance of coming online or by post, set so that the
/// whole catalog meets the aimed shares.
#[derive(Debug, Clone)]
pub struct Mix {
    weights: Weights,
    online: Vec<f64>,
    postal: Vec<f64>,
}

impl Mix {
    pub fn new(procedures: &[&Procedure]) -> Mix {
        let weights: Vec<f64> = procedures.iter().map(|p| procedure_weight(p)).collect();
        let total: f64 = weights.iter().sum();
        let share_of = |keep: &dyn Fn(&Procedure) -> bool| -> f64 {
            procedures
                .iter()
                .zip(&weights)
                .filter(|(p, _)| keep(p))
                .map(|(_, w)| w)
                .sum::<f64>()
                / total.max(f64::MIN_POSITIVE)
        };
        let online_capable = share_of(&|p| p.online != OnlineLevel::None);
        let postal_capable = share_of(&postal_possible);
        let online: Vec<f64> = procedures
            .iter()
            .map(|p| {
                if p.online == OnlineLevel::None || online_capable <= 0.0 {
                    0.0
                } else {
                    (ONLINE_SHARE / online_capable).min(0.85)
                }
            })
            .collect();
        let postal = procedures
            .iter()
            .zip(&online)
            .map(|(p, on)| {
                if !postal_possible(p) || postal_capable <= 0.0 {
                    0.0
                } else {
                    (POSTAL_SHARE / postal_capable).min(0.5 * (1.0 - on))
                }
            })
            .collect();
        Mix {
            weights: Weights::new(&weights),
            online,
            postal,
        }
    }

    /// A procedure (its index in the list given to `new`).
    pub fn procedure(&self, random: &mut Random) -> usize {
        self.weights.draw(random)
    }

    /// The channel of a dossier of procedure `index`.
    pub fn channel(&self, index: usize, random: &mut Random) -> Channel {
        let online = self.online.get(index).copied().unwrap_or(0.0);
        let postal = self.postal.get(index).copied().unwrap_or(0.0);
        let x = random.unit();
        if x < online {
            Channel::Online
        } else if x < online + postal {
            Channel::Postal
        } else {
            Channel::Counter
        }
    }

    /// The share of dossiers expected online, over the whole mix.
    pub fn expected_online(&self) -> f64 {
        let total = self.weights.total();
        if total <= 0.0 {
            return 0.0;
        }
        let mut previous = 0.0;
        let mut sum = 0.0;
        for (i, cumulative) in self.weights.cumulative().iter().enumerate() {
            sum += (cumulative - previous) * self.online.get(i).copied().unwrap_or(0.0);
            previous = *cumulative;
        }
        sum / total
    }
}
