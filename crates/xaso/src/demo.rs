//! Demo dossiers for a new installation: a few dozen in every status, channel and timing, made
//! through the real rules (reception, the state machine, the calendar) at instants in the past;
//! and `xaso demo generate`, a province-year of them (`generate`).

pub mod generate;
mod progress;

use std::collections::HashMap;

use chrono::{DateTime, Duration, NaiveDate, Utc};
use xaso_domain::calendar::deadline::{from_local, to_local};
use xaso_domain::catalog::ComponentForm;
use xaso_domain::dossier::{Action, Channel};
use xaso_store::dossier::{
    self, Applicant, Decision, DossierRules, DossierView, NewDossier, ProvidedComponent,
};
use xaso_store::identity::User;
use xaso_store::{catalog, StoreError, Tx};

/// How a demo dossier's story ends.
#[derive(Clone, Copy)]
enum Fate {
    ReturnedEarly,
    ReturnedOnTime,
    ReturnedLate,
    ResolvedWaitingPickup,
    OnTrack,
    Overdue,
    WaitingSupplement,
    Withdrawn,
    Denied,
    Stopped,
    AwaitingCheck,
    ElsewhereReturned,
}

const FATES: [Fate; 12] = [
    Fate::ReturnedEarly,
    Fate::ReturnedOnTime,
    Fate::ReturnedLate,
    Fate::ResolvedWaitingPickup,
    Fate::OnTrack,
    Fate::Overdue,
    Fate::WaitingSupplement,
    Fate::Withdrawn,
    Fate::Denied,
    Fate::Stopped,
    Fate::AwaitingCheck,
    Fate::ElsewhereReturned,
];

const NAMES: [&str; 12] = [
    "Nguyễn Văn An",
    "Trần Thị Bích",
    "Lê Hoàng Cường",
    "Phạm Thị Dung",
    "Hoàng Văn Em",
    "Vũ Thị Giang",
    "Đặng Quốc Huy",
    "Bùi Thị Kim",
    "Đỗ Văn Lâm",
    "Hồ Thị Mận",
    "Ngô Văn Nghĩa",
    "Dương Thị Oanh",
];

struct Maker<'a> {
    tx: &'a mut Tx,
    rules: &'a DossierRules,
    users: &'a HashMap<String, User>,
}

impl Maker<'_> {
    fn user(&self, name: &str) -> Result<&User, StoreError> {
        self.users
            .get(name)
            .ok_or_else(|| StoreError::NotFound(format!("tài khoản mẫu {name}")))
    }

    async fn act(
        &mut self,
        view: &DossierView,
        who: &str,
        at: DateTime<Utc>,
        action: Action,
    ) -> Result<DossierView, StoreError> {
        let user = self.user(who)?.clone();
        dossier::act(
            self.tx,
            self.rules,
            &view.code,
            view.version,
            &action,
            &user,
            at,
        )
        .await
    }

    async fn checklist(&mut self, code: &str) -> Result<Vec<ProvidedComponent>, StoreError> {
        let procedure = catalog::current(self.tx, code)
            .await?
            .ok_or_else(|| StoreError::NotFound(code.to_string()))?
            .procedure;
        Ok(procedure
            .components
            .iter()
            .filter(|c| c.mandatory)
            .map(|c| ProvidedComponent {
                name: c.name.clone(),
                provided: Some(ComponentForm::Original),
            })
            .collect())
    }
}

/// A working-day morning `days_ago` calendar days before `now`, at `hour` Vietnam time.
fn morning(now: DateTime<Utc>, days_ago: i64, hour: u32) -> DateTime<Utc> {
    let date: NaiveDate = to_local(now).date() - Duration::days(days_ago);
    let date = match chrono::Datelike::weekday(&date) {
        chrono::Weekday::Sat => date - Duration::days(1),
        chrono::Weekday::Sun => date - Duration::days(2),
        _ => date,
    };
    from_local(date.and_hms_opt(hour, 15, 0).unwrap_or_default())
}

/// Makes the demo dossiers; returns how many.
pub async fn make(
    tx: &mut Tx,
    rules: &DossierRules,
    users: &HashMap<String, User>,
    now: DateTime<Utc>,
) -> Result<usize, StoreError> {
    let centre = users
        .get("motcua")
        .and_then(|u| u.agency_code.clone())
        .ok_or_else(|| StoreError::NotFound("trung tâm của xã Minh Đức".into()))?;
    let neighbour = users
        .get("lanhdao.tk")
        .and_then(|u| u.agency_code.clone())
        .ok_or_else(|| StoreError::NotFound("xã Tân Khai".into()))?;
    let mut maker = Maker { tx, rules, users };
    let mut made = 0;
    for round in 0..3i64 {
        for (i, fate) in FATES.iter().enumerate() {
            let index = round as usize * FATES.len() + i;
            let channel = [Channel::Counter, Channel::Online, Channel::Postal][index % 3];
            // Procedures with a time in working days, so that early / on time / late all happen.
            let procedure = match fate {
                Fate::ElsewhereReturned => "2.000635",
                _ => ["1.004873", "1.004859", "1.001022"][index % 3],
            };
            let submitted = match fate {
                // Recent enough to be within its time.
                Fate::OnTrack | Fate::AwaitingCheck => now - Duration::hours(2 + round),
                _ => morning(now, 40 - round * 12 - i as i64, 8 + (index % 7) as u32),
            };
            let components = maker.checklist(procedure).await?;
            let counter = matches!(channel, Channel::Counter | Channel::Postal);
            let decision = match (counter, fate) {
                (true, Fate::Denied) => Some(Decision::Refuse {
                    reasons: "Yêu cầu không thuộc thẩm quyền giải quyết của UBND xã".into(),
                }),
                (true, Fate::AwaitingCheck) => None,
                (true, _) => Some(Decision::Accept),
                (false, _) => None,
            };
            let new = NewDossier {
                procedure_code: procedure.into(),
                channel,
                receiving_agency: centre.clone(),
                handling_commune: matches!(fate, Fate::ElsewhereReturned)
                    .then(|| neighbour.clone()),
                applicant: Applicant {
                    name: NAMES[index % NAMES.len()].into(),
                    id_number: Some(format!("0752010{:05}", 1000 + index)),
                    phone: Some(format!("09{:08}", 12_345_000 + index)),
                    email: None,
                    address: Some("Ấp 3, xã Minh Đức, tỉnh Đồng Nai".into()),
                },
                owner_name: None,
                proxy_name: None,
                components,
                decision,
            };
            let submitter = if counter { "motcua" } else { "congdan" };
            let submitter = maker.user(submitter)?.clone();
            let mut view =
                dossier::receive(maker.tx, maker.rules, &new, &submitter, submitted).await?;
            made += 1;
            let mut at = submitted + Duration::minutes(20);
            if !counter {
                match fate {
                    Fate::AwaitingCheck => continue,
                    Fate::Denied => {
                        maker
                            .act(
                                &view,
                                "motcua",
                                at,
                                Action::Refuse {
                                    reasons: "Hồ sơ nộp nhầm thủ tục".into(),
                                },
                            )
                            .await?;
                        continue;
                    }
                    _ => {
                        view = maker
                            .act(&view, "motcua", at, Action::Accept { note: None })
                            .await?
                    }
                }
            }
            if matches!(fate, Fate::Denied | Fate::AwaitingCheck) {
                continue;
            }
            let (specialist, leader) = if matches!(fate, Fate::ElsewhereReturned) {
                ("chuyenvien.tk", "lanhdao.tk")
            } else {
                ("chuyenvien", "lanhdao")
            };
            if matches!(fate, Fate::OnTrack) && round == 0 {
                // Received, not yet passed on.
                continue;
            }
            at += Duration::minutes(10);
            view = maker
                .act(&view, "motcua", at, Action::Forward { note: None })
                .await?;
            let due = view.due_at.unwrap_or(at);
            match fate {
                Fate::Withdrawn => {
                    maker
                        .act(
                            &view,
                            "motcua",
                            at + Duration::hours(2),
                            Action::Withdraw {
                                reason: "Người nộp đề nghị rút hồ sơ để bổ sung thông tin".into(),
                            },
                        )
                        .await?;
                    continue;
                }
                Fate::Stopped => {
                    maker
                        .act(
                            &view,
                            specialist,
                            at + Duration::hours(3),
                            Action::Stop {
                                reason: "Người yêu cầu không đến xác minh theo hẹn".into(),
                            },
                        )
                        .await?;
                    continue;
                }
                Fate::WaitingSupplement => {
                    maker
                        .act(
                            &view,
                            specialist,
                            at + Duration::hours(3),
                            Action::RequestSupplement {
                                items: vec!["Bản sao giấy tờ chứng minh nơi cư trú".into()],
                                reason: "Cần xác định nơi cư trú".into(),
                            },
                        )
                        .await?;
                    continue;
                }
                Fate::OnTrack | Fate::Overdue => continue,
                _ => {}
            }
            // Appraisal, then approval at a time that gives the fate's timing.
            let approve_at = match fate {
                Fate::ReturnedLate => due + Duration::days(2),
                Fate::ReturnedOnTime => due - Duration::minutes(30),
                _ => at + Duration::hours(5),
            };
            if approve_at > now - Duration::hours(1) {
                // Its story is not over yet: it stays in appraisal.
                continue;
            }
            let forward_at = (approve_at - Duration::hours(2)).max(at + Duration::minutes(30));
            view = maker
                .act(
                    &view,
                    specialist,
                    forward_at,
                    Action::Forward {
                        note: Some("Đủ điều kiện, đề nghị phê duyệt".into()),
                    },
                )
                .await?;
            let number = format!(
                "{}/{}/KQ",
                100 + index,
                chrono::Datelike::year(&to_local(approve_at))
            );
            view = maker
                .act(
                    &view,
                    leader,
                    approve_at,
                    Action::Approve {
                        result_number: number,
                        note: None,
                    },
                )
                .await?;
            if !matches!(fate, Fate::ResolvedWaitingPickup) {
                maker
                    .act(
                        &view,
                        "motcua",
                        approve_at + Duration::hours(1),
                        Action::ReturnResult { note: None },
                    )
                    .await?;
            }
        }
    }
    Ok(made)
}

/// The demo citizen's profile in the citizen data store, linked to the `congdan` account as a
/// counter officer does after seeing the card: her documents are kept and offered for reuse.
pub async fn citizen_profile(
    tx: &mut Tx,
    rules: &DossierRules,
    users: &HashMap<String, User>,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    let officer = users
        .get("motcua")
        .ok_or_else(|| StoreError::NotFound("tài khoản motcua".into()))?;
    let citizen = users
        .get("congdan")
        .ok_or_else(|| StoreError::NotFound("tài khoản congdan".into()))?;
    let input = xaso_store::citizen::ProfileInput {
        // Đồng Nai (075), a woman born in 1990 (1, 90).
        id_number: "075190012345".into(),
        full_name: citizen.full_name.clone(),
        birth_date: Some("1990-05-14".into()),
        phone: Some("0912345678".into()),
        email: None,
        address: Some("Ấp 3, xã Minh Đức, tỉnh Đồng Nai".into()),
    };
    let profile =
        xaso_store::citizen::save_profile(tx, &rules.citizen, &input, officer, now).await?;
    xaso_store::citizen::link_account(tx, &profile.id_number, &citizen.username, officer, now).await
}
