//! Administration pages (minimal but real): agencies, users and roles, procedures, the calendar.

use askama::Template;
use axum::extract::{Path, State};
use axum::response::Response;
use chrono::Datelike;
use xaso_domain::calendar::worktime::DayKind;
use xaso_domain::calendar::{describe_date, CalendarError};
use xaso_store::agency::Agency;
use xaso_store::catalog::{ProcedureSummary, SearchQuery};

use crate::error::{ApiError, PageError};
use crate::pages::{render, Nav, PageContext};
use crate::AppState;

/// The signed-in administrator (the routes' policy lets nobody else through).
fn administrator(ctx: &PageContext, back_to: &str) -> Result<(), Box<Response>> {
    ctx.require(back_to).map(|_| ())
}

#[derive(Template)]
#[template(path = "admin.html")]
struct AdminPage {
    nav: Nav,
    year: i32,
    agencies: Vec<Agency>,
    users: Vec<(String, String, String, String, &'static str)>,
    procedures: Vec<ProcedureSummary>,
}

/// `GET /quan-tri`
pub async fn overview(
    State(state): State<AppState>,
    ctx: PageContext,
) -> Result<Response, PageError> {
    if let Err(response) = administrator(&ctx, "/quan-tri") {
        return Ok(*response);
    }
    let fail = |e: xaso_store::StoreError| PageError(e.into());
    let mut tx = state.store.read().await.map_err(fail)?;
    let agencies = xaso_store::agency::list(&mut tx).await.map_err(fail)?;
    let users = xaso_store::identity::list_users(&mut tx)
        .await
        .map_err(fail)?
        .into_iter()
        .map(|u| {
            let roles: Vec<&str> = u.roles.iter().map(|r| r.label()).collect();
            (
                u.username,
                u.full_name,
                u.agency_code.unwrap_or_default(),
                roles.join(", "),
                if u.disabled {
                    "Đã khóa"
                } else {
                    "Hoạt động"
                },
            )
        })
        .collect();
    let procedures = xaso_store::catalog::search(
        &mut tx,
        &SearchQuery {
            page: 1,
            per_page: 100,
            ..Default::default()
        },
    )
    .await
    .map_err(fail)?
    .items;
    let year = xaso_domain::calendar::deadline::to_local(state.now()).year();
    Ok(ctx.finish(render(&AdminPage {
        nav: ctx.nav(),
        year,
        agencies,
        users,
        procedures,
    })))
}

#[derive(Template)]
#[template(path = "admin_reset.html")]
struct ResetPage {
    nav: Nav,
    username: String,
    /// The one-time password, shown this once.
    password: Option<String>,
    message: String,
}

#[derive(serde::Deserialize)]
pub struct ResetForm {
    csrf: String,
    /// `password`: a new one-time password; `second_factor`: turn the second factor off.
    what: String,
}

/// `POST /quan-tri/nguoi-dung/{username}/dat-lai`: an administrator resets someone's password
/// (a one-time password shown once, to be changed at the next sign-in; sessions and tokens end)
/// or turns their second factor off. Both audited under the administrator's name.
pub async fn reset(
    State(state): State<AppState>,
    ctx: PageContext,
    Path(username): Path<String>,
    axum::Form(form): axum::Form<ResetForm>,
) -> Result<Response, PageError> {
    if let Err(response) = administrator(&ctx, "/quan-tri") {
        return Ok(*response);
    }
    ctx.check(&form.csrf)?;
    let admin = ctx.user.clone().expect("an administrator is signed in");
    let actor = xaso_store::audit::Actor::user(admin.id, &admin.username);
    let fail = |e: xaso_store::StoreError| PageError(e.into());
    let now = state.now();
    let (password, message) = match form.what.as_str() {
        "password" => {
            let password = xaso_store::identity::generate_password();
            let hash = xaso_store::identity::hash_password(password.clone())
                .await
                .map_err(fail)?;
            let mut tx = state.store.begin().await.map_err(fail)?;
            xaso_store::identity::set_password(&mut tx, &username, &hash, true, now, &actor)
                .await
                .map_err(fail)?;
            tx.commit().await.map_err(fail)?;
            (
                Some(password),
                "Đã đặt mật khẩu dùng một lần; người dùng phải đổi ở lần đăng nhập tới. Các phiên và mã truy cập cũ đã hết hiệu lực.".to_string(),
            )
        }
        "second_factor" => {
            let mut tx = state.store.begin().await.map_err(fail)?;
            xaso_store::identity::totp::reset(&mut tx, &username, now, &actor)
                .await
                .map_err(fail)?;
            tx.commit().await.map_err(fail)?;
            (None, "Đã tắt xác thực hai bước của tài khoản.".to_string())
        }
        other => {
            return Err(PageError(ApiError::bad_request(format!(
                "thao tác “{other}” không có"
            ))))
        }
    };
    Ok(ctx.finish(render(&ResetPage {
        nav: ctx.nav(),
        username,
        password,
        message,
    })))
}

#[derive(Template)]
#[template(path = "admin_calendar.html")]
struct CalendarPage {
    nav: Nav,
    year: i32,
    hours: String,
    days: Vec<(String, &'static str, String, String)>,
}

/// `GET /quan-tri/lich/{year}`: every weekday off and worked weekend day, with its reason.
pub async fn calendar(
    State(state): State<AppState>,
    ctx: PageContext,
    Path(year): Path<String>,
) -> Result<Response, PageError> {
    if let Err(response) = administrator(&ctx, &format!("/quan-tri/lich/{year}")) {
        return Ok(*response);
    }
    let year: i32 = year
        .parse()
        .map_err(|_| PageError(ApiError::bad_request(format!("năm “{year}” không hợp lệ"))))?;
    let calendar = state
        .rules
        .calendars
        .for_agency(None)
        .map_err(|e| PageError(ApiError::bad_request(e.to_string())))?;
    let days = calendar
        .exceptions(year)
        .map_err(|e: CalendarError| PageError(e.into()))?
        .into_iter()
        .map(|d| {
            let kind = match d.kind {
                DayKind::Holiday { .. } => "Nghỉ lễ",
                DayKind::Substitute { .. } => "Nghỉ bù",
                DayKind::DayOff => "Nghỉ",
                DayKind::WorkingWeekend => "Làm việc",
                DayKind::Working | DayKind::WeeklyRest => "",
            };
            (describe_date(d.date), kind, d.reason, d.source)
        })
        .collect();
    let page = CalendarPage {
        nav: ctx.nav(),
        year,
        hours: calendar.hours().describe(),
        days,
    };
    Ok(ctx.finish(render(&page)))
}
