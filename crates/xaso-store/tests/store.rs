//! Store behaviour, each test on SQLite and on PostgreSQL.

use chrono::{TimeZone, Utc};
use unicode_normalization::UnicodeNormalization;
use xaso_domain::agency::parse_agencies;
use xaso_domain::catalog::{FeeSchedule, Procedure};
use xaso_domain::identity::Role;
use xaso_store::audit::{self, Actor};
use xaso_store::catalog::{self, SearchQuery};
use xaso_store::identity::{self, NewUser};
use xaso_store::{agency, meta, Store, StoreError};

fn now() -> chrono::DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 3, 2, 8, 30, 0)
        .single()
        .expect("valid instant")
}

use xaso_store::testing::shipped_catalog;

async fn import_shipped(store: &Store) {
    xaso_store::testing::import_shipped_catalog(store, now()).await;
}

async fn search(store: &Store, text: &str) -> Vec<String> {
    let mut tx = store.read().await.expect("read");
    let page = catalog::search(
        &mut tx,
        &SearchQuery {
            text: text.into(),
            field: None,
            page: 1,
            per_page: 100,
        },
    )
    .await
    .expect("search");
    page.items.into_iter().map(|p| p.code).collect()
}

const DEMO_AGENCIES: &str = r#"
[[agency]]
key = "p"
name = "UBND tỉnh Đồng Nai"
kind = "province"
admin_unit_code = "75"
agency_code = "000.00.00.H19"

[[agency]]
key = "c"
parent = "p"
name = "UBND xã Minh Đức"
kind = "commune"
admin_unit_code = "25349"
agency_code = "000.00.61.H19"

[[agency]]
key = "o"
parent = "c"
name = "Trung tâm Phục vụ hành chính công xã Minh Đức"
kind = "centre"
agency_code = "000.04.61.H19"
"#;

async fn add_agencies(store: &Store) {
    let specs = parse_agencies("test.toml", DEMO_AGENCIES).expect("valid agencies");
    let mut tx = store.begin().await.expect("begin");
    agency::insert_tree(&mut tx, &specs, now(), &Actor::system("test"))
        .await
        .expect("insert agencies");
    tx.commit().await.expect("commit");
}

async fn add_user(store: &Store, username: &str, password: &str) {
    let hash = identity::hash_password(password.into())
        .await
        .expect("hash");
    let mut tx = store.begin().await.expect("begin");
    identity::create_user(
        &mut tx,
        NewUser {
            username: username.into(),
            full_name: "Nguyễn Văn An".into(),
            agency_code: Some("000.04.61.H19".into()),
            roles: vec![Role::CounterOfficer, Role::Specialist],
            password_hash: Some(hash),
            must_change_password: false,
        },
        now(),
        &Actor::system("test"),
    )
    .await
    .expect("create user");
    tx.commit().await.expect("commit");
}

xaso_store::backend_tests! {
    async fn birth_registration_is_found_first_however_it_is_typed(store: Store) {
        import_shipped(&store).await;
        let nfd: String = "Đăng ký khai sinh".nfd().collect();
        for query in ["dang ky khai sinh", "Đăng ký khai sinh", "ĐĂNG KÝ KHAI SINH", nfd.as_str(), "dang ki khai sinh"] {
            let found = search(&store, query).await;
            assert_eq!(found.first().map(String::as_str), Some("1.001193"), "query {query:?} gave {found:?}");
        }
        // "đ" folds to "d", and a prefix of the last word is enough.
        assert!(search(&store, "đang ky khai s").await.first().is_some_and(|c| c == "1.001193"));
        assert_eq!(search(&store, "1.001193").await.first().map(String::as_str), Some("1.001193"));
        assert!(search(&store, "khong co thu tuc nay").await.is_empty());
    }

    async fn empty_search_lists_every_current_procedure_and_fields_filter(store: Store) {
        import_shipped(&store).await;
        let shipped = shipped_catalog();
        let mut tx = store.read().await.expect("read");
        let all = catalog::search(&mut tx, &SearchQuery { page: 1, per_page: 100, ..Default::default() })
            .await
            .expect("list");
        assert_eq!(all.total, shipped.len());
        let civil = catalog::search(&mut tx, &SearchQuery { field: Some("ho tich".into()), page: 1, per_page: 5, ..Default::default() })
            .await
            .expect("filter");
        let expected = shipped.iter().filter(|p| p.field == "Hộ tịch").count();
        assert!(expected > 5);
        assert_eq!(civil.total, expected);
        assert_eq!(civil.items.len(), 5);
        assert!(civil.items.iter().all(|p| p.field == "Hộ tịch"));
        let fields = catalog::fields(&mut tx).await.expect("fields");
        let counted: i64 = fields.iter().map(|f| f.procedures).sum();
        assert_eq!(counted as usize, shipped.len());
    }

    async fn editing_a_procedure_creates_a_version_and_keeps_the_old_one(store: Store) {
        import_shipped(&store).await;
        let mut changed: Vec<Procedure> = shipped_catalog()
            .into_iter()
            .filter(|p| p.code == "2.000884")
            .collect();
        changed[0].fee = FeeSchedule::Fixed { amount: 12_000, unit: "trường hợp".into() };
        let mut tx = store.begin().await.expect("begin");
        let report = catalog::import(&mut tx, &changed, "edit.toml", now(), &Actor::system("test"))
            .await
            .expect("import edit");
        assert_eq!(report.revised, vec!["2.000884".to_string()]);
        let again = catalog::import(&mut tx, &changed, "edit.toml", now(), &Actor::system("test"))
            .await
            .expect("import again");
        assert_eq!(again.unchanged, 1);
        assert!(again.revised.is_empty() && again.added.is_empty());
        tx.commit().await.expect("commit");

        let mut tx = store.read().await.expect("read");
        let current = catalog::current(&mut tx, "2.000884").await.expect("get").expect("exists");
        assert_eq!(current.version, 2);
        assert_eq!(current.procedure.fee, changed[0].fee);
        let first = catalog::version(&mut tx, "2.000884", 1).await.expect("get").expect("v1 kept");
        assert!(!first.is_current);
        assert_ne!(first.procedure.fee, changed[0].fee);
        assert_eq!(catalog::versions(&mut tx, "2.000884").await.expect("versions").len(), 2);
        // The search index follows the current version only: one hit, not two.
        let hits = search(&store, "chung thuc chu ky").await;
        assert_eq!(hits.iter().filter(|c| *c == "2.000884").count(), 1);
        let trail = audit::for_entity(&mut tx, "procedure", "2.000884").await.expect("audit");
        let actions: Vec<&str> = trail.iter().map(|r| r.action.as_str()).collect();
        assert_eq!(actions, ["procedure.create", "procedure.revise"]);
    }

    /// A version's body read by a committed transaction is known to the store afterwards; one
    /// written by a transaction rolled back never is, even when read inside it; and whether a
    /// version is current is still read from the table.
    async fn a_procedure_body_is_known_to_later_transactions_only_once_committed(store: Store) {
        import_shipped(&store).await;
        let mut changed: Vec<Procedure> = shipped_catalog()
            .into_iter()
            .filter(|p| p.code == "2.000884")
            .collect();
        let first_fee = changed[0].fee.clone();
        changed[0].fee = FeeSchedule::Fixed { amount: 12_000, unit: "trường hợp".into() };
        let mut tx = store.read().await.expect("read");
        let first = catalog::procedure(&mut tx, "2.000884", 1).await.expect("get").expect("v1");
        assert_eq!(first.fee, first_fee);
        tx.commit().await.expect("commit");
        // Version 2 written, read back, rolled back.
        let mut tx = store.begin().await.expect("begin");
        catalog::import(&mut tx, &changed, "edit.toml", now(), &Actor::system("test"))
            .await
            .expect("import edit");
        let second = catalog::procedure(&mut tx, "2.000884", 2).await.expect("get").expect("v2");
        assert_eq!(second.fee, changed[0].fee);
        tx.rollback().await.expect("rollback");
        for _ in 0..2 {
            let mut tx = store.read().await.expect("read");
            assert!(catalog::procedure(&mut tx, "2.000884", 2).await.expect("get").is_none());
            assert_eq!(catalog::procedure(&mut tx, "2.000884", 1).await.expect("get").expect("v1").fee, first_fee);
            assert!(catalog::version(&mut tx, "2.000884", 1).await.expect("get").expect("v1").is_current);
            tx.commit().await.expect("commit");
        }
        // Committed this time: version 1 stays known by its body and is no longer current.
        let mut tx = store.begin().await.expect("begin");
        catalog::import(&mut tx, &changed, "edit.toml", now(), &Actor::system("test"))
            .await
            .expect("import edit");
        tx.commit().await.expect("commit");
        let mut tx = store.read().await.expect("read");
        assert_eq!(catalog::procedure(&mut tx, "2.000884", 2).await.expect("get").expect("v2").fee, changed[0].fee);
        assert_eq!(catalog::procedure(&mut tx, "2.000884", 1).await.expect("get").expect("v1").fee, first_fee);
        assert!(!catalog::version(&mut tx, "2.000884", 1).await.expect("get").expect("v1").is_current);
    }

    async fn agencies_form_a_tree(store: Store) {
        add_agencies(&store).await;
        let mut tx = store.read().await.expect("read");
        let all = agency::list(&mut tx).await.expect("list");
        let codes: Vec<&str> = all.iter().map(|a| a.agency_code.as_str()).collect();
        assert_eq!(codes, ["000.00.00.H19", "000.00.61.H19", "000.04.61.H19"]);
        assert_eq!(all[2].parent_id, Some(all[1].id));
        assert_eq!(all[1].name, "UBND xã Minh Đức");
        drop(tx);
        // The same code again is a conflict, and nothing of the failed tree stays.
        let specs = parse_agencies("test.toml", DEMO_AGENCIES).expect("valid");
        let mut tx = store.begin().await.expect("begin");
        let err = agency::insert_tree(&mut tx, &specs, now(), &Actor::system("test")).await.expect_err("duplicate");
        assert!(matches!(err, StoreError::Conflict(_)), "{err}");
    }

    async fn an_agency_is_known_to_later_transactions_only_once_committed(store: Store) {
        add_agencies(&store).await;
        let mut tx = store.read().await.expect("read");
        let commune = agency::by_code(&mut tx, "000.00.61.H19").await.expect("read").expect("the commune");
        tx.commit().await.expect("commit");
        let office = agency::Agency {
            id: xaso_store::new_id(),
            parent_id: Some(commune.id),
            kind: "office".into(),
            name: "Văn phòng HĐND và UBND xã".into(),
            admin_unit_code: None,
            agency_code: "000.05.61.H19".into(),
            unverified: String::new(),
        };
        // Inserted, read back and committed: known for good.
        let mut tx = store.begin().await.expect("begin");
        agency::insert(&mut tx, &office, now(), &Actor::system("test")).await.expect("insert");
        assert_eq!(agency::by_code(&mut tx, "000.05.61.H19").await.expect("read"), Some(office.clone()));
        tx.commit().await.expect("commit");
        // Inserted, read back and rolled back: no later transaction sees it, not even through
        // the agencies the store knows.
        let second = agency::Agency { id: xaso_store::new_id(), agency_code: "000.06.61.H19".into(), ..office.clone() };
        let mut tx = store.begin().await.expect("begin");
        agency::insert(&mut tx, &second, now(), &Actor::system("test")).await.expect("insert");
        assert_eq!(agency::by_code(&mut tx, "000.06.61.H19").await.expect("read"), Some(second.clone()));
        assert_eq!(agency::by_id(&mut tx, second.id).await.expect("read"), Some(second.clone()));
        tx.rollback().await.expect("rollback");
        for _ in 0..2 {
            let mut tx = store.read().await.expect("read");
            assert_eq!(agency::by_code(&mut tx, "000.06.61.H19").await.expect("read"), None);
            assert_eq!(agency::by_id(&mut tx, second.id).await.expect("read"), None);
            // The committed one, as stored, from the database first and from what the store knows next.
            assert_eq!(agency::by_code(&mut tx, "000.05.61.H19").await.expect("read"), Some(office.clone()));
            assert_eq!(agency::commune_of(&mut tx, "000.05.61.H19").await.expect("read"), Some(commune.clone()));
            tx.commit().await.expect("commit");
        }
    }

    async fn login_sessions_and_tokens(store: Store) {
        add_agencies(&store).await;
        add_user(&store, "motcua", "mat-khau-rat-dai").await;
        assert!(store.login("motcua", "sai-mat-khau-roi", now()).await.expect("login").is_none());
        assert!(store.login("khongco", "mat-khau-rat-dai", now()).await.expect("login").is_none());
        let login = store.login("motcua", "mat-khau-rat-dai", now()).await.expect("login").expect("accepted");
        assert_eq!(login.user.roles, [Role::CounterOfficer, Role::Specialist]);
        assert_eq!(login.user.agency_code.as_deref(), Some("000.04.61.H19"));

        let mut tx = store.begin().await.expect("begin");
        let seen = identity::user_for_session(&mut tx, &login.session_token, now()).await.expect("session");
        // The whole account, both roles and the agency included, from the one statement.
        assert_eq!(seen.as_ref(), Some(&login.user));
        let later = login.expires_at + chrono::Duration::seconds(1);
        assert!(identity::user_for_session(&mut tx, &login.session_token, later).await.expect("session").is_none());
        // Idle for more than an hour: ended, although hours remain before its expiry.
        let idle = now() + chrono::Duration::minutes(61);
        assert!(identity::user_for_session(&mut tx, &login.session_token, idle).await.expect("session").is_none());
        tx.commit().await.expect("commit");
        // Used every 50 minutes, it lives on until its absolute expiry, and not past it.
        let mut at = now();
        while at + chrono::Duration::minutes(50) < login.expires_at {
            at += chrono::Duration::minutes(50);
            let seen = store.user_for_session_token(&login.session_token, at).await.expect("session");
            assert_eq!(seen.as_ref(), Some(&login.user), "{at}");
        }
        assert!(store.user_for_session_token(&login.session_token, login.expires_at).await.expect("session").is_none());
        let mut tx = store.begin().await.expect("begin");
        let token = identity::create_api_token(&mut tx, "motcua", "kiểm thử", now(), &Actor::system("test")).await.expect("token");
        assert!(token.starts_with("xaso_"));
        let by_token = identity::user_for_api_token(&mut tx, &token).await.expect("token user");
        assert_eq!(by_token.map(|t| t.user.username), Some("motcua".to_string()));
        assert!(identity::user_for_api_token(&mut tx, "xaso_0000").await.expect("lookup").is_none());

        // Disabling ends the session and stops the token.
        identity::set_disabled(&mut tx, "motcua", true, now(), &Actor::system("test")).await.expect("disable");
        assert!(identity::user_for_session(&mut tx, &login.session_token, now()).await.expect("session").is_none());
        assert!(identity::user_for_api_token(&mut tx, &token).await.expect("token").is_none());
        tx.commit().await.expect("commit");
        assert!(store.login("motcua", "mat-khau-rat-dai", now()).await.expect("login").is_none());

        let mut tx = store.begin().await.expect("begin");
        identity::set_disabled(&mut tx, "motcua", false, now(), &Actor::system("test")).await.expect("enable");
        tx.commit().await.expect("commit");
        // Enabled again, the token works again, read outside any transaction: the whole account
        // and the token's scopes.
        let used = store.user_for_token(&token, now()).await.expect("token").expect("a live token");
        assert_eq!(used.user, login.user);
        assert_eq!(used.scopes, [xaso_domain::identity::access::Scope::Read, xaso_domain::identity::access::Scope::Write]);
        let mut tx = store.begin().await.expect("begin");
        let hash = identity::hash_password("mat-khau-moi-hoan-toan".into()).await.expect("hash");
        identity::set_password(&mut tx, "motcua", &hash, false, now(), &Actor::system("test")).await.expect("set password");
        tx.commit().await.expect("commit");
        assert!(store.user_for_token(&token, now()).await.expect("token").is_none(), "a new password revokes old tokens");
        assert!(store.login("motcua", "mat-khau-rat-dai", now()).await.expect("login").is_none());
        assert!(store.login("motcua", "mat-khau-moi-hoan-toan", now()).await.expect("login").is_some());
        let mut tx = store.begin().await.expect("begin");
        let second = identity::create_api_token(&mut tx, "motcua", "hai", now(), &Actor::system("test")).await.expect("token");
        assert_eq!(identity::revoke_api_tokens(&mut tx, "motcua", now(), &Actor::system("test")).await.expect("revoke"), 1);
        tx.commit().await.expect("commit");
        assert!(store.user_for_token(&second, now()).await.expect("token").is_none());

        let mut tx = store.read().await.expect("read");
        let trail = audit::for_entity(&mut tx, "user", "motcua").await.expect("audit");
        let actions: Vec<&str> = trail.iter().map(|r| r.action.as_str()).collect();
        assert_eq!(actions, ["user.create", "user.login", "user.create_token", "user.disable", "user.enable", "user.set_password", "user.login", "user.create_token", "user.revoke_tokens"]);
    }

    async fn guessing_a_password_locks_the_name_for_a_while(store: Store) {
        add_agencies(&store).await;
        add_user(&store, "lanhdao", "mat-khau-rat-dai").await;
        for _ in 0..xaso_store::identity::MAX_LOGIN_FAILURES {
            assert!(store.login("lanhdao", "doan-mo-mat-khau", now()).await.expect("login").is_none());
        }
        // Locked now, even with the right password; unknown names lock alike.
        let locked = store.login("lanhdao", "mat-khau-rat-dai", now()).await.expect_err("locked");
        assert!(matches!(locked, StoreError::Locked(_)), "{locked}");
        for _ in 0..xaso_store::identity::MAX_LOGIN_FAILURES {
            let _ = store.login("khong-ai-ca", "doan-mo", now()).await;
        }
        assert!(matches!(store.login("khong-ai-ca", "doan-mo", now()).await, Err(StoreError::Locked(_))));
        let later = now() + chrono::Duration::minutes(xaso_store::identity::LOGIN_WINDOW_MINUTES + 1);
        assert!(store.login("lanhdao", "mat-khau-rat-dai", later).await.expect("login").is_some(), "unlocked after the window");
    }

    async fn usernames_are_unique_and_checked(store: Store) {
        add_agencies(&store).await;
        add_user(&store, "chuyenvien", "mat-khau-rat-dai").await;
        let mut tx = store.begin().await.expect("begin");
        let duplicate = NewUser {
            username: "chuyenvien".into(),
            full_name: "Trần Thị Bình".into(),
            agency_code: None,
            roles: vec![Role::Leader],
            password_hash: None,
            must_change_password: false,
        };
        let err = identity::create_user(&mut tx, duplicate.clone(), now(), &Actor::system("test")).await.expect_err("duplicate");
        assert!(matches!(err, StoreError::Conflict(_)), "{err}");
        drop(tx);
        let mut tx = store.begin().await.expect("begin");
        let bad = NewUser { username: "Chuyên Viên".into(), ..duplicate.clone() };
        let err = identity::create_user(&mut tx, bad, now(), &Actor::system("test")).await.expect_err("bad name");
        assert!(matches!(err, StoreError::Invalid(_)), "{err}");
        let nowhere = NewUser { username: "lanhdao".into(), agency_code: Some("999.99.99.X99".into()), ..duplicate };
        let err = identity::create_user(&mut tx, nowhere, now(), &Actor::system("test")).await.expect_err("no agency");
        assert!(matches!(err, StoreError::NotFound(_)), "{err}");
    }

    async fn concurrent_writers_all_succeed(store: Store) {
        add_agencies(&store).await;
        let hash = identity::hash_password("mat-khau-rat-dai".into()).await.expect("hash");
        let mut tasks = Vec::new();
        for i in 0..24 {
            let store = store.clone();
            let hash = hash.clone();
            tasks.push(tokio::spawn(async move {
                let mut tx = store.begin().await?;
                // A read, then writes: on SQLite a deferred transaction would fail to upgrade its lock.
                identity::create_user(&mut tx, NewUser {
                    username: format!("canbo{i:02}"),
                    full_name: format!("Cán bộ {i}"),
                    agency_code: Some("000.04.61.H19".into()),
                    roles: vec![Role::Specialist],
                    password_hash: Some(hash),
                    must_change_password: false,
                }, now(), &Actor::system("test")).await?;
                tx.commit().await
            }));
        }
        for task in tasks {
            task.await.expect("task").expect("every writer succeeds");
        }
        let mut tx = store.read().await.expect("read");
        assert_eq!(identity::list_users(&mut tx).await.expect("list").len(), 24);
    }

    async fn a_write_dropped_unfinished_is_undone_before_the_next_one_writes(store: Store) {
        // On SQLite the writer runs its statements on the caller's thread while a dropped
        // transaction's ROLLBACK goes to the connection's thread (vendor/README.md): the next
        // transaction's writes must come after that rollback, never before or inside it.
        add_agencies(&store).await;
        let mut tx = store.read().await.expect("read");
        let commune = agency::by_code(&mut tx, "000.00.61.H19").await.expect("read").expect("the commune");
        tx.commit().await.expect("commit");
        let office = |code: String| agency::Agency {
            id: xaso_store::new_id(),
            parent_id: Some(commune.id),
            kind: "office".into(),
            name: format!("Văn phòng {code}"),
            admin_unit_code: None,
            agency_code: code,
            unverified: String::new(),
        };
        for i in 0..12 {
            let dropped = office(format!("001.{i:02}.61.H19"));
            if i % 2 == 0 {
                let mut tx = store.begin().await.expect("begin");
                agency::insert(&mut tx, &dropped, now(), &Actor::system("test")).await.expect("insert");
                drop(tx);
            } else {
                // A request cancelled while its transaction is open.
                let unfinished = async {
                    let mut tx = store.begin().await.expect("begin");
                    agency::insert(&mut tx, &dropped, now(), &Actor::system("test")).await.expect("insert");
                    std::future::pending::<()>().await;
                };
                let cancelled = tokio::time::timeout(std::time::Duration::from_millis(20), unfinished).await;
                assert!(cancelled.is_err(), "the transaction never ends by itself");
            }
            let mut tx = store.begin().await.expect("begin");
            let kept = office(format!("002.{i:02}.61.H19"));
            agency::insert(&mut tx, &kept, now(), &Actor::system("test")).await.expect("insert");
            tx.commit().await.expect("commit");
        }
        let mut tx = store.read().await.expect("read");
        for i in 0..12 {
            let dropped = agency::by_code(&mut tx, &format!("001.{i:02}.61.H19")).await.expect("read");
            assert_eq!(dropped, None, "transaction {i} was dropped");
            let kept = agency::by_code(&mut tx, &format!("002.{i:02}.61.H19")).await.expect("read");
            assert!(kept.is_some(), "transaction {i} committed");
        }
        tx.commit().await.expect("commit");
    }

    async fn users_are_listed_with_their_roles_and_leaders_found_without_listing_everyone(store: Store) {
        // More accounts than one statement reads roles for (500), so the roles come in two reads.
        let mut tx = store.begin().await.expect("begin");
        for i in 0..520 {
            let roles = match i % 3 {
                0 => vec![Role::Leader, Role::Specialist],
                1 => vec![Role::Specialist],
                _ => vec![Role::Citizen],
            };
            identity::create_user(&mut tx, NewUser {
                username: format!("nguoi{i:03}"),
                full_name: format!("Người {i}"),
                agency_code: None,
                roles,
                password_hash: None,
                must_change_password: false,
            }, now(), &Actor::system("test")).await.expect("user");
        }
        identity::set_disabled(&mut tx, "nguoi003", true, now(), &Actor::system("test")).await.expect("disable");
        tx.commit().await.expect("commit");
        let mut tx = store.read().await.expect("read");
        let everyone = identity::list_users(&mut tx).await.expect("list");
        assert_eq!(everyone.len(), 520);
        let first = everyone.iter().find(|u| u.username == "nguoi000").expect("nguoi000");
        let mut expected = vec![Role::Leader, Role::Specialist];
        expected.sort();
        assert_eq!(first.roles, expected, "both roles, in role order");
        let last = everyone.iter().find(|u| u.username == "nguoi517").expect("nguoi517");
        assert_eq!(last.roles, vec![Role::Specialist], "a user past the first 500 has its roles");
        let leaders = identity::enabled_users_with_role(&mut tx, Role::Leader).await.expect("leaders");
        let names: Vec<&str> = leaders.iter().map(|u| u.username.as_str()).collect();
        assert_eq!(leaders.len(), 173, "every third of 520, less the disabled one: {names:?}");
        assert!(!names.contains(&"nguoi003") && names.contains(&"nguoi006"));
        assert!(leaders.iter().all(|u| u.roles == expected && !u.disabled));
    }

    async fn public_look_ups_leave_half_the_connections_to_the_rest(store: Store) {
        // Look-ups hold connections until one has to wait a second: at most half of the pool.
        let wait = std::time::Duration::from_secs(1);
        let mut held = Vec::new();
        while let Ok(one) = tokio::time::timeout(wait, store.one_statement()).await {
            held.push(one.expect("look-up connection"));
            assert!(held.len() <= 10, "look-ups are capped");
        }
        assert!(!held.is_empty());
        // The officers' reads and writes still get theirs.
        let patience = std::time::Duration::from_secs(5);
        let mut read = tokio::time::timeout(patience, store.read()).await.expect("a read does not wait for look-ups").expect("read");
        assert_eq!(meta::get(&mut read, "app").await.expect("get").as_deref(), Some("xaso"));
        read.commit().await.expect("end read");
        let write = tokio::time::timeout(patience, store.begin()).await.expect("a write does not wait for look-ups").expect("begin");
        write.rollback().await.expect("rollback");
        // A finished look-up's connection is lent again, and so is one given back unfinished.
        let mut one = held.pop().expect("held");
        let answer: i64 = xaso_store::db!(one.conn(), |c| sqlx::query_scalar("SELECT CAST(7 AS BIGINT)").fetch_one(&mut *c).await).expect("statement");
        assert_eq!(answer, 7);
        one.finished();
        held.push(tokio::time::timeout(patience, store.one_statement()).await.expect("the kept connection").expect("lent"));
        drop(held.pop());
        held.push(tokio::time::timeout(patience, store.one_statement()).await.expect("the pool's connection").expect("lent"));
        drop(held);
        // Closing gives the kept connections back to the pool first (it would wait for them).
        let mut one = store.one_statement().await.expect("lent");
        let _: i64 = xaso_store::db!(one.conn(), |c| sqlx::query_scalar("SELECT CAST(1 AS BIGINT)").fetch_one(&mut *c).await).expect("statement");
        one.finished();
        tokio::time::timeout(std::time::Duration::from_secs(10), store.close()).await.expect("close does not wait for kept connections");
    }

    async fn one_time_steps_are_claimed_once(store: Store) {
        let mut tx = store.begin().await.expect("begin");
        assert!(meta::claim(&mut tx, "demo_loaded", "1").await.expect("claim"));
        assert!(!meta::claim(&mut tx, "demo_loaded", "2").await.expect("claim"));
        assert_eq!(meta::get(&mut tx, "demo_loaded").await.expect("get").as_deref(), Some("1"));
        assert_eq!(meta::get(&mut tx, "app").await.expect("get").as_deref(), Some("xaso"));
        tx.commit().await.expect("commit");
        // Migrating again changes nothing.
        assert_eq!(store.migrate().await.expect("migrate"), 0);
    }
}

#[test]
fn migration_folders_have_the_same_steps() {
    let steps = |m: &sqlx::migrate::Migrator| -> Vec<(i64, String)> {
        m.iter()
            .map(|s| (s.version, s.description.to_string()))
            .collect()
    };
    assert_eq!(
        steps(&xaso_store::SQLITE_MIGRATIONS),
        steps(&xaso_store::POSTGRES_MIGRATIONS)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn both_backends_have_the_same_tables_and_columns() {
    let sqlite = xaso_store::testing::sqlite().await;
    let sqlite_columns = sqlite.schema_columns().await.expect("columns");
    assert!(sqlite_columns.contains(&("procedures".into(), "search_text".into())));
    assert!(!sqlite_columns
        .iter()
        .any(|(t, _)| t.starts_with("procedures_fts")));
    if let Some(postgres) = xaso_store::testing::postgres().await {
        assert_eq!(
            sqlite_columns,
            postgres.schema_columns().await.expect("columns")
        );
    }
}

/// PostgreSQL only: its sessions can end under the store (a restart, an administrator); a SQLite
/// connection is a file handle that cannot.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_look_up_outlives_the_postgresql_session_of_its_kept_connection() {
    let Some(store) = xaso_store::testing::postgres().await else {
        return;
    };
    // A look-up's connection, kept by the store once its statement finished.
    let mut one = store.one_statement().await.expect("lent");
    let pid: i32 = xaso_store::db!(one.conn(), |c| sqlx::query_scalar(
        "SELECT pg_backend_pid()"
    )
    .fetch_one(&mut *c)
    .await)
    .expect("pid");
    one.finished();
    // Its session ends, as when an administrator or a restart ends it.
    let mut tx = store.read().await.expect("read");
    let ended: bool = xaso_store::db!(tx.conn(), |c| sqlx::query_scalar(
        "SELECT pg_terminate_backend($1)"
    )
    .bind(pid)
    .fetch_one(&mut *c)
    .await)
    .expect("terminate");
    assert!(ended);
    for _ in 0..100 {
        let alive: i64 = xaso_store::db!(tx.conn(), |c| sqlx::query_scalar(
            "SELECT COUNT(*) FROM pg_stat_activity WHERE pid = $1"
        )
        .bind(pid)
        .fetch_one(&mut *c)
        .await)
        .expect("activity");
        if alive == 0 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    tx.commit().await.expect("end read");
    // The next look-up meets the dead connection, lets it go and answers from a live one.
    let rules = xaso_store::testing::dossier_rules();
    let found = xaso_store::dossier::public_view(&store, &rules, "000.00.00.H00-260302-0001").await;
    assert!(
        matches!(found, Ok(None)),
        "{:?}",
        found.map(|v| v.is_some())
    );
    let found = xaso_store::dossier::public_view(&store, &rules, "000.00.00.H00-260302-0001").await;
    assert!(matches!(found, Ok(None)), "and the next");
}

/// SQLite only, sqlx's driver as patched for xaso (vendor/README.md): a statement run on the
/// caller's thread comes after the ROLLBACK that a dropped transaction left queued for the
/// connection's own thread, never inside the transaction being undone.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_statement_run_inline_comes_after_the_rollback_queued_before_it() {
    use sqlx::{Connection, SqliteConnection};
    let mut conn = SqliteConnection::connect("sqlite::memory:")
        .await
        .expect("open");
    sqlx::query("CREATE TABLE t (n INTEGER NOT NULL)")
        .execute(&mut conn)
        .await
        .expect("create");
    conn.execute_inline(true);
    for n in 0..50 {
        let mut tx = conn.begin().await.expect("begin");
        sqlx::query("INSERT INTO t (n) VALUES (-1)")
            .execute(&mut *tx)
            .await
            .expect("insert");
        drop(tx);
        sqlx::query("INSERT INTO t (n) VALUES ($1)")
            .bind(n)
            .execute(&mut conn)
            .await
            .expect("insert");
    }
    let count = |sql: &'static str| sqlx::query_scalar::<_, i64>(sql);
    let kept = count("SELECT COUNT(*) FROM t WHERE n >= 0")
        .fetch_one(&mut conn)
        .await
        .expect("count");
    let undone = count("SELECT COUNT(*) FROM t WHERE n < 0")
        .fetch_one(&mut conn)
        .await
        .expect("count");
    assert_eq!((kept, undone), (50, 0));
}

/// SQLite only: a citizen's look-up reads outside sqlx, through a connection of its own, never
/// one of the pool's.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_look_up_on_sqlite_needs_none_of_the_pools_connections() {
    let store = xaso_store::testing::sqlite().await;
    let mut held = Vec::new();
    while let Ok(read) =
        tokio::time::timeout(std::time::Duration::from_millis(300), store.read()).await
    {
        held.push(read.expect("read"));
        assert!(held.len() <= 10, "the pool is bounded");
    }
    let rules = xaso_store::testing::dossier_rules();
    let code = "000.00.00.H00-260302-0001";
    let found = tokio::time::timeout(
        std::time::Duration::from_secs(3),
        xaso_store::dossier::public_view(&store, &rules, code),
    )
    .await
    .expect("the look-up does not wait for the pool");
    assert!(
        matches!(found, Ok(None)),
        "{:?}",
        found.map(|v| v.is_some())
    );
    drop(held);
    // Once the store is closed, look-ups are refused rather than reopening the file.
    store.close().await;
    let closed = xaso_store::dossier::public_view(&store, &rules, code).await;
    assert!(
        closed.as_ref().is_err_and(StoreError::is_unavailable),
        "{:?}",
        closed.map(|v| v.is_some())
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn both_backends_return_identical_search_results() {
    let Some(postgres) = xaso_store::testing::postgres().await else {
        return;
    };
    let sqlite = xaso_store::testing::sqlite().await;
    import_shipped(&sqlite).await;
    import_shipped(&postgres).await;
    for query in [
        "dang ky",
        "khai sinh",
        "chung thuc",
        "ho kinh doanh",
        "ket hon",
        "1.00",
        "tro cap xa hoi",
        "d",
        "giam ho",
        "nguoi co cong",
        "dat dai",
        "ban sao",
        "",
    ] {
        assert_eq!(
            search(&sqlite, query).await,
            search(&postgres, query).await,
            "query {query:?}"
        );
    }
}

#[tokio::test]
async fn opening_refuses_what_is_not_an_xaso_database() {
    let dir = std::env::temp_dir().join(format!("xaso-open-{}", xaso_store::new_id()));
    std::fs::create_dir_all(&dir).expect("temp dir");

    let err = Store::open("mysql://localhost/x")
        .await
        .err()
        .expect("unknown scheme");
    assert!(
        matches!(err, StoreError::Config(_)) && err.to_string().contains("mysql://localhost/x"),
        "{err}"
    );

    let missing = dir.join("no-such-folder").join("x.db");
    let err = Store::open(&format!("sqlite://{}", missing.display()))
        .await
        .err()
        .expect("missing folder");
    assert!(
        matches!(err, StoreError::Config(_)) && err.to_string().contains("no-such-folder"),
        "{err}"
    );

    let garbage = dir.join("garbage.db");
    std::fs::write(&garbage, vec![0x42u8; 8192]).expect("write garbage");
    let err = Store::open(&format!("sqlite://{}", garbage.display()))
        .await
        .err()
        .expect("garbage");
    assert!(matches!(err, StoreError::Foreign(_)), "{err}");
    assert!(
        err.to_string().contains("không phải cơ sở dữ liệu SQLite"),
        "{err}"
    );

    let foreign = dir.join("foreign.db");
    {
        let other = Store::open(&format!("sqlite://{}", foreign.display()))
            .await
            .expect("fresh file");
        let mut tx = other.begin().await.expect("begin");
        xaso_store::db!(tx.conn(), |c| sqlx::query(
            "CREATE TABLE invoices (id INTEGER)"
        )
        .execute(&mut *c)
        .await
        .map(|_| ()))
        .expect("create");
        tx.commit().await.expect("commit");
        other.close().await;
    }
    let err = Store::open(&format!("sqlite://{}", foreign.display()))
        .await
        .err()
        .expect("foreign");
    assert!(
        matches!(err, StoreError::Foreign(_)) && err.to_string().contains("ứng dụng khác"),
        "{err}"
    );

    let err = Store::open("postgres://nobody@127.0.0.1:1/none")
        .await
        .err()
        .expect("unreachable");
    assert!(
        matches!(err, StoreError::Unavailable(_)) && err.to_string().contains("127.0.0.1:1"),
        "{err}"
    );
    std::fs::remove_dir_all(&dir).expect("clean up");
}

#[tokio::test]
async fn data_survives_reopening_the_file() {
    let dir = std::env::temp_dir().join(format!("xaso-reopen-{}", xaso_store::new_id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let url = format!("sqlite://{}", dir.join("xaso.db").display());
    let store = Store::open(&url).await.expect("open");
    store.migrate().await.expect("migrate");
    add_agencies(&store).await;
    store.close().await;
    let again = Store::open(&url).await.expect("reopen");
    assert_eq!(again.migrate().await.expect("migrate"), 0);
    let mut tx = again.read().await.expect("read");
    assert_eq!(agency::list(&mut tx).await.expect("list").len(), 3);
    drop(tx);
    again.close().await;
    std::fs::remove_dir_all(&dir).expect("clean up");
}
