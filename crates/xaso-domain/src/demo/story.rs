//! One dossier's life, told through the state machine: each step is a real action applied by
//! `dossier::apply` with the scope of who does it, at an instant in that person's working time,
//! so that the status, the appointment, the step deadlines, the pauses and every history line
//! come from the rules. Chance decides only what people do and when: whether the counter asks
//! for more papers, how long the specialist takes, whether the applicant withdraws or rates.
//! Nothing happens after the horizon: a story cut there leaves the dossier where it stands.

use chrono::{DateTime, Duration, NaiveTime, Utc};

use super::fate::{
    fate, text, End, Fate, Reception, DISSATISFIED, MISSING, MISSING_WHY, PAID_ONLINE,
    RATED_ONLINE, REFUSALS, REFUSED_LATER_WHY, STOPS, WITHDRAWALS,
};
use super::random::Random;
use crate::calendar::deadline::{from_local, to_local};
use crate::calendar::WorkCalendar;
use crate::catalog::{FeeSchedule, Procedure, ProcessingTime};
use crate::dossier::workflow::Workflow;
use crate::dossier::{
    apply, submission_entry, Action, ActorScope, Channel, DossierError, DossierState, HistoryEntry,
    Rules,
};
use crate::identity::Role;
use crate::payment::fees::{quote, FeeCase};
use crate::report::Rating;

/// Who does a step, as far as the scope of the action goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Who {
    /// The citizen account that submitted online.
    Applicant,
    /// The counter officer of the receiving commune.
    Counter,
    Specialist,
    Leader,
    /// The payment gateway settling an online payment, as the receiving counter.
    Gateway,
}

/// The names of a commune's officers, as the state records them ("by", "signer").
#[derive(Debug, Clone, Copy)]
pub struct Staff<'a> {
    pub counter: &'a str,
    pub specialist: &'a str,
    pub leader: &'a str,
}

/// Everything a dossier's story depends on besides chance.
pub struct Setting<'a> {
    pub procedure: &'a Procedure,
    pub workflow: &'a Workflow,
    /// The competent commune's calendar: the appointment and the handling follow it.
    pub calendar: &'a WorkCalendar,
    /// The receiving commune's calendar: the counter works by it.
    pub counter_calendar: &'a WorkCalendar,
    pub receiving: Staff<'a>,
    pub handling: Staff<'a>,
    /// Received where it is decided (otherwise a location-independent reception).
    pub same_commune: bool,
    pub applicant: &'a str,
    /// Nothing happens after this instant.
    pub horizon: DateTime<Utc>,
    /// The codes of the rating form's attitude choices (indicator 7), best first.
    pub attitudes: &'a [String],
}

impl Setting<'_> {
    pub fn rules(&self) -> Rules<'_> {
        Rules {
            workflow: self.workflow,
            time: &self.procedure.time,
            calendar: self.calendar,
        }
    }

    /// The scope `who` acts with on this dossier.
    pub fn scope(&self, who: Who) -> ActorScope {
        let officer = |name: &str, role: Role, receiving: bool| ActorScope {
            name: name.to_string(),
            roles: vec![role],
            at_receiving: receiving || self.same_commune,
            at_competent: !receiving || self.same_commune,
            is_applicant: false,
        };
        match who {
            Who::Applicant => ActorScope {
                name: self.applicant.to_string(),
                roles: vec![Role::Citizen],
                at_receiving: false,
                at_competent: false,
                is_applicant: true,
            },
            Who::Counter => officer(self.receiving.counter, Role::CounterOfficer, true),
            Who::Gateway => officer(crate::payment::GATEWAY_ACTOR, Role::CounterOfficer, true),
            Who::Specialist => officer(self.handling.specialist, Role::Specialist, false),
            Who::Leader => officer(self.handling.leader, Role::Leader, false),
        }
    }
}

/// The numbers a story needs from its commune's books, in the order they are used.
pub trait Numbers {
    /// The next receipt number of the receiving commune, for a payment at `at`.
    fn receipt(&mut self, at: DateTime<Utc>) -> String;
    /// The number of a result decided at `at`.
    fn result(&mut self, at: DateTime<Utc>) -> String;
}

/// One step: who did what, when, and the history line the rules wrote. The submission has no
/// action (it is not one of the machine's).
#[derive(Debug, Clone, PartialEq)]
pub struct Step {
    pub at: DateTime<Utc>,
    pub who: Who,
    pub action: Option<Action>,
    pub entry: HistoryEntry,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PaymentMethod {
    Online,
    Cash,
    Transfer,
}

impl PaymentMethod {
    pub fn key(self) -> &'static str {
        match self {
            PaymentMethod::Online => "online",
            PaymentMethod::Cash => "cash",
            PaymentMethod::Transfer => "transfer",
        }
    }
}

/// A fee paid (a fee asked and not yet paid is only in the state).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Paid {
    pub amount: u64,
    pub method: PaymentMethod,
    /// When the payer started (online), or when the money was taken.
    pub started_at: DateTime<Utc>,
    pub paid_at: DateTime<Utc>,
    pub receipt: String,
}

/// The applicant's rating, with the optional questions of TT 01/2018.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rated {
    pub rating: Rating,
    pub at: DateTime<Utc>,
    pub reason: Option<String>,
    pub bodies_contacted: Option<u32>,
    pub attitude: Option<String>,
}

/// A dossier's whole story.
#[derive(Debug, Clone, PartialEq)]
pub struct Story {
    pub channel: Channel,
    pub state: DossierState,
    pub steps: Vec<Step>,
    /// How many of the first steps the reception itself wrote (the submission and the counter's
    /// decision): the dossier's version is 1 plus the steps after them.
    pub at_reception: usize,
    /// The components digitised (uploaded online, scanned at the counter), and when.
    pub digitised: Option<(Who, DateTime<Utc>)>,
    pub paid: Option<Paid>,
    pub rated: Option<Rated>,
}

impl Story {
    /// The dossier's version after its story.
    pub fn version(&self) -> i64 {
        1 + self.steps.len().saturating_sub(self.at_reception) as i64
    }

    /// When it last changed.
    pub fn updated_at(&self) -> DateTime<Utc> {
        self.steps.last().map_or(self.state.submitted_at, |s| s.at)
    }
}

/// Why a story stops before its last step: it ended there (refused, left waiting for papers,
/// or the horizon came: the dossier stays as it is), or a rule refused an action (a bug of the
/// generator, reported as such).
enum Halt {
    End,
    Rule(DossierError),
}

impl From<DossierError> for Halt {
    fn from(error: DossierError) -> Halt {
        Halt::Rule(error)
    }
}

impl From<crate::calendar::CalendarError> for Halt {
    fn from(error: crate::calendar::CalendarError) -> Halt {
        Halt::Rule(DossierError::Calendar(error))
    }
}

struct Teller<'a, 'b> {
    setting: &'a Setting<'a>,
    rules: Rules<'a>,
    random: &'b mut Random,
    numbers: &'b mut dyn Numbers,
    story: Story,
}

/// Tells the story of a dossier submitted through `channel` at `submitted_at` (within the
/// receiving commune's working time for counter and postal ones).
pub fn tell(
    setting: &Setting<'_>,
    channel: Channel,
    submitted_at: DateTime<Utc>,
    random: &mut Random,
    numbers: &mut dyn Numbers,
) -> Result<Story, DossierError> {
    let submitter = if channel == Channel::Online {
        Who::Applicant
    } else {
        Who::Counter
    };
    let first = Step {
        at: submitted_at,
        who: submitter,
        action: None,
        entry: submission_entry(setting.workflow, &setting.procedure.name, channel),
    };
    let mut teller = Teller {
        setting,
        rules: setting.rules(),
        random,
        numbers,
        story: Story {
            channel,
            state: DossierState::new(submitted_at),
            steps: vec![first],
            at_reception: 1,
            digitised: None,
            paid: None,
            rated: None,
        },
    };
    match teller.run() {
        Ok(()) | Err(Halt::End) => Ok(teller.story),
        Err(Halt::Rule(error)) => Err(error),
    }
}

impl Teller<'_, '_> {
    /// Applies `action` for `who` at `at`, or halts when `at` is past the horizon.
    fn act(&mut self, who: Who, at: DateTime<Utc>, action: Action) -> Result<(), Halt> {
        if at > self.setting.horizon {
            return Err(Halt::End);
        }
        let scope = self.setting.scope(who);
        let (next, entry) = apply(&self.story.state, &action, &scope, at, &self.rules)?;
        self.story.state = next;
        self.story.steps.push(Step {
            at,
            who,
            action: Some(action),
            entry,
        });
        Ok(())
    }

    fn last(&self) -> DateTime<Utc> {
        self.story.updated_at()
    }

    /// `minutes` of working time after `from` on the competent commune's calendar (at least one).
    fn work(&self, from: DateTime<Utc>, minutes: i64) -> Result<DateTime<Utc>, Halt> {
        Ok(self
            .setting
            .calendar
            .add_working_time(from, minutes.max(1))?)
    }

    /// Between `lo` and `hi` working minutes after `from` (competent commune's calendar).
    fn later(&mut self, from: DateTime<Utc>, lo: i64, hi: i64) -> Result<DateTime<Utc>, Halt> {
        let minutes = self.random.between(lo, hi);
        self.work(from, minutes)
    }

    /// The same on the counter's calendar.
    fn counter_later(
        &mut self,
        from: DateTime<Utc>,
        lo: i64,
        hi: i64,
    ) -> Result<DateTime<Utc>, Halt> {
        let minutes = self.random.between(lo, hi);
        self.counter_work(from, minutes)
    }

    /// `minutes` of working time after `from` on the counter's calendar.
    fn counter_work(&self, from: DateTime<Utc>, minutes: i64) -> Result<DateTime<Utc>, Halt> {
        Ok(self
            .setting
            .counter_calendar
            .add_working_time(from, minutes.max(1))?)
    }

    fn day(&self) -> i64 {
        i64::from(self.setting.calendar.hours().day_minutes())
    }

    fn run(&mut self) -> Result<(), Halt> {
        let channel = self.story.channel;
        let fate = fate(self.random, channel);
        let submitted = self.story.state.submitted_at;
        if channel == Channel::Online && fate.digitised {
            self.story.digitised = Some((Who::Applicant, submitted));
        }
        self.receive(fate, submitted)?;
        if !matches!(fate.reception, Reception::Refuse)
            && fate.digitised
            && channel != Channel::Online
        {
            let accepted = self.last();
            self.story.digitised = Some((Who::Counter, accepted));
        }
        self.fee()?;
        let forwarded = {
            let at = self.counter_later(self.last(), 5, 60)?;
            self.act(Who::Counter, at, Action::Forward { note: None })?;
            at
        };
        match fate.end {
            End::Resolve => {}
            End::Withdraw => {
                let at = self.later(forwarded, 30, 2 * self.day())?;
                let reason = text(self.random, WITHDRAWALS);
                let who = if channel == Channel::Online {
                    Who::Applicant
                } else {
                    Who::Counter
                };
                return self.act(who, at, Action::Withdraw { reason });
            }
            End::Stop => {
                let at = self.later(forwarded, 60, 3 * self.day())?;
                let reason = text(self.random, STOPS);
                return self.act(Who::Specialist, at, Action::Stop { reason });
            }
            End::Refuse => {
                let at = self.later(forwarded, 60, 2 * self.day())?;
                let reasons = text(self.random, REFUSED_LATER_WHY);
                return self.act(Who::Specialist, at, Action::Refuse { reasons });
            }
        }
        let multi_day = !matches!(
            self.setting.procedure.time,
            ProcessingTime::Immediate { .. }
        );
        if fate.consult && multi_day {
            let at = self.later(self.last(), 30, 240)?;
            self.act(
                Who::Specialist,
                at,
                Action::Consult {
                    body: "Công an xã".into(),
                    subject: "xác minh thông tin cư trú của người yêu cầu".into(),
                    answer_within_days: 2,
                },
            )?;
        }
        if let Some(brought) = fate.supplement {
            self.supplement_in_appraisal(brought)?;
        }
        if fate.apology && multi_day {
            self.apologise()?;
        }
        self.resolve(fate, multi_day)
    }

    /// The counter's check: accept, ask for papers first, or refuse.
    fn receive(&mut self, fate: Fate, submitted: DateTime<Utc>) -> Result<(), Halt> {
        let online = self.story.channel == Channel::Online;
        // Counter and postal dossiers are decided on the spot, inside the reception itself.
        let checked = if online {
            self.counter_later(submitted, 10, 240)?
        } else {
            submitted
        };
        match fate.reception {
            Reception::Refuse => {
                let reasons = text(self.random, REFUSALS);
                self.act(Who::Counter, checked, Action::Refuse { reasons })?;
                if !online {
                    self.story.at_reception = 2;
                }
                Err(Halt::End)
            }
            Reception::Supplement => {
                let items = vec![text(self.random, MISSING)];
                let reason = text(self.random, MISSING_WHY);
                self.act(
                    Who::Counter,
                    checked,
                    Action::RequestSupplement { items, reason },
                )?;
                if !online {
                    self.story.at_reception = 2;
                }
                let days = self.random.between(1, 5);
                let brought = if online {
                    // Uploaded from home, any time of day.
                    checked + Duration::minutes(self.random.between(2 * 60, days * 24 * 60))
                } else {
                    self.counter_work(checked, days * self.day())?
                };
                let who = if online { Who::Applicant } else { Who::Counter };
                self.act(who, brought, Action::Supplemented { note: None })?;
                let at = self.counter_later(brought, 5, 120)?;
                self.act(Who::Counter, at, Action::Accept { note: None })
            }
            Reception::Accept => {
                self.act(Who::Counter, checked, Action::Accept { note: None })?;
                if !online {
                    self.story.at_reception = 2;
                }
                Ok(())
            }
        }
    }

    /// The fee, when the procedure charges this case: asked at the counter, paid there or
    /// online through the gateway.
    fn fee(&mut self) -> Result<(), Halt> {
        let procedure = self.setting.procedure;
        let case = FeeCase {
            pages: self.random.between(1, 12) as u32,
            copies: match procedure.fee {
                FeeSchedule::PerPage { .. } => self.random.between(1, 5) as u32,
                _ if procedure.code == "2.000635" => self.random.between(1, 3) as u32,
                _ => 1,
            },
            // Late registrations of births and deaths pay the fee of the late case.
            late: self.random.chance(0.05),
        };
        let Ok(quoted) = quote(&procedure.fee, &procedure.field, &case, None) else {
            // No amount in the catalog (set by the province, not yet entered): nothing asked.
            return Ok(());
        };
        if quoted.amount == 0 {
            return Ok(());
        }
        let detail = quoted
            .lines
            .iter()
            .map(|l| l.label.as_str())
            .collect::<Vec<_>>()
            .join("; ");
        let asked = self.counter_later(self.last(), 1, 5)?;
        self.act(
            Who::Counter,
            asked,
            Action::RequestPayment {
                amount: quoted.amount,
                detail,
            },
        )?;
        let online = self.story.channel == Channel::Online && self.random.chance(PAID_ONLINE);
        let (method, started, paid) = if online {
            let started = asked + Duration::minutes(self.random.between(5, 30 * 60));
            (
                PaymentMethod::Online,
                started,
                started + Duration::seconds(self.random.between(40, 600)),
            )
        } else {
            let method = match self.story.channel {
                Channel::Postal => PaymentMethod::Transfer,
                _ if self.random.chance(0.1) => PaymentMethod::Transfer,
                _ => PaymentMethod::Cash,
            };
            // At the counter the money is handed over when asked (recorded in the same minute:
            // a pause of even one working minute moves a same-day appointment past closing
            // time); an online applicant who pays in cash comes by later.
            let paid = if self.story.channel == Channel::Online {
                self.counter_later(asked, 60, 2 * self.day())?
            } else {
                asked
            };
            (method, paid, paid)
        };
        if paid > self.setting.horizon {
            return Err(Halt::End);
        }
        let receipt = self.numbers.receipt(paid);
        let who = if online { Who::Gateway } else { Who::Counter };
        self.act(
            who,
            paid,
            Action::Paid {
                amount: quoted.amount,
                reference: receipt.clone(),
            },
        )?;
        self.story.paid = Some(Paid {
            amount: quoted.amount,
            method,
            started_at: started,
            paid_at: paid,
            receipt,
        });
        Ok(())
    }

    fn supplement_in_appraisal(&mut self, brought: bool) -> Result<(), Halt> {
        let asked = self.later(self.last(), 20, 2 * self.day())?;
        let items = vec![text(self.random, MISSING)];
        let reason = text(self.random, MISSING_WHY);
        self.act(
            Who::Specialist,
            asked,
            Action::RequestSupplement { items, reason },
        )?;
        if !brought {
            return Err(Halt::End);
        }
        let days = self.random.between(1, 6);
        let (who, at) = if self.story.channel == Channel::Online {
            let at = asked + Duration::minutes(self.random.between(3 * 60, days * 24 * 60));
            (Who::Applicant, at)
        } else {
            (Who::Counter, self.counter_work(asked, days * self.day())?)
        };
        self.act(who, at, Action::Supplemented { note: None })
    }

    /// The specialist sees the appointment cannot be kept: apology and a new date (form 04),
    /// at least a working day before the old one. Skipped when too late for that.
    fn apologise(&mut self) -> Result<(), Halt> {
        let Some(due) = self.story.state.due else {
            return Ok(());
        };
        let at = self.later(self.last(), 10, 60)?;
        if self.setting.calendar.working_minutes_between(at, due)? < self.day() {
            return Ok(());
        }
        let days = self.random.between(1, 4);
        let later = self.work(due, days * self.day())?;
        let action = Action::Apologize {
            reason: "Cần thêm thời gian xác minh thông tin với cơ quan liên quan".into(),
            new_date: to_local(later).date(),
        };
        self.act(Who::Specialist, at, action)
    }

    /// How many working minutes after `from` the result is approved: late ones after the
    /// appointment; immediate procedures while the applicant waits; the others before the
    /// appointment, most on its day and some earlier.
    fn approval_minutes(
        &mut self,
        from: DateTime<Utc>,
        late: bool,
        multi_day: bool,
    ) -> Result<i64, Halt> {
        let calendar = self.setting.calendar;
        let Some(due) = self.story.state.due else {
            return Ok(self.random.between(10, 120));
        };
        let left = calendar.working_minutes_between(from, due)?;
        if late || left < 3 {
            return Ok(left + self.random.between(30, 2 * self.day()));
        }
        if !multi_day {
            return Ok(self.random.between(10, 90).min(left - 1));
        }
        let due_day = from_local(to_local(due).date().and_time(NaiveTime::MIN));
        let on_due_day = calendar.working_minutes_between(due_day.max(from), due)?;
        let before_due_day = left - on_due_day;
        if before_due_day > 1 && self.random.chance(0.4) {
            Ok(self
                .random
                .between((before_due_day / 5).max(1), before_due_day - 1))
        } else {
            Ok(left
                - self
                    .random
                    .between(1, (on_due_day - 1).max(1))
                    .min(left - 1))
        }
    }

    fn resolve(&mut self, fate: Fate, multi_day: bool) -> Result<(), Halt> {
        let from = self.last();
        let total = self.approval_minutes(from, fate.late, multi_day)?.max(3);
        let to_leader = (total * self.random.between(55, 90) / 100).clamp(1, total - 1);
        let at = self.work(from, to_leader)?;
        self.act(
            Who::Specialist,
            at,
            Action::Forward {
                note: Some("Đủ điều kiện, đề nghị phê duyệt".into()),
            },
        )?;
        if fate.return_back && total - to_leader >= 4 {
            let back = to_leader + (total - to_leader) / 3;
            let again = to_leader + 2 * (total - to_leader) / 3;
            let at = self.work(from, back)?;
            self.act(
                Who::Leader,
                at,
                Action::ReturnBack {
                    note: "Đề nghị kiểm tra lại thông tin trên dự thảo kết quả".into(),
                },
            )?;
            let at = self.work(from, again)?;
            self.act(
                Who::Specialist,
                at,
                Action::Forward {
                    note: Some("Đã chỉnh sửa theo ý kiến của lãnh đạo".into()),
                },
            )?;
        }
        let approved = self.work(from, total)?.max(self.last());
        if approved > self.setting.horizon {
            return Err(Halt::End);
        }
        let result_number = self.numbers.result(approved);
        self.act(
            Who::Leader,
            approved,
            Action::Approve {
                result_number,
                note: None,
            },
        )?;
        if !fate.picked_up {
            return Ok(());
        }
        let wait = match (self.story.channel, multi_day) {
            (Channel::Online, _) => self.random.between(5, 120),
            (_, false) => self.random.between(5, 40),
            (_, true) => self.random.between(10, 3 * self.day()),
        };
        let returned = self.counter_work(approved, wait)?;
        self.act(Who::Counter, returned, Action::ReturnResult { note: None })?;
        if self.story.channel == Channel::Online && self.random.chance(RATED_ONLINE) {
            self.rate(returned, fate.late);
        }
        Ok(())
    }

    /// The applicant's rating, mostly satisfied, less so when the result was late.
    fn rate(&mut self, returned: DateTime<Utc>, late: bool) {
        let at = returned + Duration::minutes(self.random.between(10, 4 * 24 * 60));
        if at > self.setting.horizon {
            return;
        }
        let unhappy = if late { 0.25 } else { 0.03 };
        let x = self.random.unit();
        let rating = if x < unhappy {
            Rating::Dissatisfied
        } else if x < unhappy + (1.0 - unhappy) * 0.55 {
            Rating::VerySatisfied
        } else {
            Rating::Satisfied
        };
        let reason = (rating == Rating::Dissatisfied).then(|| text(self.random, DISSATISFIED));
        let bodies_contacted = self.random.chance(0.6).then(|| {
            let y = self.random.unit();
            if y < 0.9 {
                1
            } else if y < 0.98 {
                2
            } else {
                3
            }
        });
        let attitude = if self.random.chance(0.5) {
            let y = self.random.unit();
            let index = if y < 0.95 {
                0
            } else if y < 0.99 {
                1
            } else {
                2
            };
            self.setting
                .attitudes
                .get(index)
                .or(self.setting.attitudes.first())
                .cloned()
        } else {
            None
        };
        self.story.rated = Some(Rated {
            rating,
            at,
            reason,
            bodies_contacted,
            attitude,
        });
    }
}
