//! The citizen data store on both backends: a document digitised in one dossier is reused in the
//! next without an upload, with consent; every read by staff is logged for the citizen; the same
//! bytes are kept once; uploads from accounts not linked to the number are not kept; results land
//! in the store; garbage collection keeps what rows refer to.

use std::collections::HashMap;

use chrono::{DateTime, Duration, TimeZone, Utc};
use xaso_domain::dossier::{Action, Channel};
use xaso_store::audit::Actor;
use xaso_store::citizen::{self, Channel as ReadChannel, Consent, NewDocument, Reader};
use xaso_store::dossier::{self, Applicant, NewDossier, StoredFile};
use xaso_store::identity::User;
use xaso_store::testing::{demo_world, dossier_rules, shipped_procedure};
use xaso_store::{Store, StoreError};

/// The citizen of these tests: Đồng Nai (075), a man born in 2001.
const NUMBER: &str = "075201001234";
const BIRTH: &str = "1.001193";
const MARRIAGE: &str = "1.000894";
const ID_PAPER_BIRTH: &str =
    "Giấy tờ tùy thân của người đi đăng ký (hộ chiếu, thẻ căn cước, căn cước điện tử…)";

fn now() -> DateTime<Utc> {
    // Monday 2 March 2026, 09:00 in Vietnam.
    Utc.with_ymd_and_hms(2026, 3, 2, 2, 0, 0)
        .single()
        .expect("valid")
}

fn new_dossier(procedure: &str, channel: Channel, centre: &str, number: &str) -> NewDossier {
    xaso_store::testing::new_dossier(
        procedure,
        channel,
        centre,
        Applicant {
            name: "Nguyễn Văn An".into(),
            id_number: Some(number.into()),
            ..Default::default()
        },
    )
}

fn pdf(text: &str) -> StoredFile {
    let bytes = format!("%PDF-1.4 {text}");
    StoredFile {
        sha256: xaso_store::files::sha256_hex(bytes.as_bytes()),
        size: bytes.len(),
        content_type: "application/pdf",
    }
}

async fn receive(store: &Store, new: &NewDossier, user: &User) -> Result<String, StoreError> {
    let rules = dossier_rules();
    let mut tx = store.begin().await?;
    let view = dossier::receive(&mut tx, &rules, new, user, now()).await?;
    tx.commit().await?;
    Ok(view.code)
}

async fn attach(store: &Store, code: &str, component: &str, file: &StoredFile, user: &User) {
    let rules = dossier_rules();
    let mut tx = store.begin().await.expect("begin");
    dossier::attach(
        &mut tx,
        &rules,
        code,
        Some(component),
        "the-can-cuoc.pdf",
        file,
        user,
        now(),
    )
    .await
    .expect("attach");
    tx.commit().await.expect("commit");
}

async fn documents(store: &Store, number: &str) -> Vec<citizen::Document> {
    let mut tx = store.read().await.expect("read");
    citizen::documents_of(&mut tx, number)
        .await
        .expect("documents")
}

async fn reads(store: &Store, number: &str) -> Vec<citizen::Read> {
    let mut tx = store.read().await.expect("read");
    citizen::reads_of(&mut tx, number).await.expect("reads")
}

/// The kept counts of March 2026, after checking that a rebuild from the dossiers finds them right.
async fn march_counts(store: &Store) -> xaso_domain::report::Counts {
    let rules = dossier_rules();
    let mut tx = store.begin().await.expect("begin");
    let rebuilt = xaso_store::report::rebuild(&mut tx, &rules)
        .await
        .expect("rebuild");
    assert_eq!(rebuilt.differed, 0, "kept facts differ from the dossiers");
    let day = |d| chrono::NaiveDate::from_ymd_opt(2026, 3, d).expect("date");
    let march = xaso_domain::report::Period::new(day(1), day(31)).expect("period");
    let counts = xaso_store::report::counts(&mut tx, None, &march)
        .await
        .expect("counts");
    drop(tx);
    counts
}

async fn world(store: &Store) -> (HashMap<String, User>, String) {
    let users = demo_world(store, now()).await;
    let centre = users["motcua"].agency_code.clone().expect("centre");
    (users, centre)
}

xaso_store::backend_tests! {
    async fn a_paper_digitised_at_the_counter_is_reused_in_the_next_dossier_with_consent(store: Store) {
        let (users, centre) = world(&store).await;
        let rules = dossier_rules();
        let officer = &users["motcua"];
        // Birth registration at the counter: the officer scans the ID card.
        let first = receive(&store, &new_dossier(BIRTH, Channel::Counter, &centre, NUMBER), officer).await.expect("first");
        let card = pdf("the can cuoc");
        attach(&store, &first, ID_PAPER_BIRTH, &card, officer).await;
        let kept = documents(&store, NUMBER).await;
        assert_eq!(kept.len(), 1, "{kept:?}");
        assert_eq!(kept[0].doc_type, "giay-to-tuy-than");
        assert_eq!(kept[0].source, "counter");
        assert_eq!(kept[0].source_dossier_code.as_deref(), Some(first.as_str()));

        // Marriage registration later: the card is offered for "Giấy tờ tùy thân của hai bên".
        let second = receive(&store, &new_dossier(MARRIAGE, Channel::Counter, &centre, NUMBER), officer).await.expect("second");
        let marriage = shipped_procedure(MARRIAGE);
        let mut tx = store.read().await.expect("read");
        let offers = citizen::offers(&mut tx, &rules.citizen, &marriage, NUMBER, now().date_naive()).await.expect("offers");
        tx.commit().await.expect("commit");
        assert_eq!(offers.len(), 1, "{offers:?}");
        assert!(offers[0].component.starts_with("Giấy tờ tùy thân"));
        assert_eq!(offers[0].documents[0].id, kept[0].id);

        let reader = Reader { user: officer, channel: ReadChannel::Page, dossier_code: None };
        let mut tx = store.begin().await.expect("begin");
        let file = citizen::reuse(&mut tx, &rules.citizen, &second, &offers[0].component, kept[0].id, Consent::Counter, &reader, now()).await.expect("reuse");
        tx.commit().await.expect("commit");
        // No upload: the dossier's file is the stored bytes.
        assert_eq!(file.sha256, card.sha256);
        let mut tx = store.read().await.expect("read");
        let view = dossier::view(&mut tx, &rules, &second, now()).await.expect("view").expect("found");
        let consents = citizen::consents_of(&mut tx, &second).await.expect("consents");
        tx.commit().await.expect("commit");
        assert!(view.files.iter().any(|f| f.sha256 == card.sha256));
        assert_eq!(consents.len(), 1);
        assert_eq!(consents[0].given_how, "counter");
        assert_eq!(consents[0].recorded_by_name, officer.full_name);
        // Still one document: reuse does not copy it.
        assert_eq!(documents(&store, NUMBER).await.len(), 1);
        let log = reads(&store, NUMBER).await;
        assert_eq!(log.len(), 1, "{log:?}");
        assert_eq!(log[0].what, "reuse");
        assert_eq!(log[0].dossier_code.as_deref(), Some(second.as_str()));

        // The rates: both dossiers digitised, one of the two reused stored data.
        let counts = march_counts(&store).await;
        assert_eq!((counts.received, counts.received_digitised, counts.received_reused), (2, 2, 1));
        use xaso_domain::report::{measure, Measure, Metric, Rate, Summary};
        let summary = Summary { counts, totals: Default::default(), procedures: &[], certified_e_copies: 0, paid_online_procedures: Vec::new(), feedback: Default::default() };
        assert_eq!(measure(Metric::DataReuse, &summary), Measure::Rate(Rate { numerator: 1, denominator: 2 }));
        assert_eq!(measure(Metric::DigitisedDossiers, &summary), Measure::Rate(Rate { numerator: 2, denominator: 2 }));

        // A component of another kind refuses the card.
        let mut tx = store.begin().await.expect("begin");
        let wrong = citizen::reuse(&mut tx, &rules.citizen, &second, "Tờ khai đăng ký kết hôn (hai bên có thể khai chung một tờ khai)", kept[0].id, Consent::Counter, &reader, now()).await;
        assert!(matches!(wrong, Err(StoreError::Invalid(_))), "{wrong:?}");
    }

    async fn every_read_by_staff_is_logged_and_the_owner_reads_freely(store: Store) {
        let (users, centre) = world(&store).await;
        let rules = dossier_rules();
        let code = receive(&store, &new_dossier(BIRTH, Channel::Counter, &centre, NUMBER), &users["motcua"]).await.expect("receive");
        attach(&store, &code, ID_PAPER_BIRTH, &pdf("card"), &users["motcua"]).await;
        let document = documents(&store, NUMBER).await.remove(0);

        let specialist = &users["chuyenvien"];
        let reader = Reader { user: specialist, channel: ReadChannel::Page, dossier_code: Some(&code) };
        let mut tx = store.begin().await.expect("begin");
        let (profile, kept) = citizen::read_profile(&mut tx, NUMBER, &reader, now()).await.expect("read").expect("found");
        citizen::read_document(&mut tx, document.id, &Reader { channel: ReadChannel::Api, ..reader }, now() + Duration::minutes(1)).await.expect("document");
        tx.commit().await.expect("commit");
        assert_eq!(profile.full_name, "Nguyễn Văn An");
        assert_eq!(kept.len(), 1);
        let log = reads(&store, NUMBER).await;
        assert_eq!(log.len(), 2, "{log:?}");
        // Newest first: the document through the API, then the profile on the page.
        assert_eq!((log[0].what.as_str(), log[0].channel.as_str()), ("document", "api"));
        assert_eq!(log[0].document_title.as_deref(), Some(ID_PAPER_BIRTH));
        assert_eq!((log[1].what.as_str(), log[1].channel.as_str()), ("profile", "page"));
        for line in &log {
            assert_eq!(line.reader_name, specialist.full_name);
            assert_eq!(line.dossier_code.as_deref(), Some(code.as_str()));
            assert!(line.unit_name.as_deref().is_some_and(|u| !u.is_empty()), "{line:?}");
        }

        // A citizen is neither an officer nor the owner: nothing is shown or logged.
        let stranger = Reader { user: &users["congdan2"], channel: ReadChannel::Page, dossier_code: None };
        let mut tx = store.begin().await.expect("begin");
        assert!(matches!(citizen::read_profile(&mut tx, NUMBER, &stranger, now()).await, Err(StoreError::Forbidden(_))));
        assert!(matches!(citizen::read_document(&mut tx, document.id, &stranger, now()).await, Err(StoreError::NotFound(_))));
        drop(tx);
        // Once linked, the owner reads their document; that is not logged.
        let mut tx = store.begin().await.expect("begin");
        citizen::link_account(&mut tx, NUMBER, "congdan2", &users["motcua"], now()).await.expect("link");
        citizen::read_document(&mut tx, document.id, &stranger, now()).await.expect("owner reads");
        tx.commit().await.expect("commit");
        assert_eq!(reads(&store, NUMBER).await.len(), 2);
        // One account per citizen.
        let mut tx = store.begin().await.expect("begin");
        let officer_input = citizen::ProfileInput { id_number: "001301005678".into(), full_name: "Trần Thị Bình".into(), ..Default::default() };
        citizen::save_profile(&mut tx, &rules.citizen, &officer_input, &users["motcua"], now()).await.expect("save");
        let twice = citizen::link_account(&mut tx, "001301005678", "congdan2", &users["motcua"], now()).await;
        assert!(matches!(twice, Err(StoreError::Conflict(_))), "{twice:?}");
    }

    async fn online_uploads_are_kept_only_from_the_linked_account_and_reused_by_the_owner(store: Store) {
        let (users, centre) = world(&store).await;
        let rules = dossier_rules();
        let citizen_user = &users["congdan"];
        let first = receive(&store, &new_dossier(BIRTH, Channel::Online, &centre, NUMBER), citizen_user).await.expect("first");
        attach(&store, &first, ID_PAPER_BIRTH, &pdf("scan one"), citizen_user).await;
        // Anyone can type a number online: an unlinked account's upload is not the citizen's.
        assert!(documents(&store, NUMBER).await.is_empty());

        // Nor does a typed number make a profile: the officer records it, having seen the card.
        let mut tx = store.read().await.expect("read");
        assert!(citizen::profile(&mut tx, NUMBER).await.expect("profile").is_none());
        drop(tx);
        let mut tx = store.begin().await.expect("begin");
        let input = citizen::ProfileInput { id_number: NUMBER.into(), full_name: "Nguyễn Văn An".into(), ..Default::default() };
        citizen::save_profile(&mut tx, &rules.citizen, &input, &users["motcua"], now()).await.expect("profile");
        citizen::link_account(&mut tx, NUMBER, "congdan", &users["motcua"], now()).await.expect("link");
        tx.commit().await.expect("commit");
        let card = pdf("scan two");
        attach(&store, &first, ID_PAPER_BIRTH, &card, citizen_user).await;
        // The same bytes twice: kept once.
        attach(&store, &first, ID_PAPER_BIRTH, &card, citizen_user).await;
        let kept = documents(&store, NUMBER).await;
        assert_eq!(kept.len(), 1, "{kept:?}");
        assert_eq!(kept[0].source, "uploaded");

        let second = receive(&store, &new_dossier(MARRIAGE, Channel::Online, &centre, NUMBER), citizen_user).await.expect("second");
        let component = "Giấy tờ tùy thân của hai bên nam, nữ";
        // Another citizen cannot take it, whatever they claim.
        let other = Reader { user: &users["congdan2"], channel: ReadChannel::Page, dossier_code: None };
        let mut tx = store.begin().await.expect("begin");
        assert!(citizen::reuse(&mut tx, &rules.citizen, &second, component, kept[0].id, Consent::Online, &other, now()).await.is_err());
        drop(tx);
        let owner = Reader { user: citizen_user, channel: ReadChannel::Page, dossier_code: None };
        let mut tx = store.begin().await.expect("begin");
        citizen::reuse(&mut tx, &rules.citizen, &second, component, kept[0].id, Consent::Online, &owner, now()).await.expect("owner reuses");
        tx.commit().await.expect("commit");
        let mut tx = store.read().await.expect("read");
        let consents = citizen::consents_of(&mut tx, &second).await.expect("consents");
        assert_eq!(consents[0].given_how, "online");
    }

    async fn numbers_limits_and_results(store: Store) {
        let (users, centre) = world(&store).await;
        let mut rules = dossier_rules();
        let officer = &users["motcua"];
        // 999 is no province code: the dossier is refused, nothing is written.
        let refused = receive(&store, &new_dossier(BIRTH, Channel::Counter, &centre, "999201001234"), officer).await;
        assert!(matches!(&refused, Err(StoreError::Invalid(m)) if m.contains("999")), "{refused:?}");
        // A birth date the number cannot have.
        let mut tx = store.begin().await.expect("begin");
        let wrong_year = citizen::ProfileInput { id_number: NUMBER.into(), full_name: "Nguyễn Văn An".into(), birth_date: Some("14/05/1990".into()), ..Default::default() };
        let error = citizen::save_profile(&mut tx, &rules.citizen, &wrong_year, officer, now()).await.expect_err("wrong year");
        assert!(error.to_string().contains("2001"), "{error}");
        drop(tx);

        let code = receive(&store, &new_dossier(BIRTH, Channel::Counter, &centre, NUMBER), officer).await.expect("receive");
        // A store of 1 MiB holds one 600 KiB scan, not two.
        let citizen_rules = std::sync::Arc::make_mut(&mut rules.citizen);
        citizen_rules.store.quota_bytes = 1024 * 1024;
        let big = |name: &str| StoredFile { size: 600 * 1024, ..pdf(name) };
        let keep = |file: StoredFile| {
            let (store, rules) = (store.clone(), rules.citizen.clone());
            async move {
                let mut tx = store.begin().await?;
                let new = NewDocument { doc_type: Some("giay-khai-sinh"), title: "Giấy khai sinh", issuer: Some("UBND xã Minh Đức"), number: Some("123/2001"), issued_on: Some("03/04/2001"), expires_on: None, source: xaso_domain::citizen::documents::Source::Counter, source_dossier_id: None, source_certification_id: None, file_name: "khai-sinh.pdf", stored: &file };
                let kept = citizen::add_document(&mut tx, &rules, NUMBER, &new, &Actor::system("test"), now()).await?;
                tx.commit().await?;
                Ok::<_, StoreError>(kept)
            }
        };
        let (first, fresh) = keep(big("one")).await.expect("first fits");
        assert!(fresh);
        assert_eq!(first.issued_on.as_deref(), Some("2001-04-03"));
        let over = keep(big("two")).await;
        assert!(matches!(&over, Err(StoreError::Invalid(m)) if m.contains("1 MiB")), "{over:?}");
        // The same bytes again are not counted twice.
        assert!(!keep(big("one")).await.expect("same bytes").1);

        // The leader's signed e-result lands in the store as a birth certificate.
        let resolve = |code: String, steps: Vec<(&'static str, Action)>, result: StoredFile| {
            let (store, users, rules) = (store.clone(), users.clone(), dossier_rules());
            async move {
                let mut version = 1;
                for (who, action) in steps {
                    let mut tx = store.begin().await.expect("begin");
                    let view = dossier::act(&mut tx, &rules, &code, version, &action, &users[who], now()).await.unwrap_or_else(|e| panic!("{who}: {e}"));
                    tx.commit().await.expect("commit");
                    version = view.version;
                }
                let mut tx = store.begin().await.expect("begin");
                dossier::attach_result(&mut tx, &rules, &code, "ket-qua.pdf", &result, &users["lanhdao"], now()).await.expect("result");
                tx.commit().await.expect("commit");
            }
        };
        let handling = || vec![("motcua", Action::Forward { note: None }), ("chuyenvien", Action::Forward { note: None }), ("lanhdao", Action::Approve { result_number: "15/2026".into(), note: None })];
        resolve(code.clone(), handling(), pdf("signed result")).await;
        // An online dossier whose number someone typed from an account not linked to it: its
        // result is not put in that number's store.
        let typed = receive(&store, &new_dossier(BIRTH, Channel::Online, &centre, NUMBER), &users["congdan2"]).await.expect("online");
        let mut steps = vec![("motcua", Action::Accept { note: None })];
        steps.extend(handling());
        resolve(typed, steps, pdf("someone else's result")).await;
        let results: Vec<_> = documents(&store, NUMBER).await.into_iter().filter(|d| d.source == "result").collect();
        assert_eq!(results.len(), 1);
        assert_eq!(results[0].doc_type, "giay-khai-sinh");
        assert_eq!(results[0].source_dossier_code.as_deref(), Some(code.as_str()));
        // Two resolved with e-results, one linked to the citizen's store (QĐ 766 "links").
        let counts = march_counts(&store).await;
        assert_eq!((counts.resolved, counts.resolved_result_stored, counts.resolved_e_result), (2, 1, 2));
    }

    async fn garbage_collection_keeps_what_rows_refer_to(store: Store) {
        let (users, centre) = world(&store).await;
        let root = std::env::temp_dir().join(format!("xaso-gc-{}", xaso_store::new_id()));
        let files = xaso_store::files::Files::local(&root);
        let used = files.put(b"%PDF-1.4 used".to_vec()).await.expect("put");
        let orphan = files.put(b"%PDF-1.4 orphan".to_vec()).await.expect("put");
        let code = receive(&store, &new_dossier(BIRTH, Channel::Counter, &centre, NUMBER), &users["motcua"]).await.expect("receive");
        let stored = StoredFile { sha256: used.clone(), size: 13, content_type: "application/pdf" };
        attach(&store, &code, ID_PAPER_BIRTH, &stored, &users["motcua"]).await;
        // Written just now: within the grace period, nothing goes.
        let old_copy = root.join(&orphan[..2]).join(&orphan[2..4]).join(&orphan);
        let two_days_ago = std::time::SystemTime::now() - std::time::Duration::from_secs(2 * 24 * 3600);
        std::fs::File::options().append(true).open(&old_copy).and_then(|f| f.set_modified(two_days_ago)).expect("age the orphan");
        let aged = xaso_store::blobs::collect(&store, &files, Utc::now() - Duration::hours(1), true).await.expect("gc");
        assert_eq!(aged.removed, 1, "an old orphan is collectable");
        // Storing the same bytes again (a request about to refer to them) makes them recent.
        files.put(b"%PDF-1.4 orphan".to_vec()).await.expect("put again");
        let recent = xaso_store::blobs::collect(&store, &files, Utc::now() - Duration::hours(1), false).await.expect("gc");
        assert_eq!((recent.stored, recent.referenced, recent.recent, recent.removed), (2, 1, 1, 0));
        let dry = xaso_store::blobs::collect(&store, &files, Utc::now() + Duration::minutes(1), true).await.expect("gc");
        assert_eq!(dry.removed, 1);
        assert!(files.exists(&orphan).await.expect("exists"));
        let done = xaso_store::blobs::collect(&store, &files, Utc::now() + Duration::minutes(1), false).await.expect("gc");
        assert_eq!((done.referenced, done.removed), (1, 1));
        assert!(!files.exists(&orphan).await.expect("exists"));
        assert!(files.exists(&used).await.expect("exists"));
        assert!(done.missing.is_empty(), "{:?}", done.missing);
        std::fs::remove_dir_all(root).expect("clean up");
    }

    async fn a_backup_holds_the_database_and_every_blob_it_refers_to(store: Store) {
        let (users, centre) = world(&store).await;
        let root = std::env::temp_dir().join(format!("xaso-backup-{}", xaso_store::new_id()));
        let files = xaso_store::files::Files::local(root.join("live"));
        let scan = b"%PDF-1.4 scan kept in the citizen's store".to_vec();
        let hash = files.put(scan.clone()).await.expect("put");
        files.put(b"%PDF-1.4 orphan".to_vec()).await.expect("put");
        let code = receive(&store, &new_dossier(BIRTH, Channel::Counter, &centre, NUMBER), &users["motcua"]).await.expect("receive");
        attach(&store, &code, ID_PAPER_BIRTH, &StoredFile { sha256: hash.clone(), size: scan.len(), content_type: "application/pdf" }, &users["motcua"]).await;

        let folder = root.join("backup");
        let manifest = xaso_store::backup::run(&store, &files, &folder, now()).await.expect("backup");
        // Only what rows refer to, checked and stored under its hash.
        assert_eq!((manifest.blobs, manifest.blob_bytes), (1, scan.len() as u64));
        assert!(manifest.missing_blobs.is_empty());
        assert_eq!(std::fs::read(folder.join("files").join(&hash[..2]).join(&hash[2..4]).join(&hash)).expect("copied"), scan);
        assert!(manifest.tables.iter().any(|t| t == "citizen_documents"));
        assert!(folder.join("xaso-backup.json").is_file());
        match store.backend() {
            xaso_store::Backend::Sqlite => {
                let copy = Store::open(&format!("sqlite://{}", folder.join("xaso.db").display())).await.expect("the copy opens");
                let mut tx = copy.read().await.expect("read");
                let kept = citizen::documents_of(&mut tx, NUMBER).await.expect("documents");
                assert_eq!(kept.len(), 1);
                assert_eq!(kept[0].sha256, hash);
            }
            xaso_store::Backend::Postgres => {
                let csv = std::fs::read_to_string(folder.join("tables").join("citizen_documents.csv")).expect("table");
                let lines: Vec<&str> = csv.lines().collect();
                assert!(lines[0].starts_with("id,id_number,doc_type"), "{}", lines[0]);
                assert_eq!(lines.len(), 2, "{csv}");
                assert!(lines[1].contains(&hash));
            }
        }
        // A folder with something in it is never overwritten.
        let again = xaso_store::backup::run(&store, &files, &folder, now()).await;
        assert!(matches!(again, Err(StoreError::Config(_))), "{again:?}");
        std::fs::remove_dir_all(root).expect("clean up");
    }
}
