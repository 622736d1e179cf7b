//! The periodic report on a plan (quarter, six months, year), drafted from the system's figures
//! as of the span's end, as DOCX for officials to finish in Word, or as PDF.

use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use xaso_domain::calendar::deadline::to_local;
use xaso_domain::plan::progress::{quarter_end, Status};
use xaso_store::{Store, StoreError};

use super::workspace::{decimal, TargetState, Workspace};
use super::{area_lines, load, task_lines};
use crate::dossier::pages::{page_error, staff};
use crate::error::{ApiError, PageError};
use crate::pages::PageContext;
use crate::AppState;

/// The span of a periodic report: a quarter (1–4), the first six months, or the year.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReportSpan {
    Quarter(u8),
    FirstHalf,
    Year,
}

impl ReportSpan {
    pub fn parse(text: &str) -> Option<ReportSpan> {
        match text.trim().to_ascii_lowercase().as_str() {
            "q1" => Some(ReportSpan::Quarter(1)),
            "q2" => Some(ReportSpan::Quarter(2)),
            "q3" => Some(ReportSpan::Quarter(3)),
            "q4" => Some(ReportSpan::Quarter(4)),
            "h1" | "6-thang" => Some(ReportSpan::FirstHalf),
            "year" | "nam" => Some(ReportSpan::Year),
            _ => None,
        }
    }

    fn last_quarter(self) -> u8 {
        match self {
            ReportSpan::Quarter(q) => q,
            ReportSpan::FirstHalf => 2,
            ReportSpan::Year => 4,
        }
    }

    fn label(self, year: i32) -> String {
        let roman = ["I", "II", "III", "IV"];
        match self {
            ReportSpan::Quarter(q) => {
                format!("quý {} năm {year}", roman[usize::from(q.clamp(1, 4) - 1)])
            }
            ReportSpan::FirstHalf => format!("6 tháng đầu năm {year}"),
            ReportSpan::Year => format!("năm {year}"),
        }
    }
}

/// The inspections carried out by `end`: the summary sentence and one row per inspection.
fn inspections_as_of(work: &Workspace, end: chrono::NaiveDate) -> (String, Vec<[String; 5]>) {
    let done: Vec<_> = work
        .inspections
        .iter()
        .filter(|i| {
            i.done()
                .is_some_and(|d| d <= end && chrono::Datelike::year(&d) == work.plan.header.year)
        })
        .collect();
    let rows: Vec<[String; 5]> = done
        .iter()
        .map(|i| {
            let mine: Vec<_> = work
                .findings
                .iter()
                .filter(|f| f.inspection_id == i.id)
                .collect();
            let closed = mine
                .iter()
                .filter(|f| f.closed().is_some_and(|c| c <= end))
                .count();
            [
                work.unit_name(&i.unit_code),
                i.done()
                    .map_or_else(String::new, |d| d.format("%d/%m/%Y").to_string()),
                if i.digital {
                    "Qua môi trường số"
                } else {
                    "Trực tiếp"
                }
                .to_string(),
                mine.len().to_string(),
                closed.to_string(),
            ]
        })
        .collect();
    let findings: usize = rows.iter().filter_map(|r| r[3].parse::<usize>().ok()).sum();
    let closed: usize = rows.iter().filter_map(|r| r[4].parse::<usize>().ok()).sum();
    let units: std::collections::BTreeSet<&str> =
        done.iter().map(|i| i.unit_code.as_str()).collect();
    let summary = if done.is_empty() {
        "Trong kỳ chưa thực hiện cuộc kiểm tra cải cách hành chính nào.".to_string()
    } else {
        format!(
            "Đã kiểm tra {} lượt tại {}/{} đơn vị ({} qua môi trường số); phát hiện {findings} tồn tại, hạn chế, đã khắc phục {closed}.",
            done.len(),
            units.len(),
            work.units.len(),
            done.iter().filter(|i| i.digital).count()
        )
    };
    (summary, rows)
}

/// The periodic report of a plan: targets year to date, task progress by area from the reports
/// up to the span, the tasks flagged at its end, the inspections carried out by then.
pub async fn periodic_report(
    store: &Store,
    id: &str,
    span: ReportSpan,
    today: chrono::NaiveDate,
) -> Result<xaso_docs::plan::PlanReport, StoreError> {
    let work = Workspace::load(store, id).await?;
    let year = work.plan.header.year;
    let last = span.last_quarter();
    let end = quarter_end(year, last)
        .ok_or_else(|| StoreError::Invalid(format!("năm {year} không hợp lệ")))?;
    // Flags are as of the day after the span, counting its reports only.
    let as_of = end.succ_opt().unwrap_or(end);
    let lines = task_lines(&work, as_of, last);
    let values = work.values_as_of(store, last).await?;
    let targets = work
        .plan
        .targets
        .iter()
        .zip(&values)
        .map(|(t, state)| {
            let (actual, verdict) = match state {
                TargetState::Measured(xaso_domain::report::Measure::NoData { reason }) => {
                    ("Chưa có dữ liệu".to_string(), reason.clone())
                }
                TargetState::NotEntered => (
                    "[Đơn vị nhập]".to_string(),
                    "Chưa nhập số liệu theo dõi".to_string(),
                ),
                other => (
                    format!(
                        "{}{}",
                        other.actual().map(decimal).unwrap_or_default(),
                        if t.unit == "%" {
                            "%".to_string()
                        } else {
                            format!(" {}", t.unit)
                        }
                    ),
                    other.verdict(t).unwrap_or_default().to_string(),
                ),
            };
            [
                t.text.clone(),
                format!("{} {}", t.value, t.unit),
                actual,
                verdict,
            ]
        })
        .collect();
    let areas = area_lines(&work.plan, &lines)
        .iter()
        .map(|a| {
            let mine: Vec<_> = lines.iter().filter(|t| t.area == a.number).collect();
            let count = |label: &str| {
                mine.iter()
                    .filter(|t| t.status == label)
                    .count()
                    .to_string()
            };
            [
                format!("{}. {}", a.number, a.name),
                a.tasks.to_string(),
                a.done.to_string(),
                count(Status::InProgress.label()),
                count("Chưa báo cáo"),
                a.flagged.to_string(),
            ]
        })
        .collect();
    let late = lines
        .iter()
        .filter(|t| !t.flags.is_empty())
        .map(|t| {
            [
                t.number.clone(),
                t.activity.clone(),
                t.lead.clone(),
                t.flags.join("; "),
            ]
        })
        .collect();
    let (inspections, inspection_rows) = inspections_as_of(&work, end);
    let h = &work.plan.header;
    Ok(xaso_docs::plan::PlanReport {
        agency: h.agency.clone(),
        place: crate::dossier::pages::place_of(&h.agency),
        date_line: crate::dossier::pages::date_words(xaso_domain::calendar::deadline::from_local(
            today.and_time(chrono::NaiveTime::MIN),
        )),
        period: span.label(year),
        plan: format!(
            "Kế hoạch số {} ngày {}",
            h.number,
            h.date.format("%d/%m/%Y")
        ),
        targets,
        areas,
        late,
        inspections,
        inspection_rows,
    })
}

#[derive(Debug, Deserialize)]
pub struct ReportQuery {
    /// q1–q4, h1, year.
    #[serde(rename = "ky")]
    span: Option<String>,
}

/// `GET /can-bo/ke-hoach/{id}/bao-cao.docx?ky=q3` (or `bao-cao.pdf`): the periodic report, to
/// finish in Word or to print.
pub async fn report_download(
    State(state): State<AppState>,
    ctx: PageContext,
    Path((id, file)): Path<(String, String)>,
    Query(query): Query<ReportQuery>,
) -> Result<Response, PageError> {
    if let Err(response) = staff(&ctx, &format!("/can-bo/ke-hoach/{id}")) {
        return Ok(*response);
    }
    let work = load(&state, &id).await?;
    let span_text = query.span.unwrap_or_else(|| "year".into());
    let span = ReportSpan::parse(&span_text).ok_or_else(|| {
        PageError(ApiError::bad_request(
            "Kỳ báo cáo là q1, q2, q3, q4, h1 (6 tháng) hoặc year (cả năm).",
        ))
    })?;
    let today = to_local(state.now()).date();
    let data = periodic_report(&state.store, &id, span, today)
        .await
        .map_err(page_error)?;
    let stem = format!(
        "bao-cao-{}-{}",
        work.plan.header.id,
        span_text.to_ascii_lowercase()
    );
    let (bytes, content_type, name) = match file.as_str() {
        "bao-cao.docx" => (
            xaso_docs::plan::plan_report_docx(&data)
                .map_err(|e| page_error(StoreError::Foreign(e)))?,
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
            format!("{stem}.docx"),
        ),
        "bao-cao.pdf" => (
            xaso_docs::plan::plan_report_pdf(&data),
            "application/pdf",
            format!("{stem}.pdf"),
        ),
        _ => return Err(PageError(ApiError::not_found("Không có tệp này."))),
    };
    Ok(ctx.finish(
        (
            [
                (axum::http::header::CONTENT_TYPE, content_type.to_string()),
                (
                    axum::http::header::CONTENT_DISPOSITION,
                    format!("attachment; filename=\"{name}\""),
                ),
            ],
            bytes,
        )
            .into_response(),
    ))
}
