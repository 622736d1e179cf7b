//! Certification numbers on both backends: never repeated under concurrency, from 01 each year.

use std::collections::HashSet;

use chrono::{DateTime, TimeZone, Utc};
use xaso_domain::certification::Register;
use xaso_store::audit::{self, Actor};
use xaso_store::certification::{self, NewCertification};
use xaso_store::{Store, StoreError};

const MINH_DUC: &str = "000.00.61.H19";

fn copy_of(document: &str, copies: u32) -> NewCertification<'_> {
    NewCertification {
        commune_code: MINH_DUC,
        register: Register::CopyFromOriginal,
        dossier_code: None,
        requester: "Nguyễn Văn An",
        document,
        copies,
        pages: 2,
        fee: 4_000 * i64::from(copies),
    }
}

fn vietnam(y: i32, m: u32, d: u32, h: u32, min: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(y, m, d, h, min, 0)
        .single()
        .expect("valid")
        - chrono::Duration::hours(7)
}

async fn certify_at(
    store: &Store,
    new: &NewCertification<'_>,
    at: DateTime<Utc>,
) -> Result<String, StoreError> {
    let mut tx = store.begin().await?;
    let certified =
        certification::certify(&mut tx, new, at, &Actor::system("cán bộ tư pháp")).await?;
    tx.commit().await?;
    Ok(certified.number.to_string())
}

xaso_store::backend_tests! {
    async fn concurrent_certifications_never_share_a_number(store: Store) {
        let at = vietnam(2026, 3, 2, 9, 0);
        let mut clients = Vec::new();
        for client in 0..16 {
            let store = store.clone();
            clients.push(tokio::spawn(async move {
                let mut numbers = Vec::new();
                for i in 0..25 {
                    let mut tx = store.begin().await.expect("begin");
                    let document = format!("Bằng tốt nghiệp {client}-{i}");
                    let number = certification::certify(&mut tx, &copy_of(&document, 1), at, &Actor::system("test")).await.expect("certify");
                    tx.commit().await.expect("commit");
                    numbers.push(number.number.sequence);
                }
                numbers
            }));
        }
        let mut all = Vec::new();
        for client in clients {
            all.extend(client.await.expect("client"));
        }
        assert_eq!(all.len(), 400);
        assert_eq!(all.iter().collect::<HashSet<_>>().len(), 400, "numbers repeat");
        assert_eq!(all.iter().copied().max(), Some(400));
        let mut tx = store.read().await.expect("read");
        let entries = certification::register(&mut tx, MINH_DUC, Register::CopyFromOriginal, 2026).await.expect("register");
        assert_eq!(entries.iter().map(|e| e.sequence).collect::<Vec<_>>(), (1..=400).collect::<Vec<_>>());
    }

    async fn numbers_restart_at_01_in_a_new_year_per_register(store: Store) {
        let first = certify_at(&store, &copy_of("Giấy khai sinh", 1), vietnam(2026, 12, 31, 16, 0)).await.expect("certify");
        assert_eq!(first, "Số chứng thực 01, quyển số 01/2026-SCT/BS");
        // Three copies of one original at once: one number.
        let copies = certify_at(&store, &copy_of("Sổ hộ khẩu", 3), vietnam(2026, 12, 31, 23, 59)).await.expect("certify");
        assert_eq!(copies, "Số chứng thực 02, quyển số 01/2026-SCT/BS");
        // 00:01 on 1 January in Vietnam is still 31 December in UTC: the new year counts.
        let new_year = certify_at(&store, &copy_of("Giấy khai sinh", 1), vietnam(2027, 1, 1, 0, 1)).await.expect("certify");
        assert_eq!(new_year, "Số chứng thực 01, quyển số 01/2027-SCT/BS");
        let signature = NewCertification { register: Register::Signature, ..copy_of("Giấy ủy quyền", 1) };
        let signature = certify_at(&store, &signature, vietnam(2027, 1, 2, 9, 0)).await.expect("certify");
        assert_eq!(signature, "Số chứng thực 01, quyển số 01/2027-SCT/CK,ĐC");
        let other_commune = NewCertification { commune_code: "000.00.62.H19", ..copy_of("Giấy khai sinh", 1) };
        let other = certify_at(&store, &other_commune, vietnam(2027, 1, 2, 9, 0)).await.expect("certify");
        assert_eq!(other, "Số chứng thực 01, quyển số 01/2027-SCT/BS");
        let mut tx = store.read().await.expect("read");
        let entries = certification::register(&mut tx, MINH_DUC, Register::CopyFromOriginal, 2026).await.expect("register");
        assert_eq!(entries.len(), 2);
        assert_eq!((entries[1].copies, entries[1].fee, entries[1].document.as_str()), (3, 12_000, "Sổ hộ khẩu"));
        assert_eq!(entries[1].certified_by, "cán bộ tư pháp");
        let trail = audit::for_entity(&mut tx, "certification", &entries[1].id.to_string()).await.expect("audit");
        assert_eq!(trail.len(), 1);
        assert!(trail[0].details.contains("02, quyển số 01/2026-SCT/BS"), "{}", trail[0].details);
    }

    async fn an_empty_certification_is_refused_and_takes_no_number(store: Store) {
        let error = certify_at(&store, &copy_of("Giấy khai sinh", 0), vietnam(2026, 3, 2, 9, 0)).await.expect_err("no copies");
        assert!(matches!(error, StoreError::Invalid(_)), "{error:?}");
        let blank = certify_at(&store, &copy_of("  ", 1), vietnam(2026, 3, 2, 9, 0)).await.expect_err("no document");
        assert!(matches!(blank, StoreError::Invalid(_)), "{blank:?}");
        let first = certify_at(&store, &copy_of("Giấy khai sinh", 1), vietnam(2026, 3, 2, 9, 0)).await.expect("certify");
        assert!(first.starts_with("Số chứng thực 01,"), "{first}");
    }

    async fn the_signed_copy_is_recorded_with_its_entry(store: Store) {
        let mut tx = store.begin().await.expect("begin");
        let at = vietnam(2026, 11, 26, 9, 30);
        let certified = certification::certify(&mut tx, &copy_of("Giấy khai sinh", 2), at, &Actor::system("Lê Văn Đức")).await.expect("certify");
        certification::attach_copy(&mut tx, certified.id, "ab12", 4096, at, &Actor::system("Lê Văn Đức")).await.expect("attach");
        let missing = certification::attach_copy(&mut tx, xaso_store::new_id(), "ab12", 1, at, &Actor::system("x")).await;
        assert!(matches!(missing, Err(StoreError::NotFound(_))), "{missing:?}");
        tx.commit().await.expect("commit");
        let mut tx = store.read().await.expect("read");
        let entry = certification::entry(&mut tx, certified.id).await.expect("entry").expect("found");
        assert_eq!((entry.copy_sha256.as_deref(), entry.copy_size, entry.register.as_str()), (Some("ab12"), Some(4096), "SCT/BS"));
        assert_eq!(entry.number(), Some(certified.number));
        let trail = audit::for_entity(&mut tx, "certification", &certified.id.to_string()).await.expect("audit");
        assert_eq!(trail.iter().map(|t| t.action.as_str()).collect::<Vec<_>>(), ["certification.certify", "certification.copy"]);
        assert!(certification::entry(&mut tx, xaso_store::new_id()).await.expect("entry").is_none());
    }
}
