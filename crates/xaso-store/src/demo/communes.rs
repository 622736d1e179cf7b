//! The demo province's communes: those already there (the seed's xã Minh Đức, Tân Khai,
//! phường Bình Long, and any generated before), then new ones up to the number asked, each a
//! commune-level agency under the province with its one-stop centre, named from the list and
//! coded by the scheme of `data/demo/agencies.toml` (Y1Y2 = the commune's number); a counter
//! officer, a specialist and a leader for each (the commune's own when it has them); and the
//! citizen accounts that submit online.

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Utc};
use uuid::Uuid;
use xaso_domain::demo::{commune_numbers, person, Place, COMMUNE_NAMES};
use xaso_domain::identity::Role;

use super::table::{Rows, Spec, Value};
use crate::agency::{self, Agency};
use crate::audit::Actor;
use crate::identity::{self, NewUser};
use crate::{db, new_id, StoreError, Tx};

/// An officer as history rows name them.
#[derive(Debug, Clone)]
pub(crate) struct Officer {
    pub id: Uuid,
    pub name: String,
    pub agency_code: String,
}

#[derive(Debug, Clone)]
pub(crate) struct Commune {
    pub id: Uuid,
    pub code: String,
    /// Y1Y2 of the code: names its accounts (`motcua.x064`).
    pub number: u32,
    /// "xã Tân Hòa", as addresses write it.
    pub place: String,
    pub ward: bool,
    /// The one-stop centre that receives (and gives dossier codes their prefix).
    pub centre_id: Uuid,
    pub centre_code: String,
    pub counter: Officer,
    pub specialist: Officer,
    pub leader: Officer,
}

/// What setting up the communes did.
pub(crate) struct Setup {
    pub communes: Vec<Commune>,
    pub created: usize,
    pub officers_created: usize,
}

fn number_of(code: &str) -> Option<u32> {
    code.split('.').nth(2).and_then(|n| n.parse().ok())
}

fn commune_code(number: u32, suffix: &str) -> String {
    format!("000.00.{number:02}.{suffix}")
}

fn centre_code(number: u32, suffix: &str) -> String {
    format!("000.04.{number:02}.{suffix}")
}

/// The communes to generate for: the first `wanted` of the province's (by code), created when
/// missing. Idempotent: a second run finds the communes and officers of the first.
pub(crate) async fn ensure(
    tx: &mut Tx,
    wanted: usize,
    password_hash: &str,
    now: DateTime<Utc>,
) -> Result<Setup, StoreError> {
    let actor = Actor::system("xaso demo generate");
    let mut all = agency::list(tx).await?;
    let Some(province) = all.iter().find(|a| a.kind == "province").cloned() else {
        return Err(StoreError::Invalid(
            "chưa có đơn vị cấp tỉnh để thêm xã: cơ sở dữ liệu cần dữ liệu mẫu (khởi động lần đầu không có --no-demo)".into(),
        ));
    };
    let suffix = province
        .agency_code
        .rsplit('.')
        .next()
        .unwrap_or_default()
        .to_string();
    let mut communes: Vec<Agency> = all
        .iter()
        .filter(|a| a.kind == "commune" && a.parent_id == Some(province.id))
        .cloned()
        .collect();
    communes.sort_by(|a, b| a.agency_code.cmp(&b.agency_code));
    communes.truncate(wanted);
    let mut created = 0;
    if communes.len() < wanted {
        let codes: HashSet<String> = all.iter().map(|a| a.agency_code.clone()).collect();
        let used: HashSet<u32> = all
            .iter()
            .filter(|a| a.agency_code.ends_with(&suffix))
            .filter_map(|a| number_of(&a.agency_code))
            .collect();
        let names: HashSet<String> = all.iter().map(|a| a.name.clone()).collect();
        let mut numbers = commune_numbers().filter(|n| {
            !used.contains(n)
                && !codes.contains(&commune_code(*n, &suffix))
                && !codes.contains(&centre_code(*n, &suffix))
        });
        let mut places = COMMUNE_NAMES
            .iter()
            .filter_map(|n| Place::parse(n))
            .filter(|p| !names.contains(&format!("UBND {}", p.lower())));
        while communes.len() < wanted {
            let (Some(number), Some(place)) = (numbers.next(), places.next()) else {
                return Err(StoreError::Invalid(format!(
                    "không thêm được xã thứ {}: mã định danh cấp 2 (Y1Y2) chỉ có hai chữ số, nên một tỉnh có tối đa 99 xã, phường",
                    communes.len() + 1
                )));
            };
            let commune = Agency {
                id: new_id(),
                parent_id: Some(province.id),
                kind: "commune".into(),
                name: format!("UBND {}", place.lower()),
                // Constructed, like the demo's: 5 digits, clear of the real ones it lists.
                admin_unit_code: Some(format!("{}", 25_000 + number * 10)),
                agency_code: commune_code(number, &suffix),
                unverified: "admin_unit_code,agency_code,name".into(),
            };
            agency::insert(tx, &commune, now, &actor).await?;
            let centre = Agency {
                id: new_id(),
                parent_id: Some(commune.id),
                kind: "centre".into(),
                name: format!("Trung tâm Phục vụ hành chính công {}", place.lower()),
                admin_unit_code: None,
                agency_code: centre_code(number, &suffix),
                unverified: "agency_code,name".into(),
            };
            agency::insert(tx, &centre, now, &actor).await?;
            all.push(centre);
            communes.push(commune);
            created += 1;
        }
    }
    let mut officers_created = 0;
    let mut out = Vec::with_capacity(communes.len());
    let existing = officers(tx).await?;
    for commune in communes {
        let number = number_of(&commune.agency_code).unwrap_or(0);
        let centre = all
            .iter()
            .filter(|a| a.kind == "centre" && a.parent_id == Some(commune.id))
            .min_by_key(|a| !a.name.contains("Phục vụ hành chính công"))
            .cloned()
            .unwrap_or_else(|| commune.clone());
        let name = commune
            .name
            .strip_prefix("UBND ")
            .unwrap_or(&commune.name)
            .to_string();
        let ward = name.starts_with("phường");
        let mut staff = Vec::new();
        for (k, (role, login, agency)) in [
            (Role::CounterOfficer, "motcua", &centre),
            (Role::Specialist, "chuyenvien", &commune),
            (Role::Leader, "lanhdao", &commune),
        ]
        .into_iter()
        .enumerate()
        {
            let found = existing
                .iter()
                .find(|o| o.role == role && o.commune == commune.id)
                .map(|o| o.officer.clone());
            let officer = match found {
                Some(officer) => officer,
                None => {
                    let user = identity::create_user(
                        tx,
                        NewUser {
                            username: format!("{login}.x{number:03}"),
                            full_name: person(number, 900_000 + k as u32).name,
                            agency_code: Some(agency.agency_code.clone()),
                            roles: vec![role],
                            password_hash: Some(password_hash.to_string()),
                            must_change_password: false,
                        },
                        now,
                        &actor,
                    )
                    .await?;
                    officers_created += 1;
                    Officer {
                        id: user.id,
                        name: user.full_name,
                        agency_code: agency.agency_code.clone(),
                    }
                }
            };
            staff.push(officer);
        }
        let [counter, specialist, leader]: [Officer; 3] = staff
            .try_into()
            .map_err(|_| StoreError::Invalid("thiếu cán bộ của xã".into()))?;
        out.push(Commune {
            id: commune.id,
            code: commune.agency_code.clone(),
            number,
            place: name,
            ward,
            centre_id: centre.id,
            centre_code: centre.agency_code.clone(),
            counter,
            specialist,
            leader,
        });
    }
    Ok(Setup {
        communes: out,
        created,
        officers_created,
    })
}

struct Found {
    role: Role,
    commune: Uuid,
    officer: Officer,
}

/// The active officers with the roles the generator needs, and the commune each works in (their
/// agency, or its parent), first by user name.
async fn officers(tx: &mut Tx) -> Result<Vec<Found>, StoreError> {
    #[derive(sqlx::FromRow)]
    struct Row {
        id: Uuid,
        full_name: String,
        agency_code: String,
        agency_id: Uuid,
        kind: String,
        parent_id: Option<Uuid>,
        role: String,
    }
    let rows: Vec<Row> = db!(tx.conn(), |c| {
        sqlx::query_as(
            "SELECT u.id, u.full_name, a.agency_code, a.id AS agency_id, a.kind, a.parent_id, r.role
             FROM users u JOIN user_roles r ON r.user_id = u.id JOIN agencies a ON a.id = u.agency_id
             WHERE NOT u.disabled AND r.role IN ('counter_officer', 'specialist', 'leader')
             ORDER BY u.username",
        )
        .fetch_all(&mut *c)
        .await
    })?;
    Ok(rows
        .into_iter()
        .filter_map(|row| {
            let commune = if row.kind == "commune" {
                Some(row.agency_id)
            } else {
                row.parent_id
            }?;
            Some(Found {
                role: Role::parse(&row.role)?,
                commune,
                officer: Officer {
                    id: row.id,
                    name: row.full_name,
                    agency_code: row.agency_code,
                },
            })
        })
        .collect())
}

static USERS: Spec = Spec {
    name: "users",
    columns: &[
        "id",
        "username",
        "full_name",
        "agency_id",
        "password_hash",
        "must_change_password",
        "disabled",
        "created_at",
        "updated_at",
    ],
};

static USER_ROLES: Spec = Spec {
    name: "user_roles",
    columns: &["user_id", "role"],
};

/// The citizen accounts that submit a commune's online dossiers: `congdan.x064.00001` … for
/// the commune's people 0, 1, … (`xaso_domain::demo::person`, named alike on every run), with
/// the demo password. Returns their ids by person; creates the missing ones in bulk (covered by
/// the run's audit row). Returns how many were created too.
pub(crate) async fn citizen_accounts(
    tx: &mut Tx,
    commune: &Commune,
    count: u32,
    password_hash: &str,
    now: DateTime<Utc>,
) -> Result<(Vec<Uuid>, usize), StoreError> {
    let prefix = format!("congdan.x{:03}.", commune.number);
    let known: Vec<(Uuid, String)> = db!(tx.conn(), |c| {
        sqlx::query_as("SELECT id, username FROM users WHERE username LIKE $1")
            .bind(format!("{prefix}%"))
            .fetch_all(&mut *c)
            .await
    })?;
    let known: HashMap<String, Uuid> = known.into_iter().map(|(id, u)| (u, id)).collect();
    let backend = match tx.conn() {
        crate::Conn::Sqlite(_) => crate::Backend::Sqlite,
        crate::Conn::Postgres(_) => crate::Backend::Postgres,
    };
    let mut users = Rows::new(&USERS, backend, count as usize);
    let mut roles = Rows::new(&USER_ROLES, backend, count as usize);
    let mut ids = Vec::with_capacity(count as usize);
    for index in 0..count {
        let username = format!("{prefix}{:05}", index + 1);
        if let Some(id) = known.get(&username) {
            ids.push(*id);
            continue;
        }
        let id = new_id();
        users.push(vec![
            id.into(),
            username.into(),
            person(commune.number, index).name.into(),
            Value::Null,
            password_hash.into(),
            false.into(),
            false.into(),
            now.into(),
            now.into(),
        ])?;
        roles.push(vec![id.into(), Role::Citizen.as_str().into()])?;
        ids.push(id);
    }
    let created = users.count;
    users.write(tx).await?;
    roles.write(tx).await?;
    Ok((ids, created))
}
