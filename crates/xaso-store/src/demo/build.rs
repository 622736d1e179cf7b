//! The generator's thread: day after day, each commune's dossiers of the day are drawn
//! (procedure, channel, applicant, submission instant), numbered in the order they arrived, told
//! through the rules (`xaso_domain::demo::tell`) and turned into the rows the live path would
//! have written — dossier, history, files, payment, rating, report fact — batch by batch, while
//! the daily report sums are added up in memory.

use std::collections::HashMap;
use std::sync::Arc;

use chrono::{DateTime, Datelike, NaiveDate, Utc};
use uuid::Uuid;
use xaso_domain::calendar::deadline::{from_local, to_local};
use xaso_domain::calendar::{Timing, WorkCalendar};
use xaso_domain::catalog::Procedure;
use xaso_domain::demo::{
    arrival, person, tell, DayPlan, Mix, Numbers, PaymentMethod, Random, Setting, Staff, Story, Who,
};
use xaso_domain::dossier::{Channel, DossierCode, Workflow};
use xaso_domain::report::{daily_contributions, Counts};

use super::communes::{Commune, Officer};
use super::specs::{DOSSIERS, FACTS, FILES, HISTORY, PAYMENTS, RATINGS};
use super::table::{Rows, Value};
use super::DemoFile;
use crate::dossier::DossierRules;
use crate::report::{fact_of, text_of, FactSource};
use crate::{Backend, StoreError};

/// A procedure as the generator uses it.
pub(crate) struct Entry {
    pub procedure: Procedure,
    pub version: i64,
    pub workflow: String,
    /// The checklist with every mandatory component provided as an original, as JSON.
    pub components: String,
    pub fee_due: i64,
    /// Field index for the daily sums.
    pub field: usize,
}

/// One transaction's worth of rows, and the counters it moved.
pub(crate) struct Batch {
    pub tables: Vec<Rows>,
    pub dossiers: u64,
    /// (agency, day, last number) of the days this batch gave numbers on.
    pub codes: Vec<(String, String, i64)>,
    /// (agency, year, last receipt) likewise.
    pub receipts: Vec<(String, i64, i64)>,
}

/// What the whole run added up.
#[derive(Default)]
pub(crate) struct Totals {
    pub dossiers: u64,
    pub received: u64,
    pub history: u64,
    pub files: u64,
    pub ratings: u64,
    pub payments: u64,
    pub by_status: [u64; 10],
    pub early: u64,
    pub on_time: u64,
    pub late: u64,
    /// Report sums per (handling commune, field, day).
    pub daily: HashMap<(usize, usize, NaiveDate), Counts>,
}

/// Everything the thread needs, owned.
pub(crate) struct Generator {
    pub rules: Arc<DossierRules>,
    pub backend: Backend,
    pub communes: Vec<Commune>,
    pub calendars: Vec<Arc<WorkCalendar>>,
    /// Citizen accounts by commune, by person.
    pub accounts: Vec<Vec<Uuid>>,
    pub entries: Vec<Entry>,
    pub mix: Mix,
    pub days: Vec<DayPlan>,
    pub seed: u64,
    pub year: i32,
    pub horizon: DateTime<Utc>,
    pub now: DateTime<Utc>,
    pub file: DemoFile,
    pub batch: usize,
    /// Last dossier number per (commune index, day), from the database then this run.
    pub codes: HashMap<(usize, NaiveDate), u32>,
    /// Last receipt number per commune index (of the year).
    pub receipts: HashMap<usize, u32>,
    /// Results decided per commune index in the year.
    pub results: HashMap<usize, u32>,
    /// Salt of the ids: differs from one run on the same database to the next.
    pub ids: Random,
    /// The rating form's attitude choices, best first.
    pub attitudes: Vec<String>,
}

/// The receipt and result books of one dossier's communes.
struct Books<'a> {
    receipts: &'a mut HashMap<usize, u32>,
    results: &'a mut HashMap<usize, u32>,
    receiving: usize,
    handling: usize,
    centre: &'a str,
    touched: &'a mut HashMap<usize, u32>,
}

impl Numbers for Books<'_> {
    fn receipt(&mut self, at: DateTime<Utc>) -> String {
        let last = self.receipts.entry(self.receiving).or_insert(0);
        *last += 1;
        self.touched.insert(self.receiving, *last);
        crate::payment::receipt_number(
            i64::from(to_local(at).year()),
            self.centre,
            i64::from(*last),
        )
    }

    fn result(&mut self, at: DateTime<Utc>) -> String {
        let last = self.results.entry(self.handling).or_insert(0);
        *last += 1;
        format!("{}/{}/KQ", last, to_local(at).year())
    }
}

/// A dossier of the day, before its story.
struct Drawn {
    random: Random,
    entry: usize,
    channel: Channel,
    at: DateTime<Utc>,
    handling: usize,
    person: u32,
}

/// Share of location-independent counter dossiers decided by another commune.
const ELSEWHERE: f64 = 0.04;
/// People per citizen account: a commune's population is larger than its online users.
pub(crate) const PEOPLE_PER_ACCOUNT: u32 = 4;

fn uuid_at(ids: &mut Random, at: DateTime<Utc>) -> Uuid {
    let mut bytes = [0u8; 10];
    bytes[..8].copy_from_slice(&ids.next_u64().to_le_bytes());
    bytes[8..].copy_from_slice(&ids.next_u64().to_le_bytes()[..2]);
    let millis = u64::try_from(at.timestamp_millis()).unwrap_or(0);
    uuid::Builder::from_unix_timestamp_millis(millis, &bytes).into_uuid()
}

fn file_name(component: &str) -> String {
    let folded: String = xaso_domain::text::fold(component)
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
        .collect();
    let mut name: String = folded
        .split('-')
        .filter(|w| !w.is_empty())
        .take(6)
        .collect::<Vec<_>>()
        .join("-");
    name.push_str(".pdf");
    name
}

impl Generator {
    fn empty_batch(&self) -> Vec<Rows> {
        // Rows per dossier, about: history 7, files 2.5, ratings 0.3, payments 0.6.
        [
            (&DOSSIERS, 1.0),
            (&HISTORY, 7.5),
            (&FILES, 2.7),
            (&RATINGS, 0.3),
            (&PAYMENTS, 0.6),
            (&FACTS, 1.0),
        ]
        .into_iter()
        .map(|(spec, per)| Rows::new(spec, self.backend, (self.batch as f64 * per) as usize))
        .collect()
    }

    /// Makes every dossier, handing batches to `send` (which says `false` when the writer
    /// stopped); returns the totals.
    pub fn run(mut self, mut send: impl FnMut(Batch) -> bool) -> Result<Totals, StoreError> {
        let mut totals = Totals::default();
        let mut tables = self.empty_batch();
        let mut in_batch = 0u64;
        let mut codes_touched: HashMap<(usize, NaiveDate), u32> = HashMap::new();
        let mut receipts_touched: HashMap<usize, u32> = HashMap::new();
        let earliest = from_local(
            NaiveDate::from_ymd_opt(self.year, 1, 1)
                .and_then(|d| d.and_hms_opt(0, 0, 0))
                .unwrap_or_default(),
        );
        let days = std::mem::take(&mut self.days);
        for (d, day) in days.iter().enumerate() {
            for (c, count) in day.counts.iter().enumerate() {
                let mut drawn = Vec::with_capacity(*count as usize);
                for i in 0..*count {
                    drawn.push(self.draw(c, d, i, day.date, earliest)?);
                }
                drawn.sort_by_key(|x| x.at);
                for item in drawn {
                    self.dossier(
                        c,
                        item,
                        &mut tables,
                        &mut totals,
                        &mut codes_touched,
                        &mut receipts_touched,
                    )?;
                    in_batch += 1;
                    if in_batch as usize >= self.batch {
                        let batch = self.seal(
                            &mut tables,
                            in_batch,
                            &mut codes_touched,
                            &mut receipts_touched,
                        );
                        in_batch = 0;
                        if !send(batch) {
                            return Ok(totals);
                        }
                    }
                }
            }
        }
        if in_batch > 0 {
            let batch = self.seal(
                &mut tables,
                in_batch,
                &mut codes_touched,
                &mut receipts_touched,
            );
            send(batch);
        }
        Ok(totals)
    }

    fn seal(
        &self,
        tables: &mut Vec<Rows>,
        dossiers: u64,
        codes: &mut HashMap<(usize, NaiveDate), u32>,
        receipts: &mut HashMap<usize, u32>,
    ) -> Batch {
        let full = std::mem::replace(tables, self.empty_batch());
        Batch {
            tables: full,
            dossiers,
            codes: codes
                .drain()
                .map(|((c, day), last)| {
                    (
                        self.communes[c].centre_code.clone(),
                        day.format("%Y-%m-%d").to_string(),
                        i64::from(last),
                    )
                })
                .collect(),
            receipts: receipts
                .drain()
                .map(|(c, last)| {
                    (
                        self.communes[c].centre_code.clone(),
                        i64::from(self.year),
                        i64::from(last),
                    )
                })
                .collect(),
        }
    }

    fn draw(
        &self,
        commune: usize,
        day: usize,
        index: u32,
        date: NaiveDate,
        earliest: DateTime<Utc>,
    ) -> Result<Drawn, StoreError> {
        let number = u64::from(self.communes[commune].number);
        let mut random = Random::derive(self.seed, &[number, day as u64, u64::from(index)]);
        let entry = self.mix.procedure(&mut random);
        let channel = self.mix.channel(entry, &mut random);
        let at = arrival(
            &mut random,
            channel,
            date,
            &self.calendars[commune],
            earliest,
        )
        .map_err(|e| StoreError::Invalid(e.to_string()))?;
        let elsewhere = channel != Channel::Online
            && self.communes.len() > 1
            && self.entries[entry].procedure.location_independent
            && random.chance(ELSEWHERE);
        let handling = if elsewhere {
            let other = random.below(self.communes.len() as u64 - 1) as usize;
            if other >= commune {
                other + 1
            } else {
                other
            }
        } else {
            commune
        };
        let accounts = self.accounts[commune].len().max(1) as u64;
        let person = if channel == Channel::Online {
            random.below(accounts)
        } else {
            random.below(accounts * u64::from(PEOPLE_PER_ACCOUNT))
        } as u32;
        Ok(Drawn {
            random,
            entry,
            channel,
            at,
            handling,
            person,
        })
    }

    #[allow(clippy::too_many_arguments)] // the dossier, where its rows go, what it moved
    fn dossier(
        &mut self,
        receiving: usize,
        mut item: Drawn,
        tables: &mut [Rows],
        totals: &mut Totals,
        codes_touched: &mut HashMap<(usize, NaiveDate), u32>,
        receipts_touched: &mut HashMap<usize, u32>,
    ) -> Result<(), StoreError> {
        let here = &self.communes[receiving];
        let there = &self.communes[item.handling];
        let entry = &self.entries[item.entry];
        let workflow: &Workflow = self.rules.workflows.get(&entry.workflow).ok_or_else(|| {
            StoreError::Invalid(format!(
                "quy trình `{}` không có trong data/workflows",
                entry.workflow
            ))
        })?;
        let date = to_local(item.at).date();
        let sequence = {
            let last = self.codes.entry((receiving, date)).or_insert(0);
            *last += 1;
            codes_touched.insert((receiving, date), *last);
            *last
        };
        let code = DossierCode::new(&here.centre_code, date, sequence)
            .ok_or_else(|| {
                StoreError::Conflict(format!(
                    "{} đã dùng hết {} số hồ sơ của ngày {date}: hãy tạo ít hồ sơ hơn hoặc thêm xã",
                    here.centre_code,
                    xaso_domain::dossier::code::MAX_PER_DAY
                ))
            })?
            .to_string();
        let someone = person(here.number, item.person);
        let applicant_account = (item.channel == Channel::Online)
            .then(|| self.accounts[receiving].get(item.person as usize).copied())
            .flatten();
        fn staff(c: &Commune) -> Staff<'_> {
            Staff {
                counter: &c.counter.name,
                specialist: &c.specialist.name,
                leader: &c.leader.name,
            }
        }
        let setting = Setting {
            procedure: &entry.procedure,
            workflow,
            calendar: &self.calendars[item.handling],
            counter_calendar: &self.calendars[receiving],
            receiving: staff(here),
            handling: staff(there),
            same_commune: receiving == item.handling,
            applicant: &someone.name,
            horizon: self.horizon,
            attitudes: &self.attitudes,
        };
        let mut books = Books {
            receipts: &mut self.receipts,
            results: &mut self.results,
            receiving,
            handling: item.handling,
            centre: &here.centre_code,
            touched: receipts_touched,
        };
        let story = tell(
            &setting,
            item.channel,
            item.at,
            &mut item.random,
            &mut books,
        )
        .map_err(|e| StoreError::Invalid(format!("câu chuyện hồ sơ {code}: {e}")))?;
        let id = uuid_at(&mut self.ids, item.at);
        let place = xaso_domain::demo::Place {
            ward: here.ward,
            name: here
                .place
                .split_once(' ')
                .map_or(here.place.as_str(), |(_, n)| n),
        };
        let address = xaso_domain::demo::people::address(&mut item.random, &place, "tỉnh Đồng Nai");
        let calendar = &self.calendars[item.handling];
        let state = &story.state;
        let status = state.status;
        let step = workflow
            .steps
            .get(state.step)
            .map_or_else(String::new, |s| s.key.clone());
        let alert = state.urgency(self.now, calendar).and_then(|u| text_of(&u));
        let state_json =
            serde_json::to_string(state).map_err(|e| StoreError::Invalid(e.to_string()))?;
        let [dossiers, history, files, ratings, payments, facts] = tables else {
            return Err(StoreError::Invalid("bảng dữ liệu mẫu không đủ".into()));
        };
        dossiers.push(vec![
            id.into(),
            code.clone().into(),
            entry.procedure.code.as_str().into(),
            entry.version.into(),
            entry.workflow.as_str().into(),
            item.channel.code().into(),
            status.code().into(),
            step.into(),
            here.centre_id.into(),
            here.id.into(),
            there.id.into(),
            someone.name.as_str().into(),
            Some(someone.id_number.as_str()).into(),
            Some(someone.phone.as_str()).into(),
            someone.email.clone().into(),
            Some(address).into(),
            Value::Null,
            Value::Null,
            applicant_account.into(),
            entry.components.as_str().into(),
            entry.fee_due.into(),
            state_json.into(),
            state.submitted_at.into(),
            state.received_at.into(),
            state.due.into(),
            state.resolved_at.into(),
            state.ended_at.into(),
            alert.into(),
            story.version().into(),
            story.updated_at().into(),
        ])?;
        let actor = |who: Who| -> (Value, String, Value) {
            let officer = |o: &Officer| {
                (
                    o.id.into(),
                    o.name.clone(),
                    Value::from(o.agency_code.as_str()),
                )
            };
            match who {
                Who::Applicant => (applicant_account.into(), someone.name.clone(), Value::Null),
                Who::Counter => officer(&here.counter),
                Who::Specialist => officer(&there.specialist),
                Who::Leader => officer(&there.leader),
                Who::Gateway => (
                    Uuid::nil().into(),
                    xaso_domain::payment::GATEWAY_ACTOR.to_string(),
                    here.centre_code.as_str().into(),
                ),
            }
        };
        for step in &story.steps {
            let (actor_id, name, agency) = actor(step.who);
            let entry = &step.entry;
            history.push(vec![
                id.into(),
                step.at.into(),
                actor_id,
                name.into(),
                agency,
                entry.action.as_str().into(),
                entry.status_from.code().into(),
                entry.status_to.code().into(),
                entry.step_from.as_str().into(),
                entry.step_to.as_str().into(),
                entry.content.as_str().into(),
                entry.step_due.into(),
                entry.step_result.as_ref().and_then(text_of).into(),
            ])?;
        }
        let mut digitised = false;
        if let Some((who, at)) = story.digitised {
            let (uploader, _, _) = actor(who);
            for component in entry
                .procedure
                .components
                .iter()
                .filter(|c| c.mandatory)
                .take(2)
            {
                files.push(vec![
                    uuid_at(&mut self.ids, at).into(),
                    id.into(),
                    "attachment".into(),
                    component.name.as_str().into(),
                    file_name(&component.name).into(),
                    self.file.content_type.as_str().into(),
                    self.file.size.into(),
                    self.file.sha256.as_str().into(),
                    at.into(),
                    match &uploader {
                        Value::Uuid(u) => Value::Uuid(*u),
                        _ => Value::Null,
                    },
                ])?;
                digitised = true;
                totals.files += 1;
            }
        }
        let e_result = state.result.is_some();
        if let Some(result) = &state.result {
            // Signed by the leader as they approve.
            files.push(vec![
                uuid_at(&mut self.ids, result.decided_at).into(),
                id.into(),
                "result".into(),
                Value::Null,
                format!("ket-qua-{code}.pdf").into(),
                self.file.content_type.as_str().into(),
                self.file.size.into(),
                self.file.sha256.as_str().into(),
                result.decided_at.into(),
                there.leader.id.into(),
            ])?;
            totals.files += 1;
        }
        if let Some(paid) = &story.paid {
            let online = paid.method == PaymentMethod::Online;
            payments.push(vec![
                uuid_at(&mut self.ids, paid.started_at).into(),
                id.into(),
                i64::try_from(paid.amount).unwrap_or(i64::MAX).into(),
                paid.method.key().into(),
                online.then_some("vnpay").into(),
                online.then(|| format!("{code}-1")).into(),
                "paid".into(),
                online
                    .then(|| format!("{:08}", 14_000_000 + item.random.below(86_000_000)))
                    .into(),
                online.then_some("00").into(),
                paid.receipt.as_str().into(),
                paid.started_at.into(),
                if online {
                    Value::from(applicant_account)
                } else {
                    here.counter.id.into()
                },
                paid.paid_at.into(),
            ])?;
            totals.payments += 1;
        }
        if let Some(rated) = &story.rated {
            ratings.push(vec![
                id.into(),
                rated.rating.key().into(),
                rated.reason.clone().into(),
                rated.at.into(),
                applicant_account.into(),
                rated.bodies_contacted.map(i64::from).into(),
                rated.attitude.clone().into(),
            ])?;
            totals.ratings += 1;
        }
        let fact = fact_of(
            &self.rules.indicators,
            FactSource {
                code: code.clone(),
                procedure_code: entry.procedure.code.clone(),
                field: entry.procedure.field.clone(),
                online: entry.procedure.online,
                channel: item.channel,
                state,
                calendar,
                digitised,
                e_result,
                reused: false,
                result_stored: false,
                paid_online: story
                    .paid
                    .as_ref()
                    .is_some_and(|p| p.method == PaymentMethod::Online),
                rating: story.rated.as_ref().map(|r| r.rating),
                rated_at: story.rated.as_ref().map(|r| r.at),
                bodies_contacted: story.rated.as_ref().and_then(|r| r.bodies_contacted),
                attitude: story.rated.as_ref().and_then(|r| r.attitude.as_deref()),
                complaints: &[],
            },
        );
        for (day, counts) in daily_contributions(&fact) {
            totals
                .daily
                .entry((item.handling, entry.field, day))
                .or_default()
                .add(&counts);
        }
        facts.push(vec![
            id.into(),
            fact.code.as_str().into(),
            there.id.into(),
            fact.procedure_code.as_str().into(),
            fact.field.as_str().into(),
            fact.channel.code().into(),
            fact.received_at.into(),
            fact.due_at.into(),
            fact.resolved_at.into(),
            fact.timing.as_ref().and_then(text_of).into(),
            fact.closed_at.into(),
            fact.digitised.into(),
            fact.e_result.into(),
            fact.rating.map(|r| r.key()).into(),
            fact.rated_at.into(),
            i64::from(fact.supplements).into(),
            fact.online.as_ref().and_then(text_of).into(),
            fact.resolved_at.or(fact.closed_at).into(),
            fact.reused.into(),
            fact.result_stored.into(),
            fact.fee_requested.into(),
            fact.paid_online.into(),
            fact.complaint.into(),
            fact.points_bodies.map(i64::from).into(),
            fact.points_attitude.map(i64::from).into(),
            fact.points_feedback.map(i64::from).into(),
        ])?;
        Self::count(&story, fact.timing, totals);
        Ok(())
    }

    fn count(story: &Story, timing: Option<Timing>, totals: &mut Totals) {
        let state = &story.state;
        totals.dossiers += 1;
        totals.received += u64::from(state.received_at.is_some());
        totals.history += story.steps.len() as u64;
        if let Some(slot) = usize::try_from(state.status.code() - 1)
            .ok()
            .and_then(|i| totals.by_status.get_mut(i))
        {
            *slot += 1;
        }
        match timing {
            Some(Timing::Early) => totals.early += 1,
            Some(Timing::OnTime) => totals.on_time += 1,
            Some(Timing::Late) => totals.late += 1,
            None => {}
        }
    }
}
