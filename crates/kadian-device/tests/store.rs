//! The device store on real SQLCipher files: encryption at rest, identity and key checks,
//! full disks, immutability of events, the outbox written with each record, lookups.

mod common;

use std::fs;

use chrono::Utc;
use common::*;
use kadian_device::{
    DbKey, KeyError, KeyLocation, KeyPolicy, MatchKind, PassageRegistration, Store, StoreOptions,
};
use kadian_domain::records::{
    new_id, Correction, CorrectionAction, Direction, Instant, RecordKind, Source, TransportMode,
    TravelDeclaration, TravelPlace,
};

fn file_bytes(dir: &tempfile::TempDir) -> Vec<u8> {
    let mut all = Vec::new();
    for entry in fs::read_dir(dir.path()).expect("dir") {
        let path = entry.expect("entry").path();
        if path.is_file() {
            all.extend(fs::read(&path).expect("read"));
        }
    }
    all
}

fn contains(hay: &[u8], needle: &str) -> bool {
    hay.windows(needle.len()).any(|w| w == needle.as_bytes())
}

fn fill_sensitive(store: &mut Store) {
    let p = person("阿依古丽·买买提", "41140219370119799X", "13800138000");
    store.upsert_person(&p, Source::User).expect("person");
    let pass = passage(Some(&p), Direction::In, Some("豫ND12345"));
    let r = reading(&pass, "36.6");
    store
        .record_passage(
            &PassageRegistration {
                passage: pass,
                reading: Some(r),
                travel: None,
            },
            Source::User,
        )
        .expect("passage");
}

#[test]
fn database_file_holds_no_plaintext_name_or_id_number() {
    let dir = tempfile::tempdir().expect("tmp");
    {
        let mut store = open(&dir);
        fill_sensitive(&mut store);
        let bytes = file_bytes(&dir);
        assert!(
            !contains(&bytes, "41140219370119799X"),
            "ID number in plaintext (WAL open)"
        );
        assert!(
            !contains(&bytes, "阿依古丽"),
            "name in plaintext (WAL open)"
        );
        store.wal_checkpoint().expect("checkpoint");
    }
    let bytes = file_bytes(&dir);
    assert!(bytes.len() > 4096);
    assert!(
        !contains(&bytes, "41140219370119799X"),
        "ID number in plaintext"
    );
    assert!(!contains(&bytes, "阿依古丽"), "name in plaintext");
    assert!(!contains(&bytes, "13800138000"), "phone in plaintext");
    assert!(!contains(&bytes, "SQLite format 3"), "plain SQLite header");

    // The same records in an unencrypted file are readable: the check above can fail.
    let plain_dir = tempfile::tempdir().expect("tmp");
    let mut options = StoreOptions::encrypted(DbKey::from_bytes(KEY));
    options.key = None;
    let mut plain = Store::open(&plain_dir.path().join("plain.db"), &options).expect("plain");
    fill_sensitive(&mut plain);
    plain.wal_checkpoint().expect("checkpoint");
    assert!(contains(&file_bytes(&plain_dir), "41140219370119799X"));
}

#[test]
fn opens_in_wal_with_foreign_keys_and_latest_schema() {
    let dir = tempfile::tempdir().expect("tmp");
    let store = open(&dir);
    assert_eq!(
        store.schema_version().expect("version"),
        kadian_device::LATEST_VERSION
    );
    drop(store);
    let conn = rusqlite::Connection::open(dir.path().join("kadian.db")).expect("raw");
    conn.execute_batch(&format!(
        "PRAGMA key = \"x'{}'\";",
        DbKey::from_bytes(KEY).to_hex()
    ))
    .expect("key");
    let mode: String = conn
        .query_row("PRAGMA journal_mode", [], |r| r.get(0))
        .expect("mode");
    assert_eq!(mode, "wal");
}

#[test]
fn wrong_key_is_a_clear_error_and_leaves_the_file_alone() {
    let dir = tempfile::tempdir().expect("tmp");
    let path = dir.path().join("kadian.db");
    {
        let mut store = open(&dir);
        fill_sensitive(&mut store);
        store.wal_checkpoint().expect("checkpoint");
    }
    let before = fs::read(&path).expect("read");
    let err = Store::open(&path, &StoreOptions::encrypted(DbKey::from_bytes([8; 32])))
        .expect_err("wrong key");
    assert_eq!(err.code(), "wrong_key", "{err}");
    assert!(err.to_string().contains("left untouched"));
    assert_eq!(fs::read(&path).expect("read"), before);
    // The right key still opens it with everything in place.
    let store = open(&dir);
    assert_eq!(store.count("passage").expect("count"), 1);
}

#[test]
fn a_plain_sqlite_file_is_not_a_kadian_database() {
    let dir = tempfile::tempdir().expect("tmp");
    let path = dir.path().join("kadian.db");
    {
        let conn = rusqlite::Connection::open(&path).expect("plain");
        conn.execute_batch("CREATE TABLE contacts (name TEXT); INSERT INTO contacts VALUES ('x');")
            .expect("create");
    }
    let before = fs::read(&path).expect("read");
    let err =
        Store::open(&path, &StoreOptions::encrypted(DbKey::from_bytes(KEY))).expect_err("foreign");
    assert_eq!(err.code(), "not_kadian_database", "{err}");
    assert_eq!(fs::read(&path).expect("read"), before);
}

#[test]
fn another_programs_encrypted_database_is_not_a_kadian_database() {
    let dir = tempfile::tempdir().expect("tmp");
    let path = dir.path().join("kadian.db");
    {
        let conn = rusqlite::Connection::open(&path).expect("db");
        conn.execute_batch(&format!(
            "PRAGMA key = \"x'{}'\";",
            DbKey::from_bytes(KEY).to_hex()
        ))
        .expect("key");
        conn.execute_batch("CREATE TABLE notes (body TEXT);")
            .expect("create");
    }
    let err =
        Store::open(&path, &StoreOptions::encrypted(DbKey::from_bytes(KEY))).expect_err("foreign");
    assert_eq!(err.code(), "not_kadian_database", "{err}");
}

#[test]
fn a_random_file_is_refused_untouched() {
    let dir = tempfile::tempdir().expect("tmp");
    let path = dir.path().join("kadian.db");
    let junk: Vec<u8> = (0..8192u32)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
        .collect();
    fs::write(&path, &junk).expect("write");
    let err =
        Store::open(&path, &StoreOptions::encrypted(DbKey::from_bytes(KEY))).expect_err("junk");
    assert_eq!(err.code(), "wrong_key", "{err}");
    assert_eq!(fs::read(&path).expect("read"), junk);
}

#[test]
fn an_unusable_folder_is_a_clear_error() {
    let dir = tempfile::tempdir().expect("tmp");
    let file = dir.path().join("not-a-folder");
    fs::write(&file, b"x").expect("write");
    let err = Store::open(
        &file.join("kadian.db"),
        &StoreOptions::encrypted(DbKey::from_bytes(KEY)),
    )
    .expect_err("parent is a file");
    assert_eq!(err.code(), "cannot_open", "{err}");
    assert!(err.to_string().contains("not-a-folder"), "{err}");
}

#[cfg(unix)]
#[test]
fn a_read_only_folder_is_a_clear_error() {
    // sysfs refuses new files even to root; a chmod 0555 folder refuses them to everyone else.
    let err = Store::open(
        std::path::Path::new("/sys/kadian-test/kadian.db"),
        &StoreOptions::encrypted(DbKey::from_bytes(KEY)),
    )
    .expect_err("read-only");
    assert!(matches!(err.code(), "read_only" | "cannot_open"), "{err}");
    assert!(err.to_string().contains("/sys/kadian-test"), "{err}");
}

#[test]
fn a_full_disk_rolls_back_the_whole_registration() {
    let dir = tempfile::tempdir().expect("tmp");
    let path = dir.path().join("kadian.db");
    let mut options = StoreOptions::encrypted(DbKey::from_bytes(KEY));
    // The schema itself takes about 80 pages (14 migrations); 96 leaves a few for records.
    options.max_page_count = Some(96);
    let mut store = Store::open(&path, &options).expect("open");
    let mut stored = 0;
    let err = loop {
        let mut pass = passage(None, Direction::In, None);
        pass.purpose = Some("送货".repeat(200));
        let r = reading(&pass, "36.5");
        match store.record_passage(
            &PassageRegistration {
                passage: pass,
                reading: Some(r),
                travel: None,
            },
            Source::User,
        ) {
            Ok(_) => stored += 1,
            Err(e) => break e,
        }
        assert!(stored < 10_000, "the page limit never hit");
    };
    assert_eq!(err.code(), "disk_full", "{err}");
    assert!(err.to_string().contains("NOT saved"));
    assert!(stored > 0);
    // Nothing half-written: every stored passage has its reading and both outbox rows.
    assert_eq!(store.count("passage").expect("count"), stored);
    assert_eq!(store.count("temperature_reading").expect("count"), stored);
    assert_eq!(store.count("outbox").expect("count"), 2 * stored);
    drop(store);
    let store = open(&dir);
    assert_eq!(store.count("passage").expect("count"), stored);
}

#[test]
fn a_registration_writes_its_records_and_outbox_rows_together() {
    let dir = tempfile::tempdir().expect("tmp");
    let mut store = open(&dir);
    let p = person("张三", "412301198209159328", "13912345678");
    store.upsert_person(&p, Source::User).expect("person");
    let pass = passage(Some(&p), Direction::In, Some("豫NA12345"));
    let r = reading(&pass, "36.5");
    let travel = TravelDeclaration {
        id: new_id(),
        person_id: Some(p.id),
        passage_id: Some(pass.id),
        places: vec![TravelPlace {
            division_code: Some("420106".into()),
            text: Some("湖北省武汉市武昌区".into()),
        }],
        from_date: None,
        to_date: Some(today()),
        transport: Some(TransportMode::Train),
        transport_ref: Some("G1936".into()),
        declared_at: Instant::now_cst(),
        recorded_by: "volunteer-1".into(),
    };
    let rec = store
        .record_passage(
            &PassageRegistration {
                passage: pass.clone(),
                reading: Some(r),
                travel: Some(travel),
            },
            Source::User,
        )
        .expect("record");
    assert_eq!(rec.ids.len(), 3);
    assert_eq!(rec.outbox_rows, 3);
    let pending = store.outbox("pending", 100).expect("outbox");
    let kinds: Vec<&str> = pending.iter().map(|e| e.kind.as_str()).collect();
    assert_eq!(
        kinds,
        [
            "person",
            "passage",
            "temperature_reading",
            "travel_declaration"
        ]
    );
    assert_eq!(pending[1].record_id, pass.id.to_string());
    assert_eq!(pending[1].hash.len(), 64);
    assert_eq!(store.count("travel_place").expect("count"), 1);

    // An unknown person fails the whole registration: nothing of it is stored.
    let ghost = person("李四", "11010519491231002X", "13900000000");
    let pass = passage(Some(&ghost), Direction::In, None);
    let r = reading(&pass, "36.5");
    store
        .record_passage(
            &PassageRegistration {
                passage: pass,
                reading: Some(r),
                travel: None,
            },
            Source::User,
        )
        .expect_err("unknown person");
    assert_eq!(store.count("passage").expect("count"), 1);
    assert_eq!(store.count("temperature_reading").expect("count"), 1);
    assert_eq!(store.count("outbox").expect("count"), 4);
}

#[test]
fn writes_from_sync_are_not_queued_again() {
    let dir = tempfile::tempdir().expect("tmp");
    let mut store = open(&dir);
    let p = person("张三", "412301198209159328", "13912345678");
    store.upsert_person(&p, Source::Sync).expect("person");
    assert_eq!(store.count("person").expect("count"), 1);
    assert_eq!(store.count("outbox").expect("count"), 0);
}

#[test]
fn a_person_update_queues_the_servers_base_version() {
    let dir = tempfile::tempdir().expect("tmp");
    let mut store = open(&dir);
    let mut p = person("张三", "412301198209159328", "13912345678");
    let w = store.upsert_person(&p, Source::User).expect("insert");
    assert_eq!(
        (w.version, w.created),
        (0, true),
        "not yet acknowledged by the server"
    );
    p.room = Some("302".into());
    let w = store.upsert_person(&p, Source::User).expect("update");
    assert_eq!(
        (w.version, w.created),
        (0, false),
        "local edits keep the server's version"
    );
    p.room = Some("303".into());
    store
        .upsert_person(&p, Source::User)
        .expect("second update");
    let rows = store.outbox("pending", 10).expect("outbox");
    assert_eq!(rows[1].op, "update");
    assert_eq!(
        rows[1].base_version,
        Some(1),
        "based on our own create, which becomes version 1"
    );
    assert_eq!(
        rows[2].base_version,
        Some(1),
        "two offline edits share the same base"
    );
    // Same document number under another id: the existing person is updated, not duplicated.
    let mut again = person("张三", "412301198209159328", "13912345678");
    again.room = Some("401".into());
    let w = store.upsert_person(&again, Source::Import).expect("merge");
    assert_eq!(w.id, p.id);
    assert_eq!(store.count("person").expect("count"), 1);
}

#[test]
fn events_cannot_be_edited_in_place_only_corrected() {
    let dir = tempfile::tempdir().expect("tmp");
    let path = dir.path().join("kadian.db");
    let mut store = open(&dir);
    let p = person("张三", "412301198209159328", "13912345678");
    store.upsert_person(&p, Source::User).expect("person");
    let pass = passage(Some(&p), Direction::In, None);
    store
        .record_passage(
            &PassageRegistration {
                passage: pass.clone(),
                reading: None,
                travel: None,
            },
            Source::User,
        )
        .expect("record");
    drop(store);

    let conn = rusqlite::Connection::open(&path).expect("raw");
    conn.execute_batch(&format!(
        "PRAGMA key = \"x'{}'\";",
        DbKey::from_bytes(KEY).to_hex()
    ))
    .expect("key");
    let update = conn
        .execute("UPDATE passage SET direction = 'out'", [])
        .expect_err("update");
    assert!(update.to_string().contains("event_immutable"), "{update}");
    let delete = conn.execute("DELETE FROM passage", []).expect_err("delete");
    assert!(delete.to_string().contains("event_immutable"), "{delete}");
    drop(conn);

    let mut store = open(&dir);
    let void = |reason: &str| Correction {
        id: new_id(),
        target_kind: RecordKind::Passage,
        target_id: pass.id,
        action: CorrectionAction::Void,
        replacement_id: None,
        reason: reason.to_owned(),
        at: Instant::now_cst(),
        recorded_by: "volunteer-1".into(),
    };
    assert_eq!(
        store
            .record_correction(&void("  "), Source::User)
            .expect_err("no reason")
            .code(),
        "invalid_record"
    );
    assert_eq!(store.inside_now().expect("inside").len(), 1);
    store
        .record_correction(&void("登记错了人"), Source::User)
        .expect("void");
    let today = store
        .passages_on_day(
            "cp-1",
            pass.at
                .utc
                .with_timezone(&chrono::FixedOffset::east_opt(8 * 3600).expect("tz"))
                .date_naive(),
            480,
        )
        .expect("today");
    assert_eq!(today.len(), 1);
    assert!(today[0].voided);
    assert!(store.inside_now().expect("inside").is_empty());
    let mut other = void("x");
    other.target_id = new_id();
    assert_eq!(
        store
            .record_correction(&other, Source::User)
            .expect_err("missing")
            .code(),
        "not_found"
    );
}

#[test]
fn lookups_by_id_phone_name_initials_and_plate() {
    let dir = tempfile::tempdir().expect("tmp");
    let mut store = open(&dir);
    let zhang = person("张三", "412301198209159328", "13912345678");
    let ayi = person("阿依古丽·买买提", "41140219370119799X", "13800138000");
    let wang = person("王𠈌", "11010519491231002X", "15500001111");
    for p in [&zhang, &ayi, &wang] {
        store.upsert_person(p, Source::Import).expect("person");
    }
    fn names_in(store: &Store, q: &str) -> Vec<String> {
        store
            .find_people(q, 10)
            .expect("find")
            .into_iter()
            .map(|h| h.person.name)
            .collect()
    }
    let names = |q: &str| names_in(&store, q);
    assert_eq!(names("zs"), ["张三"]);
    assert_eq!(names("ZS"), ["张三"]);
    // The full pinyin, or its start, after the initials.
    assert_eq!(names("zhangsan"), ["张三"]);
    assert_eq!(names("zhangs"), ["张三"]);
    assert_eq!(names("ayiguli"), ["阿依古丽·买买提"]);
    assert_eq!(
        store.find_people("zhangsan", 10).expect("find")[0].matched_by,
        MatchKind::Pinyin
    );
    assert_eq!(names("9328"), ["张三"]);
    assert_eq!(names("159328"), ["张三"]);
    assert_eq!(names("412301198209159328"), ["张三"]);
    assert_eq!(names("5678"), ["张三"]);
    assert_eq!(names("13912345678"), ["张三"]);
    assert_eq!(names("799x"), ["阿依古丽·买买提"]);
    assert_eq!(names("８０００"), ["阿依古丽·买买提"]);
    assert_eq!(names("阿依"), ["阿依古丽·买买提"]);
    assert_eq!(names("王𠈌"), ["王𠈌"]);
    assert_eq!(names("张"), ["张三"]);
    assert!(names("123").is_empty(), "fewer than 4 digits finds nothing");
    assert!(names("李").is_empty());
    let hits = store.find_people("5678", 10).expect("find");
    assert_eq!(hits[0].matched_by, MatchKind::Phone);

    let pass = passage(Some(&wang), Direction::In, Some("豫ND12345"));
    store
        .record_passage(
            &PassageRegistration {
                passage: pass,
                reading: None,
                travel: None,
            },
            Source::User,
        )
        .expect("record");
    assert_eq!(names_in(&store, "豫ND12345"), ["王𠈌"]);
    assert_eq!(names_in(&store, "豫nd1"), ["王𠈌"]);
}

#[test]
fn every_gate_query_uses_an_index() {
    let dir = tempfile::tempdir().expect("tmp");
    let store = open(&dir);
    for (name, plan) in store.gate_query_plans().expect("plans") {
        let text = plan.join(" | ");
        assert!(
            text.contains("USING INDEX")
                || text.contains("USING COVERING INDEX")
                || text.contains("PRIMARY KEY"),
            "{name}: {text}"
        );
        for line in &plan {
            let full_scan = line.starts_with("SCAN ") && !line.contains("USING");
            assert!(!full_scan, "{name} scans a whole table: {text}");
        }
    }
}

#[test]
fn todays_passages_and_who_is_inside() {
    let dir = tempfile::tempdir().expect("tmp");
    let mut store = open(&dir);
    let a = person("张三", "412301198209159328", "13912345678");
    let b = person("王𠈌", "11010519491231002X", "15500001111");
    store.upsert_person(&a, Source::User).expect("a");
    store.upsert_person(&b, Source::User).expect("b");
    let mut t = Utc::now() - chrono::Duration::minutes(10);
    for (who, dir_) in [
        (&a, Direction::In),
        (&b, Direction::In),
        (&a, Direction::Out),
    ] {
        let mut pass = passage(Some(who), dir_, None);
        t += chrono::Duration::minutes(1);
        pass.at = Instant {
            utc: t,
            offset_minutes: 480,
        };
        let r = reading(
            &pass,
            if who.name == "王𠈌" {
                "37.5"
            } else {
                "36.4"
            },
        );
        store
            .record_passage(
                &PassageRegistration {
                    passage: pass,
                    reading: Some(r),
                    travel: None,
                },
                Source::User,
            )
            .expect("record");
    }
    let inside: Vec<String> = store
        .inside_now()
        .expect("inside")
        .into_iter()
        .map(|p| p.name)
        .collect();
    assert_eq!(inside, ["王𠈌"]);
    let rows = store
        .passages_between(
            "cp-1",
            Utc::now() - chrono::Duration::hours(1),
            Utc::now() + chrono::Duration::hours(1),
        )
        .expect("rows");
    assert_eq!(rows.len(), 3);
    assert_eq!(rows[0].direction, Direction::Out, "newest first");
    assert_eq!(rows.iter().filter(|r| r.fever).count(), 1);
    assert_eq!(rows[1].celsius_tenths, Some(375));
    assert!(store
        .passages_between("cp-2", Utc::now() - chrono::Duration::hours(1), Utc::now())
        .expect("rows")
        .is_empty());
}

#[test]
fn key_file_is_private_reused_and_never_replaced_under_a_database() {
    let dir = tempfile::tempdir().expect("tmp");
    let policy = KeyPolicy::file_only(dir.path().join("keys/device.key"));
    let (key, loc) = policy.load_or_create(false).expect("create");
    assert_eq!(loc, KeyLocation::File(dir.path().join("keys/device.key")));
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = fs::metadata(dir.path().join("keys/device.key"))
            .expect("meta")
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600);
    }
    let (again, _) = policy.load_or_create(true).expect("load");
    assert_eq!(again, key);
    assert_eq!(format!("{key:?}"), "DbKey(…)");
    fs::remove_file(dir.path().join("keys/device.key")).expect("rm");
    let err = policy.load_or_create(true).expect_err("missing");
    assert!(matches!(err, KeyError::Missing { .. }));
    fs::write(dir.path().join("keys/device.key"), "not hex").expect("write");
    assert!(matches!(
        policy.load_or_create(true).expect_err("bad"),
        KeyError::Malformed
    ));
}

#[test]
fn two_devices_in_one_process_are_independent() {
    let a = tempfile::tempdir().expect("tmp");
    let b = tempfile::tempdir().expect("tmp");
    let core_a =
        kadian_device::AppCore::open(a.path(), &KeyPolicy::file_only(a.path().join("device.key")))
            .expect("a");
    let core_b =
        kadian_device::AppCore::open(b.path(), &KeyPolicy::file_only(b.path().join("device.key")))
            .expect("b");
    core_a
        .store()
        .upsert_person(
            &person("张三", "412301198209159328", "13912345678"),
            Source::User,
        )
        .expect("p");
    assert_eq!(core_a.storage_info().expect("info").pending, 1);
    assert_eq!(core_b.storage_info().expect("info").pending, 0);
    assert_eq!(core_b.storage_info().expect("info").key_kept_in, "file");
    drop(core_a);
    // Reopening finds the same key and data.
    let core_a =
        kadian_device::AppCore::open(a.path(), &KeyPolicy::file_only(a.path().join("device.key")))
            .expect("a again");
    assert_eq!(core_a.store().count("person").expect("count"), 1);
    // A store whose key file was lost is refused, not replaced by an empty one.
    drop(core_a);
    fs::remove_file(a.path().join("device.key")).expect("rm");
    let err =
        kadian_device::AppCore::open(a.path(), &KeyPolicy::file_only(a.path().join("device.key")))
            .expect_err("lost key");
    assert_eq!(err.code(), "key_error");
}
