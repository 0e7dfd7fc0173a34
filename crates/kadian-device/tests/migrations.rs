//! The migrations of `migrations/device/`: every file is embedded, numbered without gaps, applies
//! on a fresh store in its own step, and an upgrade keeps the rows (unsynced ones included).

mod common;

use common::*;
use kadian_device::{migrations, DbKey, PassageRegistration, Store, StoreOptions, LATEST_VERSION};
use kadian_domain::records::{Direction, Source};

#[test]
fn every_migration_file_is_embedded_in_order() {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../../migrations/device");
    let mut files: Vec<String> = std::fs::read_dir(dir)
        .expect("migrations dir")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".sql"))
        .collect();
    files.sort();
    let embedded: Vec<&str> = migrations().iter().map(|m| m.name).collect();
    assert_eq!(
        files, embedded,
        "a file in migrations/device/ is not embedded (or the reverse)"
    );
    for (i, m) in migrations().iter().enumerate() {
        assert_eq!(m.version, i as i64 + 1);
        assert!(
            m.name.starts_with(&format!("{:04}_", m.version)),
            "{}",
            m.name
        );
        let on_disk = std::fs::read_to_string(format!("{dir}/{}", m.name)).expect("read");
        assert_eq!(on_disk, m.sql);
    }
    assert_eq!(LATEST_VERSION, migrations().len() as i64);
}

#[test]
fn each_step_applies_and_an_upgrade_keeps_unsynced_rows() {
    let dir = tempfile::tempdir().expect("tmp");
    let path = dir.path().join("kadian.db");
    let mut options = StoreOptions::encrypted(DbKey::from_bytes(KEY));
    // Walk the schema up one version at a time, writing at each step the schema allows it.
    for target in 1..=LATEST_VERSION {
        options.target_version = target;
        let mut store = Store::open(&path, &options).expect("open");
        assert_eq!(store.schema_version().expect("version"), target);
        let pass = passage(None, Direction::In, None);
        store
            .record_passage(
                &PassageRegistration {
                    passage: pass,
                    reading: None,
                    travel: None,
                },
                Source::User,
            )
            .expect("write");
    }
    let store = open(&dir);
    assert_eq!(store.count("passage").expect("count"), LATEST_VERSION);
    assert_eq!(
        store.outbox("pending", 1000).expect("outbox").len() as i64,
        LATEST_VERSION
    );
}

#[test]
fn a_store_from_a_newer_kadian_is_refused() {
    let dir = tempfile::tempdir().expect("tmp");
    let path = dir.path().join("kadian.db");
    drop(open(&dir));
    {
        let conn = rusqlite::Connection::open(&path).expect("raw");
        conn.execute_batch(&format!(
            "PRAGMA key = \"x'{}'\";",
            DbKey::from_bytes(KEY).to_hex()
        ))
        .expect("key");
        conn.pragma_update(None, "user_version", LATEST_VERSION + 5)
            .expect("bump");
    }
    let err =
        Store::open(&path, &StoreOptions::encrypted(DbKey::from_bytes(KEY))).expect_err("too new");
    assert_eq!(err.code(), "schema_too_new", "{err}");
}

#[test]
fn persons_stored_before_the_pinyin_column_are_found_by_full_pinyin_after_the_upgrade() {
    let dir = tempfile::tempdir().expect("tmp");
    let path = dir.path().join("kadian.db");
    {
        let mut store = open(&dir);
        store
            .upsert_person(
                &person("罗汉晓", "412301198209159328", "13912345678"),
                Source::Import,
            )
            .expect("person");
    }
    // Back to the schema of migration 5: no column, no index (and none of the later tables).
    {
        let conn = rusqlite::Connection::open(&path).expect("raw");
        conn.execute_batch(&format!(
            "PRAGMA key = \"x'{}'\";
             DROP INDEX person_pinyin;
             ALTER TABLE person DROP COLUMN name_pinyin;
             DROP TABLE acknowledged;
             DROP TABLE observation_case;
             DROP TABLE follow_up_visit;
             DROP TABLE case_transition;
             ALTER TABLE passage DROP COLUMN destination;
             DROP INDEX reading_counted;
             DROP INDEX passage_at;
             CREATE INDEX passage_at ON passage (at_utc);
             DROP TABLE referral;
             DROP TABLE person_link;
             DROP TABLE shift_event;
             DROP TABLE donation;
             DROP TABLE stock_movement;
             DROP TABLE disinfection;
             DROP TABLE disinfection_site;
             DROP TABLE hotline_number;
             DROP TABLE report_action;
             DROP TABLE hotline_report;
             DROP TABLE visited_member;
             DROP TABLE household_visit;
             DROP TABLE key_area_change;
             DROP TABLE key_area;
             DROP TABLE screened_member;
             DROP TABLE screening;
             DROP TABLE household;
             DROP INDEX person_household;
             ALTER TABLE person DROP COLUMN household_id;
             ALTER TABLE person DROP COLUMN relation;
             ALTER TABLE person DROP COLUMN registered_here;
             ALTER TABLE person DROP COLUMN living_here;
             ALTER TABLE person DROP COLUMN away_place_code;
             PRAGMA user_version = 5;",
            DbKey::from_bytes(KEY).to_hex()
        ))
        .expect("downgrade");
    }
    let store = open(&dir);
    assert_eq!(store.schema_version().expect("version"), LATEST_VERSION);
    let found: Vec<String> = store
        .find_people("luohanxiao", 10)
        .expect("find")
        .into_iter()
        .map(|h| h.person.name)
        .collect();
    assert_eq!(found, ["罗汉晓"]);
}

/// Schema 20: a checkpoint tablet reads its scope again from the start, once (the server held
/// its gate's stock movements back from it before, and its cursor went past them); a laptop's
/// cursor is left where it was.
#[test]
fn a_tablet_reads_its_scope_again_once_for_its_gates_stock_and_a_laptop_does_not() {
    use kadian_domain::sync::Role;
    for (role, after) in [(Role::Volunteer, 0), (Role::Compound, 50)] {
        let dir = tempfile::tempdir().expect("tmp");
        let path = dir.path().join("kadian.db");
        let mut options = StoreOptions::encrypted(DbKey::from_bytes(KEY));
        options.target_version = 19;
        {
            let mut store = Store::open(&path, &options).expect("open at 19");
            store
                .set_enrolment(&kadian_device::Enrolment {
                    server_url: "http://127.0.0.1:9".into(),
                    device_id: "d".into(),
                    token: "t".into(),
                    role,
                    scope: kadian_domain::sync::Scope {
                        street: "411402001".into(),
                        community: Some("411402001018".into()),
                        compound: Some(COMPOUND.into()),
                        checkpoint: (role == Role::Volunteer).then(|| CHECKPOINT.to_owned()),
                        zone: None,
                    },
                    cert_sha256: None,
                    device_name: None,
                    street_name: None,
                })
                .expect("enrol");
            store.apply_pull(&[], 50).expect("a cursor");
            assert_eq!(store.pull_cursor().expect("cursor"), 50);
        }
        let store = open(&dir);
        assert_eq!(store.pull_cursor().expect("cursor"), after, "{role:?}");
        // Once: the store opened again keeps what it has read since.
        drop(store);
        let mut store = open(&dir);
        store.apply_pull(&[], 60).expect("read on");
        drop(store);
        assert_eq!(open(&dir).pull_cursor().expect("cursor"), 60);
    }
}
