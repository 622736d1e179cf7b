//! How a dossier's story is to go, drawn before it starts: how often each thing happens (the
//! shares are over all dossiers, set so that about 5 % get a supplement request, 2–3 % are late,
//! a few per cent are withdrawn, refused or stopped), and the words people use.

use super::random::Random;
use crate::dossier::Channel;

/// How a story is to go, drawn before it starts (the shares are over all dossiers).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Reception {
    Accept,
    /// Papers missing at reception: asked for, brought, then accepted.
    Supplement,
    Refuse,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum End {
    Resolve,
    Withdraw,
    Stop,
    /// Refused after acceptance (the dossier stops).
    Refuse,
}

#[derive(Debug, Clone, Copy)]
pub(super) struct Fate {
    pub reception: Reception,
    pub end: End,
    /// Papers asked for during appraisal; `false` when never brought.
    pub supplement: Option<bool>,
    pub late: bool,
    pub apology: bool,
    pub consult: bool,
    pub return_back: bool,
    pub picked_up: bool,
    pub digitised: bool,
}

/// How often things happen, per dossier.
const REFUSED_AT_RECEPTION: f64 = 0.010;
const SUPPLEMENT_AT_RECEPTION: f64 = 0.010;
const SUPPLEMENT_IN_APPRAISAL: f64 = 0.042;
const SUPPLEMENT_NEVER_BROUGHT: f64 = 0.08;
const WITHDRAWN: f64 = 0.012;
const STOPPED: f64 = 0.005;
const REFUSED_LATER: f64 = 0.004;
const LATE: f64 = 0.025;
const APOLOGY: f64 = 0.006;
const CONSULT: f64 = 0.02;
const RETURN_BACK: f64 = 0.01;
const NOT_PICKED_UP: f64 = 0.012;
/// Counter and postal dossiers scanned at the counter (online ones are uploaded).
const SCANNED_AT_COUNTER: f64 = 0.67;
/// Returned online dossiers their applicant rates.
pub(super) const RATED_ONLINE: f64 = 0.7;
pub(super) const PAID_ONLINE: f64 = 0.85;

pub(super) fn fate(random: &mut Random, channel: Channel) -> Fate {
    let x = random.unit();
    let reception = if x < REFUSED_AT_RECEPTION {
        Reception::Refuse
    } else if x < REFUSED_AT_RECEPTION + SUPPLEMENT_AT_RECEPTION {
        Reception::Supplement
    } else {
        Reception::Accept
    };
    let y = random.unit();
    let end = if y < WITHDRAWN {
        End::Withdraw
    } else if y < WITHDRAWN + STOPPED {
        End::Stop
    } else if y < WITHDRAWN + STOPPED + REFUSED_LATER {
        End::Refuse
    } else {
        End::Resolve
    };
    Fate {
        reception,
        end,
        supplement: random
            .chance(SUPPLEMENT_IN_APPRAISAL)
            .then(|| !random.chance(SUPPLEMENT_NEVER_BROUGHT)),
        late: random.chance(LATE),
        apology: random.chance(APOLOGY),
        consult: random.chance(CONSULT),
        return_back: random.chance(RETURN_BACK),
        picked_up: !random.chance(NOT_PICKED_UP),
        digitised: channel == Channel::Online || random.chance(SCANNED_AT_COUNTER),
    }
}

pub(super) const REFUSALS: &[&str] = &[
    "Yêu cầu không thuộc thẩm quyền giải quyết của UBND xã",
    "Giấy tờ xuất trình không phải bản chính, không đối chiếu được",
    "Người yêu cầu không xuất trình được giấy tờ tùy thân còn giá trị sử dụng",
];
pub(super) const MISSING: &[&str] = &[
    "Bản sao giấy tờ chứng minh nơi cư trú",
    "Giấy tờ tùy thân còn giá trị sử dụng",
    "Văn bản ủy quyền có chứng thực",
    "Bản chính giấy tờ để đối chiếu",
];
pub(super) const MISSING_WHY: &[&str] = &[
    "Thông tin trên tờ khai chưa khớp với giấy tờ tùy thân",
    "Thiếu giấy tờ chứng minh nơi cư trú",
    "Bản chụp không rõ nét, không đọc được nội dung",
];
pub(super) const WITHDRAWALS: &[&str] = &[
    "Người nộp đề nghị rút hồ sơ để bổ sung thông tin",
    "Người nộp không còn nhu cầu giải quyết",
    "Nộp nhầm thủ tục, sẽ nộp lại hồ sơ khác",
];
pub(super) const STOPS: &[&str] = &[
    "Người yêu cầu không đến xác minh theo hẹn",
    "Phát sinh tranh chấp, chờ cơ quan có thẩm quyền giải quyết",
];
pub(super) const REFUSED_LATER_WHY: &[&str] = &[
    "Không đủ điều kiện giải quyết theo quy định",
    "Giấy tờ cung cấp có dấu hiệu không hợp lệ",
];
pub(super) const DISSATISFIED: &[&str] = &[
    "Thời gian giải quyết lâu hơn dự kiến",
    "Phải đi lại nhiều lần",
    "Hướng dẫn chưa rõ ràng",
];

pub(super) fn text(random: &mut Random, items: &[&str]) -> String {
    random.pick(items).copied().unwrap_or_default().to_string()
}
