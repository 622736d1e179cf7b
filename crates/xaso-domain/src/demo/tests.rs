//! The generator's rules: every story replays through the state machine to its final state, the
//! shares come out as aimed, a seed gives the same province, the people pass the citizen rules.

use std::sync::Arc;

use chrono::{DateTime, Datelike, NaiveDate, TimeZone, Utc};
use proptest::prelude::*;

use super::*;
use crate::calendar::deadline::{from_local, to_local};
use crate::calendar::{CalendarSet, Timing, WorkCalendar};
use crate::catalog::{parse_catalog, Procedure};
use crate::dossier::Workflow;
use crate::dossier::{apply, parse_workflow, submission_entry, Channel, DossierState, Status};

fn catalog() -> Vec<Procedure> {
    [
        (
            "bao-tro-xa-hoi.toml",
            include_str!("../../../../data/catalog/bao-tro-xa-hoi.toml"),
        ),
        (
            "chung-thuc.toml",
            include_str!("../../../../data/catalog/chung-thuc.toml"),
        ),
        (
            "dat-dai.toml",
            include_str!("../../../../data/catalog/dat-dai.toml"),
        ),
        (
            "giam-ngheo.toml",
            include_str!("../../../../data/catalog/giam-ngheo.toml"),
        ),
        (
            "ho-tich.toml",
            include_str!("../../../../data/catalog/ho-tich.toml"),
        ),
        (
            "kinh-doanh.toml",
            include_str!("../../../../data/catalog/kinh-doanh.toml"),
        ),
        (
            "nguoi-co-cong.toml",
            include_str!("../../../../data/catalog/nguoi-co-cong.toml"),
        ),
    ]
    .iter()
    .flat_map(|(name, text)| parse_catalog(name, text).unwrap_or_else(|e| panic!("{e}")))
    .collect()
}

fn workflow() -> Workflow {
    parse_workflow(
        "mac-dinh.toml",
        include_str!("../../../../data/workflows/mac-dinh.toml"),
    )
    .unwrap_or_else(|e| panic!("{e}"))
}

fn calendar() -> Arc<WorkCalendar> {
    let files: Vec<(String, String)> = [
        (
            "2025.toml",
            include_str!("../../../../data/calendar/2025.toml"),
        ),
        (
            "2026.toml",
            include_str!("../../../../data/calendar/2026.toml"),
        ),
        (
            "working-hours.toml",
            include_str!("../../../../data/calendar/working-hours.toml"),
        ),
    ]
    .iter()
    .map(|(n, t)| (n.to_string(), t.to_string()))
    .collect();
    CalendarSet::from_files(&files)
        .and_then(|set| set.for_agency(None))
        .unwrap_or_else(|e| panic!("{e}"))
}

/// The receipt and result books of one commune.
#[derive(Default)]
struct Books {
    receipts: u32,
    results: u32,
}

impl Numbers for Books {
    fn receipt(&mut self, at: DateTime<Utc>) -> String {
        self.receipts += 1;
        format!(
            "BL{}-000.04.64.H19-{:06}",
            to_local(at).year(),
            self.receipts
        )
    }

    fn result(&mut self, at: DateTime<Utc>) -> String {
        self.results += 1;
        format!("{}/{}/KQ", self.results, to_local(at).year())
    }
}

struct World {
    procedures: Vec<Procedure>,
    workflow: Workflow,
    calendar: Arc<WorkCalendar>,
    attitudes: Vec<String>,
    horizon: DateTime<Utc>,
}

impl World {
    fn new() -> World {
        World {
            procedures: catalog(),
            workflow: workflow(),
            calendar: calendar(),
            attitudes: vec!["lich-su".into(), "chua-dung-muc".into(), "phien-ha".into()],
            horizon: from_local(
                NaiveDate::from_ymd_opt(2026, 1, 1)
                    .and_then(|d| d.and_hms_opt(0, 0, 0))
                    .expect("date"),
            ) - chrono::Duration::seconds(1),
        }
    }

    fn setting<'a>(&'a self, procedure: usize, same: bool, applicant: &'a str) -> Setting<'a> {
        let staff = Staff {
            counter: "Nguyễn Thị Hương",
            specialist: "Trần Văn Minh",
            leader: "Lê Văn Đức",
        };
        Setting {
            procedure: &self.procedures[procedure],
            workflow: &self.workflow,
            calendar: &self.calendar,
            counter_calendar: &self.calendar,
            receiving: staff,
            handling: if same {
                staff
            } else {
                Staff {
                    counter: "Đặng Thị Thu",
                    specialist: "Bùi Văn Tâm",
                    leader: "Phan Văn Khải",
                }
            },
            same_commune: same,
            applicant,
            horizon: self.horizon,
            attitudes: &self.attitudes,
        }
    }
}

/// A generated dossier with what its setting was made of.
#[derive(Debug, Clone, PartialEq)]
struct Made {
    procedure: usize,
    same: bool,
    applicant: String,
    story: Story,
}

/// `count` dossiers of 2025 over two communes, as the store's generator makes them.
fn generate(world: &World, seed: u64, count: u64) -> Vec<Made> {
    let refs: Vec<&Procedure> = world.procedures.iter().collect();
    let mix = Mix::new(&refs);
    let first = NaiveDate::from_ymd_opt(2025, 1, 1).expect("date");
    let last = NaiveDate::from_ymd_opt(2025, 12, 31).expect("date");
    let calendars = [world.calendar.as_ref(), world.calendar.as_ref()];
    let mut random = Random::derive(seed, &[0]);
    let days = plan_days(first, last, &calendars, &[1.0, 0.6], count, &mut random)
        .unwrap_or_else(|e| panic!("{e}"));
    let earliest = from_local(first.and_hms_opt(0, 0, 0).expect("time"));
    let mut books = Books::default();
    let mut made = Vec::new();
    for (d, day) in days.iter().enumerate() {
        for (c, n) in day.counts.iter().enumerate() {
            for i in 0..*n {
                let mut random = Random::derive(seed, &[c as u64, d as u64, u64::from(i)]);
                let procedure = mix.procedure(&mut random);
                let channel = mix.channel(procedure, &mut random);
                let at = arrival(&mut random, channel, day.date, &world.calendar, earliest)
                    .unwrap_or_else(|e| panic!("{e}"));
                let same =
                    !(world.procedures[procedure].location_independent && random.chance(0.2));
                let applicant = person(64 + c as u32, random.below(500) as u32).name;
                let setting = world.setting(procedure, same, &applicant);
                let story = tell(&setting, channel, at, &mut random, &mut books)
                    .unwrap_or_else(|e| panic!("{}: {e}", world.procedures[procedure].code));
                made.push(Made {
                    procedure,
                    same,
                    applicant,
                    story,
                });
            }
        }
    }
    made
}

/// Replays a story's actions from a fresh dossier: each must give the same line, and the end
/// the same state.
fn replay(world: &World, made: &Made) {
    let setting = world.setting(made.procedure, made.same, &made.applicant);
    let story = &made.story;
    let rules = setting.rules();
    let first = &story.steps[0];
    assert_eq!(first.action, None);
    assert_eq!(
        first.entry,
        submission_entry(&world.workflow, &setting.procedure.name, story.channel)
    );
    let mut state = DossierState::new(first.at);
    let mut previous = first.at;
    for step in &story.steps[1..] {
        let action = step
            .action
            .as_ref()
            .expect("an action after the submission");
        let (next, entry) = apply(&state, action, &setting.scope(step.who), step.at, &rules)
            .unwrap_or_else(|e| panic!("{} refused: {e}", action.key()));
        assert_eq!(entry, step.entry);
        assert!(step.at >= previous, "steps in time order");
        assert!(step.at <= world.horizon, "nothing after the horizon");
        previous = step.at;
        state = next;
    }
    assert_eq!(state, story.state);
    assert_eq!(
        story.version(),
        1 + (story.steps.len() - story.at_reception) as i64
    );
    if let Some(paid) = &story.paid {
        let due = state.payment.as_ref().expect("a payment asked");
        assert_eq!(due.paid_at, Some(paid.paid_at));
        assert_eq!(due.paid_reference.as_deref(), Some(paid.receipt.as_str()));
        assert!(paid.started_at <= paid.paid_at);
    }
    if let Some(rated) = &story.rated {
        assert_eq!(state.status, Status::Returned);
        assert_eq!(story.channel, Channel::Online);
        assert!(rated.at <= world.horizon && Some(rated.at) > state.ended_at);
        assert_eq!(
            rated.reason.is_some(),
            rated.rating == crate::report::Rating::Dissatisfied
        );
    }
}

#[test]
fn every_story_replays_through_the_state_machine() {
    let world = World::new();
    for made in generate(&world, 7, 3000) {
        replay(&world, &made);
    }
}

#[test]
fn the_shares_come_out_as_aimed() {
    let world = World::new();
    let made = generate(&world, 11, 6000);
    let n = made.len() as f64;
    assert_eq!(made.len(), 6000);
    let share = |keep: &dyn Fn(&Made) -> bool| made.iter().filter(|m| keep(m)).count() as f64 / n;
    let online = share(&|m| m.story.channel == Channel::Online);
    let postal = share(&|m| m.story.channel == Channel::Postal);
    assert!((0.35..0.45).contains(&online), "online {online}");
    assert!((0.03..0.07).contains(&postal), "postal {postal}");
    let supplement = share(&|m| {
        m.story
            .steps
            .iter()
            .any(|s| s.entry.action == "request_supplement")
    });
    assert!(
        (0.035..0.07).contains(&supplement),
        "supplement {supplement}"
    );
    let ended = share(&|m| {
        matches!(
            m.story.state.status,
            Status::Withdrawn | Status::Denied | Status::Stopped
        )
    });
    assert!(
        (0.02..0.05).contains(&ended),
        "withdrawn, denied, stopped {ended}"
    );
    let digitised = share(&|m| m.story.digitised.is_some());
    assert!((0.7..0.9).contains(&digitised), "digitised {digitised}");
    let timings: Vec<Timing> = made
        .iter()
        .filter_map(|m| m.story.state.outcome(&world.calendar))
        .collect();
    let of = |t: Timing| timings.iter().filter(|x| **x == t).count() as f64 / timings.len() as f64;
    let (late, early, on_time) = (of(Timing::Late), of(Timing::Early), of(Timing::OnTime));
    assert!((0.015..0.04).contains(&late), "late {late}");
    assert!(
        early > 0.05 && on_time > 0.5,
        "early {early}, on time {on_time}"
    );
    let returned: Vec<&Made> = made
        .iter()
        .filter(|m| m.story.state.status == Status::Returned)
        .collect();
    let rated =
        returned.iter().filter(|m| m.story.rated.is_some()).count() as f64 / returned.len() as f64;
    assert!((0.22..0.38).contains(&rated), "rated {rated}");
    let paid = share(&|m| m.story.paid.is_some());
    assert!(paid > 0.2, "paid {paid}");
    // December's last dossiers are still being handled when the year ends.
    let open_in_december = made
        .iter()
        .filter(|m| to_local(m.story.state.submitted_at).month() == 12)
        .filter(|m| !m.story.state.status.is_terminal())
        .count();
    assert!(open_in_december > 10, "{open_in_december}");
}

#[test]
fn a_seed_gives_the_same_province() {
    let world = World::new();
    assert_eq!(generate(&world, 5, 400), generate(&world, 5, 400));
    assert_ne!(generate(&world, 5, 400), generate(&world, 6, 400));
}

#[test]
fn days_get_exactly_their_dossiers_on_working_days_only() {
    let world = World::new();
    let calendar = world.calendar.as_ref();
    let first = NaiveDate::from_ymd_opt(2025, 1, 1).expect("date");
    let last = NaiveDate::from_ymd_opt(2025, 12, 31).expect("date");
    let days = plan_days(
        first,
        last,
        &[calendar, calendar, calendar],
        &[1.0, 2.0, 0.5],
        123_457,
        &mut Random::new(3),
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let total: u64 = days
        .iter()
        .flat_map(|d| d.counts.iter().map(|c| u64::from(*c)))
        .sum();
    assert_eq!(total, 123_457);
    for day in &days {
        assert!(
            calendar.is_working_day(day.date).expect("in range"),
            "{}",
            day.date
        );
    }
    // Tết 2025 (28/1–2/2) has none; a Monday has more than the Friday before it.
    assert!(days
        .iter()
        .all(|d| d.date != NaiveDate::from_ymd_opt(2025, 1, 29).expect("date")));
    let on = |y, m, d| {
        days.iter()
            .find(|p| p.date == NaiveDate::from_ymd_opt(y, m, d).expect("date"))
            .map_or(0, |p| p.counts.iter().sum::<u32>())
    };
    assert!(
        on(2025, 3, 10) > on(2025, 3, 7),
        "Monday busier than Friday"
    );
}

#[test]
fn people_are_plausible_and_pass_the_citizen_rules() {
    let provinces = crate::citizen::parse_provinces(
        "ma-tinh.toml",
        include_str!("../../../../data/citizen/ma-tinh.toml"),
    )
    .unwrap_or_else(|e| panic!("{e}"));
    for index in 0..2000 {
        let someone = person(64, index);
        let number = crate::citizen::Cccd::parse(&someone.id_number, &provinces)
            .unwrap_or_else(|e| panic!("{}: {e}", someone.id_number));
        let sex = if someone.female {
            crate::citizen::Sex::Female
        } else {
            crate::citizen::Sex::Male
        };
        number
            .check_holder(someone.birth_year, Some(sex))
            .unwrap_or_else(|e| panic!("{}: {e}", someone.id_number));
        assert_eq!(someone.name.split(' ').count(), 3, "{}", someone.name);
        assert_eq!(someone.phone.len(), 10);
        assert!(someone.phone.starts_with('0'));
        if let Some(email) = &someone.email {
            assert!(email.is_ascii() && email.contains('@'), "{email}");
        }
    }
    // Seed-independent, so that accounts are the same people on every run.
    assert_eq!(person(70, 12), person(70, 12));
    assert_ne!(person(70, 12), person(71, 12));
}

#[test]
fn commune_names_and_numbers_are_unique() {
    let mut names: Vec<&str> = COMMUNE_NAMES.to_vec();
    names.sort();
    names.dedup();
    assert_eq!(names.len(), COMMUNE_NAMES.len());
    assert!(COMMUNE_NAMES.len() >= 99);
    for name in COMMUNE_NAMES {
        let place = Place::parse(name).unwrap_or_else(|| panic!("{name}"));
        assert!(!["Minh Đức", "Tân Khai", "Bình Long"].contains(&place.name));
        assert_eq!(crate::text::clean(name), *name, "NFC");
    }
    let numbers: Vec<u32> = commune_numbers().collect();
    assert_eq!(numbers.len(), 96);
    assert!(numbers
        .iter()
        .all(|n| (1..=99).contains(n) && !(61..=63).contains(n)));
    let _ = Utc.with_ymd_and_hms(2025, 1, 1, 0, 0, 0);
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(12))]

    #[test]
    fn any_seed_gives_stories_the_rules_accept(seed in any::<u64>()) {
        let world = World::new();
        for made in generate(&world, seed, 150) {
            replay(&world, &made);
        }
    }
}
