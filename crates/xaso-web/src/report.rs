//! Reports for leaders: the II.06a periodic report, the plan's targets and the QĐ 766 index, as
//! JSON under `/api/v1/reports/…`, CSV, and the dashboard page `/can-bo/bao-cao`.

use std::sync::OnceLock;

use askama::Template;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};
use xaso_domain::calendar::deadline::to_local;
use xaso_domain::identity::Role;
use xaso_domain::report::{
    evaluate, parse_targets, satisfaction, Classification, Ii06a, Measure, Metric, Period,
    Satisfaction, Scorecard, Summary, Targets,
};
use xaso_store::identity::User;
use xaso_store::{report, StoreError};

use crate::error::{ApiError, PageError};
use crate::identity::CurrentUser;
use crate::pages::{render_status, PageContext};
use crate::AppState;

const TARGETS_FILE: &str = include_str!("../../../data/reports/chi-tieu.toml");

/// The plan's targets and the index weights built into the binary (`data/reports/chi-tieu.toml`).
pub fn targets() -> &'static Targets {
    static TARGETS: OnceLock<Targets> = OnceLock::new();
    TARGETS.get_or_init(|| {
        parse_targets("data/reports/chi-tieu.toml", TARGETS_FILE)
            .expect("data/reports/chi-tieu.toml is checked by the tests")
    })
}

/// A report's scope and period as asked in a query string.
#[derive(Debug, Default, Deserialize, schemars::JsonSchema)]
pub struct ReportQuery {
    /// A commune's agency code; "tinh" for the whole province; the caller's commune by default.
    #[serde(alias = "don-vi")]
    pub agency: Option<String>,
    #[serde(alias = "tu")]
    pub from: Option<String>,
    #[serde(alias = "den")]
    pub to: Option<String>,
}

/// What a report covers.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct Scope {
    /// `None` for the whole province.
    pub agency_code: Option<String>,
    pub name: String,
}

fn bad(message: String) -> StoreError {
    StoreError::Invalid(message)
}

fn parse_date(text: &str, what: &str) -> Result<NaiveDate, StoreError> {
    NaiveDate::parse_from_str(text.trim(), "%Y-%m-%d")
        .map_err(|_| bad(format!("{what} “{text}” phải có dạng YYYY-MM-DD")))
}

/// The period asked for; by default the current quarter up to today.
pub fn period_of(query: &ReportQuery, today: NaiveDate) -> Result<Period, StoreError> {
    let quarter_start =
        NaiveDate::from_ymd_opt(today.year(), (today.month0() / 3) * 3 + 1, 1).unwrap_or(today);
    let from = match query.from.as_deref().filter(|s| !s.trim().is_empty()) {
        Some(text) => parse_date(text, "ngày bắt đầu")?,
        None => quarter_start,
    };
    let to = match query.to.as_deref().filter(|s| !s.trim().is_empty()) {
        Some(text) => parse_date(text, "ngày kết thúc")?,
        None => today,
    };
    if (to - from).num_days() > 366 * 5 {
        return Err(bad("kỳ báo cáo dài quá 5 năm".into()));
    }
    Period::new(from, to).ok_or_else(|| bad("ngày kết thúc trước ngày bắt đầu".into()))
}

/// Which commune (or the province) `user` may see: their own commune; any, or the province,
/// for province viewers and administrators.
pub async fn scope_of(
    state: &AppState,
    user: &User,
    asked: Option<&str>,
) -> Result<Scope, ApiError> {
    let province_wide = user.has_role(Role::ProvinceViewer) || user.has_role(Role::Administrator);
    let mut tx = state.store.read().await?;
    let own = xaso_store::agency::commune_of_user(&mut tx, user).await?;
    let asked = asked.map(str::trim).filter(|a| !a.is_empty());
    let scope = match asked {
        Some("tinh") if province_wide => Scope {
            agency_code: None,
            name: "Toàn tỉnh".into(),
        },
        Some(code) if own.as_ref().is_none_or(|o| o.agency_code != code) => {
            if !province_wide {
                return Err(ApiError::forbidden(
                    "Chỉ xem được báo cáo của xã mình.".to_string(),
                ));
            }
            let commune = xaso_store::agency::commune_of(&mut tx, code)
                .await?
                .ok_or_else(|| ApiError::not_found(format!("Không có xã mã {code}.")))?;
            Scope {
                agency_code: Some(commune.agency_code),
                name: commune.name,
            }
        }
        _ => match own {
            Some(commune) => Scope {
                agency_code: Some(commune.agency_code),
                name: commune.name,
            },
            None if province_wide => Scope {
                agency_code: None,
                name: "Toàn tỉnh".into(),
            },
            None => {
                return Err(ApiError::forbidden(
                    "Tài khoản này không thuộc xã nào.".to_string(),
                ))
            }
        },
    };
    tx.commit().await?;
    Ok(scope)
}

/// Everything a report page needs for one scope and period.
#[derive(Debug, Serialize)]
pub struct Reports {
    pub scope: Scope,
    pub ii06a: Ii06a,
    pub scorecard: Scorecard,
    /// TT 01/2018 indicators and classifications.
    pub satisfaction: Satisfaction,
    /// What the metrics were computed from, to measure any other metric of the same scope.
    #[serde(skip)]
    pub counts: xaso_domain::report::Counts,
    #[serde(skip)]
    pub procedures: Vec<xaso_domain::report::ProcedureFact>,
    #[serde(skip)]
    pub certified_e_copies: u64,
    #[serde(skip)]
    pub paid_online_procedures: Vec<String>,
    #[serde(skip)]
    pub feedback: xaso_domain::report::FeedbackCounts,
}

impl Reports {
    pub fn summary(&self) -> Summary<'_> {
        Summary {
            counts: self.counts,
            totals: self.ii06a.total.clone(),
            procedures: &self.procedures,
            certified_e_copies: self.certified_e_copies,
            paid_online_procedures: self.paid_online_procedures.clone(),
            feedback: self.feedback,
        }
    }
}

pub async fn compute(
    store: &xaso_store::Store,
    scope: Scope,
    period: Period,
) -> Result<Reports, StoreError> {
    // Everything is summed in the database over the kept report facts (see xaso_store::report).
    let mut tx = store.read().await?;
    let agency = scope.agency_code.as_deref();
    let rows = report::ii06a_rows(&mut tx, agency, &period).await?;
    let counts = report::counts(&mut tx, agency, &period).await?;
    let procedures = report::procedure_facts(&mut tx).await?;
    let certified_e_copies = report::certified_e_copies(&mut tx, agency, &period).await?;
    let paid_online_procedures = report::paid_online_procedures(&mut tx, agency, &period).await?;
    let feedback = xaso_store::feedback::feedback_counts(&mut tx, agency, &period).await?;
    tx.commit().await?;
    let ii06a = Ii06a::from_rows(period, rows);
    let summary = Summary {
        counts,
        totals: ii06a.total.clone(),
        procedures: &procedures,
        certified_e_copies,
        paid_online_procedures: paid_online_procedures.clone(),
        feedback,
    };
    let scorecard = evaluate(targets(), &summary, &period);
    Ok(Reports {
        satisfaction: satisfaction(&counts),
        scorecard,
        ii06a,
        scope,
        counts,
        procedures,
        certified_e_copies,
        paid_online_procedures,
        feedback,
    })
}

async fn reports_for(
    state: &AppState,
    user: &User,
    query: &ReportQuery,
) -> Result<Reports, ApiError> {
    let period = period_of(query, to_local(state.now()).date())?;
    let scope = scope_of(state, user, query.agency.as_deref()).await?;
    Ok(compute(&state.store, scope, period).await?)
}

/// `GET /api/v1/reports/ii06a?agency=&from=&to=`
pub async fn ii06a_api(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    Query(query): Query<ReportQuery>,
) -> Result<Json<Ii06aAnswer>, ApiError> {
    let reports = reports_for(&state, &user, &query).await?;
    Ok(Json(Ii06aAnswer {
        scope: reports.scope,
        report: reports.ii06a,
    }))
}

#[derive(Serialize, schemars::JsonSchema)]
pub struct Ii06aAnswer {
    scope: Scope,
    report: Ii06a,
}

#[derive(Serialize, schemars::JsonSchema)]
pub struct TargetsAnswer {
    scope: Scope,
    scorecard: Scorecard,
    satisfaction: Satisfaction,
}

/// `GET /api/v1/reports/targets?agency=&from=&to=`: the plan's targets and the QĐ 766 index.
pub async fn targets_api(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    Query(query): Query<ReportQuery>,
) -> Result<Json<TargetsAnswer>, ApiError> {
    let reports = reports_for(&state, &user, &query).await?;
    Ok(Json(TargetsAnswer {
        scope: reports.scope,
        scorecard: reports.scorecard,
        satisfaction: reports.satisfaction,
    }))
}

/// II.06a as CSV (UTF-8 with a byte-order mark, so that spreadsheet programs read Vietnamese).
pub fn ii06a_csv(report: &Ii06a, scope: &Scope) -> String {
    let mut out = String::from("\u{feff}");
    out.push_str(&format!(
        "\"Báo cáo kết quả giải quyết thủ tục hành chính (mẫu II.06a) — {} — từ {} đến {}\"\n",
        scope.name.replace('"', "\"\""),
        report.period.from.format("%d/%m/%Y"),
        report.period.to.format("%d/%m/%Y")
    ));
    out.push_str("STT,Lĩnh vực,Tổng số nhận,Trực tuyến,Trực tiếp và bưu chính,Từ kỳ trước,Tổng số đã giải quyết,Trước hạn,Đúng hạn,Quá hạn,Tổng số đang giải quyết,Trong hạn,Quá hạn\n");
    for (i, row) in report.rows.iter().chain([&report.total]).enumerate() {
        let number = if i < report.rows.len() {
            (i + 1).to_string()
        } else {
            String::new()
        };
        let columns: Vec<String> = row.columns().iter().map(u64::to_string).collect();
        out.push_str(&format!(
            "{number},\"{}\",{}\n",
            row.field.replace('"', "\"\""),
            columns.join(",")
        ));
    }
    out
}

/// `GET /can-bo/bao-cao/bao-cao.xlsx` (II.06a and the targets), `…/ii06a.pdf` and `…/ii06a.csv`.
pub async fn download(
    State(state): State<AppState>,
    ctx: PageContext,
    axum::extract::Path(file): axum::extract::Path<String>,
    Query(query): Query<ReportQuery>,
) -> Result<Response, PageError> {
    let user = match ctx.require("/can-bo/bao-cao") {
        Ok(user) => user.clone(),
        Err(response) => return Ok(*response),
    };
    if !["bao-cao.xlsx", "ii06a.pdf", "ii06a.csv"].contains(&file.as_str()) {
        return Err(PageError(ApiError::not_found("Không có tệp báo cáo này.")));
    }
    let reports = reports_for(&state, &user, &query)
        .await
        .map_err(PageError)?;
    let period = reports.ii06a.period;
    let stem = format!(
        "bao-cao-{}-{}",
        period.from.format("%Y%m%d"),
        period.to.format("%Y%m%d")
    );
    let (bytes, content_type, name) = if file == "ii06a.csv" {
        (
            ii06a_csv(&reports.ii06a, &reports.scope).into_bytes(),
            "text/csv; charset=utf-8",
            format!("{stem}-ii06a.csv"),
        )
    } else if file == "bao-cao.xlsx" {
        let bytes = xaso_docs::report::reports_xlsx(
            &reports.ii06a,
            &reports.scorecard,
            &reports.scope.name,
        )
        .map_err(|e| PageError(StoreError::Foreign(e).into()))?;
        (
            bytes,
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            format!("{stem}.xlsx"),
        )
    } else {
        let issuer = xaso_docs::forms::Issuer {
            parent: String::new(),
            place: crate::dossier::pages::place_of(&reports.scope.name),
            agency: reports.scope.name.clone(),
        };
        let bytes = xaso_docs::report::ii06a_pdf(
            &reports.ii06a,
            &issuer,
            &crate::dossier::pages::date_words(state.now()),
        );
        (bytes, "application/pdf", format!("{stem}-ii06a.pdf"))
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

/// A target or indicator as the dashboard shows it.
struct Line {
    name: String,
    actual: String,
    threshold: String,
    /// "good", "bad" or "none" (no data): the colour.
    state: &'static str,
    note: String,
}

fn shown_measure(measure: &Measure) -> (String, String) {
    match measure {
        Measure::Rate(rate) => (
            format!("{:.1} %", rate.percent()).replace('.', ","),
            format!("{}/{}", rate.numerator, rate.denominator),
        ),
        Measure::NoData { reason } => ("Chưa có dữ liệu".into(), reason.clone()),
    }
}

struct GroupLine {
    number: u32,
    name: String,
    points: String,
    max: u32,
    max_with_data: u32,
    bar: f64,
}

/// One bar of an SVG chart.
struct Bar {
    label: String,
    value: String,
    x: f64,
    y: f64,
    height: f64,
    fill: &'static str,
}

/// One row of a horizontal bar chart.
struct HBar {
    label: String,
    value: String,
    width: f64,
}

fn hbars(items: Vec<(String, f64, String)>) -> Vec<HBar> {
    let most = items.iter().map(|i| i.1).fold(0.0, f64::max).max(1.0);
    items
        .into_iter()
        .map(|(label, value, shown)| HBar {
            label,
            value: shown,
            width: value / most * 300.0,
        })
        .collect()
}

/// A commune in the province ranking.
struct Ranked {
    name: String,
    points: String,
    max_with_data: u32,
    on_time: String,
}

#[derive(Template)]
#[template(path = "staff_reports.html")]
struct DashboardPage {
    nav: crate::pages::Nav,
    error: Option<String>,
    scope: String,
    from: String,
    to: String,
    targets: Vec<Line>,
    groups: Vec<GroupLine>,
    index_points: String,
    index_max_with_data: u32,
    ii06a: Option<Ii06a>,
    monthly: Vec<Bar>,
    channels: Vec<Bar>,
    late_units: Vec<HBar>,
    late_officers: Vec<HBar>,
    ranking: Vec<Ranked>,
    tt01: Vec<(u8, String, String)>,
    /// The scope's reform plans with their flagged tasks.
    plans: Vec<(String, String, usize)>,
    officials: String,
    agency_class: String,
    query: String,
}

fn points_text(points: f64) -> String {
    format!("{points:.2}").replace('.', ",")
}

/// On-time rate by month of the period's year, up to the period's last month.
async fn monthly_on_time(
    state: &AppState,
    scope: &Scope,
    period: &Period,
) -> Result<Vec<Bar>, StoreError> {
    let year = period.to.year();
    let months: Vec<(u32, Period)> = (1..=period.to.month())
        .filter_map(|month| {
            let first = NaiveDate::from_ymd_opt(year, month, 1)?;
            let last = first
                .checked_add_months(chrono::Months::new(1))?
                .pred_opt()?;
            Some((month, Period::new(first, last)?))
        })
        .collect();
    let periods: Vec<Period> = months.iter().map(|m| m.1).collect();
    let mut tx = state.store.read().await?;
    let tallies =
        report::on_time_by_period(&mut tx, scope.agency_code.as_deref(), &periods).await?;
    let mut bars = Vec::new();
    for ((month, _), (resolved, in_time)) in months.iter().zip(tallies) {
        let percent = (resolved > 0).then(|| in_time as f64 * 100.0 / resolved as f64);
        let height = percent.unwrap_or(0.0) * 1.6;
        bars.push(Bar {
            label: format!("T{month}"),
            value: percent.map_or("–".into(), |p| format!("{p:.0}%")),
            x: 40.0 + f64::from(month - 1) * 44.0,
            y: 180.0 - height,
            height,
            fill: match percent {
                Some(p) if p >= 98.0 => "#1b6e3a",
                Some(_) => "#a4161a",
                None => "#8a8a8a",
            },
        });
    }
    tx.commit().await?;
    Ok(bars)
}

fn channel_bars(report: &Ii06a) -> Vec<Bar> {
    let total = &report.total;
    let values = [
        ("Trực tuyến", total.received_online),
        ("Trực tiếp, bưu chính", total.received_in_person),
        ("Từ kỳ trước", total.carried_over),
    ];
    let most = values.iter().map(|v| v.1).max().unwrap_or(0).max(1) as f64;
    values
        .iter()
        .enumerate()
        .map(|(i, (label, value))| {
            let height = *value as f64 / most * 160.0;
            Bar {
                label: (*label).into(),
                value: value.to_string(),
                x: 40.0 + i as f64 * 150.0,
                y: 180.0 - height,
                height,
                fill: "#1d4e89",
            }
        })
        .collect()
}

/// `GET /can-bo/bao-cao?tu=&den=&don-vi=`: the leaders' dashboard.
pub async fn dashboard(
    State(state): State<AppState>,
    ctx: PageContext,
    Query(query): Query<ReportQuery>,
) -> Result<Response, PageError> {
    let user = match ctx.require("/can-bo/bao-cao") {
        Ok(user) => user.clone(),
        Err(response) => return Ok(*response),
    };
    let mut page = DashboardPage {
        nav: ctx.nav(),
        error: None,
        scope: String::new(),
        from: query.from.clone().unwrap_or_default(),
        to: query.to.clone().unwrap_or_default(),
        targets: Vec::new(),
        groups: Vec::new(),
        index_points: String::new(),
        index_max_with_data: 0,
        ii06a: None,
        monthly: Vec::new(),
        channels: Vec::new(),
        late_units: Vec::new(),
        late_officers: Vec::new(),
        ranking: Vec::new(),
        tt01: Vec::new(),
        plans: Vec::new(),
        officials: String::new(),
        agency_class: String::new(),
        query: String::new(),
    };
    let reports = match reports_for(&state, &user, &query).await {
        Ok(reports) => reports,
        Err(error) if error.status.is_client_error() => {
            let status = error.status;
            page.error = Some(error.message);
            return Ok(ctx.finish(render_status(status, &page)));
        }
        Err(error) => return Err(PageError(error)),
    };
    let period = reports.ii06a.period;
    page.from = period.from.format("%Y-%m-%d").to_string();
    page.to = period.to.format("%Y-%m-%d").to_string();
    page.query = format!(
        "tu={}&den={}&don-vi={}",
        page.from,
        page.to,
        reports.scope.agency_code.as_deref().unwrap_or("tinh")
    );
    page.scope = reports.scope.name.clone();
    page.plans = crate::plan::flagged_by_plan(&state, &reports.scope.name)
        .await
        .map_err(|e| PageError(e.into()))?;
    page.targets = reports
        .scorecard
        .targets
        .iter()
        .map(|t| {
            let (actual, note) = shown_measure(&t.measure);
            Line {
                name: t.name.clone(),
                actual,
                threshold: format!("{} %", t.threshold),
                state: match t.met {
                    Some(true) => "good",
                    Some(false) => "bad",
                    None => "none",
                },
                note,
            }
        })
        .collect();
    page.groups = reports
        .scorecard
        .groups
        .iter()
        .map(|g| GroupLine {
            number: g.number,
            name: g.name.clone(),
            points: points_text(g.points),
            max: g.max,
            max_with_data: g.max_with_data,
            bar: g.points / f64::from(g.max.max(1)) * 300.0,
        })
        .collect();
    page.index_points = points_text(reports.scorecard.index_points);
    page.index_max_with_data = reports.scorecard.index_max_with_data;
    page.monthly = monthly_on_time(&state, &reports.scope, &period)
        .await
        .map_err(|e| PageError(e.into()))?;
    page.channels = channel_bars(&reports.ii06a);
    page.tt01 = reports
        .satisfaction
        .indicators
        .iter()
        .map(|i| {
            (
                i.number,
                i.name.to_string(),
                i.score.map_or_else(
                    || format!("Chưa có dữ liệu ({})", i.reason.unwrap_or("")),
                    |s| format!("{s:.1}").replace('.', ","),
                ),
            )
        })
        .collect();
    let class_text = |c: &Classification| match c {
        Classification::Rated { total, label } => {
            format!("{} điểm — {label}", format!("{total:.1}").replace('.', ","))
        }
        Classification::NoData { missing } => format!(
            "Chưa xếp loại được: thiếu dữ liệu chỉ số {}",
            missing
                .iter()
                .map(u8::to_string)
                .collect::<Vec<_>>()
                .join(", ")
        ),
    };
    page.officials = class_text(&reports.satisfaction.officials);
    page.agency_class = class_text(&reports.satisfaction.agency);
    let mut tx = state.store.read().await.map_err(|e| PageError(e.into()))?;
    let agency = reports.scope.agency_code.as_deref();
    for (by_officer, target) in [
        (false, &mut page.late_units),
        (true, &mut page.late_officers),
    ] {
        let late = report::late_steps(&mut tx, agency, &period, by_officer)
            .await
            .map_err(|e| PageError(e.into()))?;
        *target = hbars(
            late.into_iter()
                .take(10)
                .map(|l| (l.who, l.count as f64, l.count.to_string()))
                .collect(),
        );
    }
    // The province view ranks its communes by their QĐ 766 points, from one pass over the
    // province's sums or facts for each measure (not one report per commune).
    let mut ranking = Vec::new();
    if agency.is_none() {
        let communes = xaso_store::dossier::communes(&mut tx)
            .await
            .map_err(|e| PageError(e.into()))?;
        let counts = report::counts_by_commune(&mut tx, &period)
            .await
            .map_err(|e| PageError(e.into()))?;
        let totals = report::ii06a_totals_by_commune(&mut tx, &period)
            .await
            .map_err(|e| PageError(e.into()))?;
        let procedures = report::procedure_facts(&mut tx)
            .await
            .map_err(|e| PageError(e.into()))?;
        let certified = report::certified_e_copies_by_commune(&mut tx, &period)
            .await
            .map_err(|e| PageError(e.into()))?;
        let mut paid_online = report::paid_online_procedures_by_commune(&mut tx, &period)
            .await
            .map_err(|e| PageError(e.into()))?;
        let feedback = xaso_store::feedback::feedback_counts_by_agency(&mut tx, &period)
            .await
            .map_err(|e| PageError(e.into()))?;
        for commune in communes {
            let certified_e_copies = certified.get(&commune.agency_code).copied().unwrap_or(0);
            let paid_online_procedures = paid_online.remove(&commune.id).unwrap_or_default();
            let feedback = feedback.get(&commune.id).copied().unwrap_or_default();
            let summary = Summary {
                counts: counts.get(&commune.id).copied().unwrap_or_default(),
                totals: totals.get(&commune.id).cloned().unwrap_or_default(),
                procedures: &procedures,
                certified_e_copies,
                paid_online_procedures,
                feedback,
            };
            let card = evaluate(targets(), &summary, &period);
            let on_time = card
                .targets
                .iter()
                .find(|t| t.metric == Metric::OnTime)
                .map(|t| shown_measure(&t.measure).0)
                .unwrap_or_default();
            ranking.push((
                card.index_points,
                commune.name,
                card.index_max_with_data,
                on_time,
            ));
        }
    }
    tx.commit().await.map_err(|e| PageError(e.into()))?;
    ranking.sort_by(|a, b| b.0.total_cmp(&a.0).then_with(|| a.1.cmp(&b.1)));
    page.ranking = ranking
        .into_iter()
        .map(|(points, name, max_with_data, on_time)| Ranked {
            name,
            points: points_text(points),
            max_with_data,
            on_time,
        })
        .collect();
    page.ii06a = Some(reports.ii06a);
    Ok(ctx.finish(render_status(StatusCode::OK, &page)))
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_built_in_targets_file_is_valid() {
        let targets = super::targets();
        assert_eq!(targets.groups.iter().map(|g| g.max).sum::<u32>(), 100);
        assert!(targets.targets.len() >= 10);
    }
}
