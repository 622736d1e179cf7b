//! All calendar data of an installation — notices and working hours — and the working calendar
//! of each agency built from it on first use.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use super::notice::{parse_notice, Notice};
use super::worktime::{parse_hours, HoursTable, WorkCalendar, WorkingHours};
use crate::datafile::DataError;

/// The file that holds working hours; every other file is a notice.
pub const HOURS_FILE: &str = "working-hours.toml";

pub struct CalendarSet {
    notices: Vec<Notice>,
    hours: HoursTable,
    cache: Mutex<HashMap<Option<String>, Arc<WorkCalendar>>>,
}

fn base_name(name: &str) -> &str {
    name.rsplit('/').next().unwrap_or(name)
}

impl CalendarSet {
    /// From (name, text) pairs, shipped files first and imported ones after: a later file with
    /// the same base name replaces an earlier one. Every problem of every file is reported.
    pub fn from_files(files: &[(String, String)]) -> Result<CalendarSet, DataError> {
        let mut chosen: Vec<(&str, &str)> = Vec::new();
        for (name, text) in files {
            let base = base_name(name);
            chosen.retain(|(n, _)| base_name(n) != base);
            chosen.push((name, text));
        }
        let mut problems = Vec::new();
        let mut notices = Vec::new();
        let mut hours = HoursTable {
            default: WorkingHours::default(),
            agencies: Default::default(),
        };
        for (name, text) in chosen {
            if base_name(name) == HOURS_FILE {
                match parse_hours(name, text) {
                    Ok(table) => hours = table,
                    Err(e) => problems.extend(e.problems),
                }
            } else {
                match parse_notice(name, text) {
                    Ok(notice) => notices.push(notice),
                    Err(e) => problems.extend(e.problems),
                }
            }
        }
        let set = CalendarSet {
            notices,
            hours,
            cache: Mutex::new(HashMap::new()),
        };
        // Build every calendar once now so that cross-file conflicts surface at load.
        let mut agencies: Vec<Option<String>> = vec![None];
        agencies.extend(
            set.notices
                .iter()
                .filter_map(|n| n.agency.clone())
                .map(Some),
        );
        for agency in agencies {
            if let Err(e) = set.for_agency(agency.as_deref()) {
                problems.extend(e.problems);
            }
        }
        problems.dedup();
        DataError::or_value(problems, set)
    }

    pub fn notices(&self) -> &[Notice] {
        &self.notices
    }

    pub fn hours(&self) -> &HoursTable {
        &self.hours
    }

    /// The calendar of an agency (its own days off and hours), or the nationwide one.
    pub fn for_agency(&self, agency: Option<&str>) -> Result<Arc<WorkCalendar>, DataError> {
        let key = agency.map(str::to_string);
        let mut cache = self.cache.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(calendar) = cache.get(&key) {
            return Ok(calendar.clone());
        }
        let calendar = Arc::new(WorkCalendar::new(
            &self.notices,
            agency,
            self.hours.for_agency(agency).clone(),
        )?);
        cache.insert(key, calendar.clone());
        Ok(calendar)
    }
}
