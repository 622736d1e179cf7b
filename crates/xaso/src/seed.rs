//! What a new installation starts with: the shipped catalog and an administrator, and — unless
//! turned off — the demo agencies of xã Minh Đức and an account for each role. Loaded in one
//! transaction, exactly once per database, even when several instances start together.

use anyhow::Context;
use chrono::{DateTime, Utc};
use xaso_domain::agency::parse_agencies;
use xaso_domain::catalog::{parse_catalog, Procedure};
use xaso_domain::identity::Role;
use xaso_store::audit::Actor;
use xaso_store::dossier::DossierRules;
use xaso_store::identity::{self, NewUser};
use xaso_store::{agency, catalog, meta, Store};

use crate::embedded;

/// Every procedure of the shipped catalog files, validated.
pub fn shipped_catalog() -> anyhow::Result<Vec<Procedure>> {
    let mut all = Vec::new();
    for (name, text) in embedded::CATALOG {
        all.extend(parse_catalog(name, text)?);
    }
    Ok(all)
}

/// The demo accounts: user name, full name, role, agency key in `data/demo/agencies.toml`.
const DEMO_USERS: &[(&str, &str, Role, Option<&str>)] = &[
    (
        "motcua",
        "Nguyễn Thị Hương",
        Role::CounterOfficer,
        Some("minh-duc-pvhcc"),
    ),
    (
        "chuyenvien",
        "Trần Văn Minh",
        Role::Specialist,
        Some("minh-duc-vp"),
    ),
    ("lanhdao", "Lê Văn Đức", Role::Leader, Some("minh-duc")),
    (
        "cchc",
        "Phạm Thị Lan",
        Role::ReformCoordinator,
        Some("minh-duc-vhxh"),
    ),
    (
        "tinh",
        "Hoàng Văn Nam",
        Role::ProvinceViewer,
        Some("dong-nai"),
    ),
    ("congdan", "Võ Thị Mai", Role::Citizen, None),
    (
        "motcua.tk",
        "Đặng Thị Thu",
        Role::CounterOfficer,
        Some("tan-khai-pvhcc"),
    ),
    (
        "chuyenvien.tk",
        "Bùi Văn Tâm",
        Role::Specialist,
        Some("tan-khai-pvhcc"),
    ),
    (
        "lanhdao.tk",
        "Phan Văn Khải",
        Role::Leader,
        Some("tan-khai"),
    ),
];

/// What the first start created, to be shown once.
pub struct FirstStart {
    pub admin_password: String,
    /// The password of the demo accounts (none without demo data).
    pub demo_password: Option<String>,
    pub demo_users: Vec<&'static str>,
    pub procedures: usize,
    pub dossiers: usize,
}

/// Loads the initial data if this database has never had it; `None` when it already had.
pub async fn load_once(
    store: &Store,
    rules: &DossierRules,
    with_demo: bool,
    now: DateTime<Utc>,
) -> anyhow::Result<Option<FirstStart>> {
    let procedures = shipped_catalog()?;
    // The administrator and the demo accounts get different passwords: whoever is given a demo
    // account to try the system must not hold the administrator's password too.
    let password = identity::generate_password();
    let hash = identity::hash_password(password.clone()).await?;
    let demo_password = identity::generate_password();
    let demo_hash = identity::hash_password(demo_password.clone()).await?;
    let actor = Actor::system("khởi tạo");

    let mut tx = store.begin().await?;
    if !meta::claim(&mut tx, "initialized", &now.to_rfc3339()).await? {
        return Ok(None);
    }
    catalog::import(&mut tx, &procedures, "data/catalog", now, &actor).await?;
    let mut demo_users = Vec::new();
    let mut users = std::collections::HashMap::new();
    let mut dossiers = 0;
    let mut admin_agency = None;
    if with_demo {
        let mut specs = Vec::new();
        for (name, text) in embedded::DEMO
            .iter()
            .filter(|(n, _)| n.ends_with("agencies.toml"))
        {
            specs.extend(parse_agencies(name, text)?);
        }
        let created = agency::insert_tree(&mut tx, &specs, now, &actor).await?;
        let code_of = |key: &str| {
            specs
                .iter()
                .position(|s| s.key == key)
                .map(|i| created[i].agency_code.clone())
        };
        admin_agency = created.first().map(|a| a.agency_code.clone());
        for (username, full_name, role, agency_key) in DEMO_USERS {
            let agency_code = match agency_key {
                Some(key) => {
                    Some(code_of(key).with_context(|| format!("demo agency {key} is missing"))?)
                }
                None => None,
            };
            let user = identity::create_user(
                &mut tx,
                NewUser {
                    username: username.to_string(),
                    full_name: full_name.to_string(),
                    agency_code,
                    roles: vec![*role],
                    password_hash: Some(demo_hash.clone()),
                    // Demo accounts are for trying the system; start with --no-demo for real use.
                    must_change_password: false,
                },
                now,
                &actor,
            )
            .await?;
            users.insert(username.to_string(), user);
            demo_users.push(*username);
        }
        dossiers = crate::demo::make(&mut tx, rules, &users, now).await?;
        crate::demo::citizen_profile(&mut tx, rules, &users, now).await?;
        meta::set(&mut tx, "demo_loaded", &now.to_rfc3339()).await?;
    }
    identity::create_user(
        &mut tx,
        NewUser {
            username: "admin".into(),
            full_name: "Quản trị hệ thống".into(),
            agency_code: admin_agency,
            roles: vec![Role::Administrator],
            password_hash: Some(hash),
            must_change_password: true,
        },
        now,
        &actor,
    )
    .await?;
    tx.commit().await?;
    Ok(Some(FirstStart {
        admin_password: password,
        demo_password: (!demo_users.is_empty()).then_some(demo_password),
        demo_users,
        procedures: procedures.len(),
        dossiers,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shipped_data_is_valid() {
        let procedures = shipped_catalog().unwrap_or_else(|e| panic!("{e}"));
        assert!(
            procedures.len() >= 28,
            "only {} procedures",
            procedures.len()
        );
        for code in [
            "1.001193", "1.000894", "1.000656", "1.004873", "1.004859", "2.000635", "2.000815",
            "2.000884",
        ] {
            assert!(procedures.iter().any(|p| p.code == code), "{code} missing");
        }
        let mut codes: Vec<&str> = procedures.iter().map(|p| p.code.as_str()).collect();
        codes.sort();
        codes.dedup();
        assert_eq!(
            codes.len(),
            procedures.len(),
            "a code is repeated across files"
        );
        let (name, text) = embedded::DEMO
            .iter()
            .find(|(n, _)| n.ends_with("agencies.toml"))
            .expect("demo agencies");
        let agencies = parse_agencies(name, text).unwrap_or_else(|e| panic!("{e}"));
        for (_, _, _, key) in DEMO_USERS {
            if let Some(key) = key {
                assert!(agencies.iter().any(|a| &a.key == key), "{key} missing");
            }
        }
        let communes = agencies
            .iter()
            .filter(|a| a.kind == xaso_domain::agency::AgencyKind::Commune)
            .count();
        assert!(communes >= 3, "Minh Đức and two neighbours");
    }
}
