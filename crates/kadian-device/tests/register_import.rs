//! 导入名册 on a compound laptop, without a window or a server: the fixture registers community
//! staff really keep, imported through the same core the laptop's screen calls.

mod common;

use common::enrolled;
use kadian_device::AppCore;
use kadian_domain::sync::Role;

fn fixture(name: &str) -> Vec<u8> {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/fixtures/registers")
        .join(name);
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// A compound laptop of 八一社区 (no server needed to import).
fn laptop() -> (AppCore, tempfile::TempDir) {
    let dir = tempfile::tempdir().expect("tmp");
    let store = enrolled(&dir, Role::Compound, None);
    (AppCore::open_store(dir.path(), store), dir)
}

#[test]
fn a_register_imported_again_stores_nothing_twice_and_says_so() {
    let (core, _dir) = laptop();
    let name = "八一社区_居民花名册.xlsx";
    let bytes = fixture(name);
    let first = core.import_preview(name, &bytes, None).expect("preview");
    let done = core.import_commit(&first.token).expect("first import");
    assert!(done.persons > 0);
    assert_eq!(done.already_here, 0);
    let persons = core.store().count("person").expect("count");
    let waiting = core.store().pending_count().expect("outbox");
    // The same file again: a clean answer, not a store error, and nothing new to send.
    let again = core.import_preview(name, &bytes, None).expect("preview");
    let skipped = core.import_commit(&again.token).expect("second import");
    assert_eq!(
        (
            skipped.persons,
            skipped.travel,
            skipped.passages,
            skipped.readings
        ),
        (0, 0, 0, 0)
    );
    assert_eq!(skipped.already_here, done.persons);
    assert_eq!(core.store().count("person").expect("count"), persons);
    assert_eq!(core.store().pending_count().expect("outbox"), waiting);
}

#[test]
fn a_gate_log_imported_again_is_skipped_record_by_record() {
    let (core, _dir) = laptop();
    // A gate log needs a checkpoint of the compound: pulled as reference data.
    core.store()
        .apply_pull(
            &[kadian_domain::sync::Change {
                kind: "checkpoint".into(),
                id: "0190a1b2-0000-7000-8000-000000000002".into(),
                version: 1,
                deleted: false,
                body: serde_json::json!({
                    "id": "0190a1b2-0000-7000-8000-000000000002",
                    "name": "东门",
                    "compound": "0190a1b2-0000-7000-8000-000000000001"
                }),
            }],
            1,
        )
        .expect("checkpoint");
    let name = "和谐社区_出入登记_utf8bom.csv";
    let bytes = fixture(name);
    let first = core
        .import_preview(name, &bytes, Some("gate_log"))
        .expect("preview");
    let done = core.import_commit(&first.token).expect("first import");
    assert!(done.passages > 0);
    let again = core
        .import_preview(name, &bytes, Some("gate_log"))
        .expect("preview");
    let skipped = core.import_commit(&again.token).expect("second import");
    assert_eq!((skipped.passages, skipped.readings), (0, 0));
    // Counted in rows: one per passage (its person and reading are part of the row).
    assert_eq!(skipped.already_here, done.passages);
}

#[test]
fn a_preview_stores_nothing_and_only_the_latest_preview_can_be_committed() {
    let (core, _dir) = laptop();
    let name = "八一社区_居民花名册.xlsx";
    let bytes = fixture(name);
    let first = core.import_preview(name, &bytes, None).expect("preview");
    assert_eq!(core.store().count("person").expect("count"), 0);
    let second = core.import_preview(name, &bytes, None).expect("preview");
    let e = core.import_commit(&first.token).expect_err("stale");
    assert_eq!(e.code, "import_expired");
    let done = core.import_commit(&second.token).expect("committed");
    assert_eq!(done.persons, 236);
    assert_eq!(
        core.import_commit(&second.token)
            .expect_err("used once")
            .code,
        "import_expired"
    );
}

#[test]
fn a_gate_tablet_cannot_import_a_register() {
    let dir = tempfile::tempdir().expect("tmp");
    let store = enrolled(
        &dir,
        Role::Volunteer,
        Some("0190a1b2-0000-7000-8000-000000000002"),
    );
    let core = AppCore::open_store(dir.path(), store);
    let name = "八一社区_居民花名册.xlsx";
    let e = core
        .import_preview(name, &fixture(name), None)
        .expect_err("refused");
    assert_eq!(e.code, "not_a_desk");
}

#[test]
fn a_home_observation_register_opens_a_case_per_row_on_the_laptop_once() {
    let (core, _dir) = laptop();
    // The compound the addresses name (八一新苑小区13号楼…), pulled as reference data.
    core.store()
        .apply_pull(
            &[kadian_domain::sync::Change {
                kind: "compound".into(),
                id: common::COMPOUND.into(),
                version: 1,
                deleted: false,
                body: serde_json::json!({"id": common::COMPOUND, "name": "八一新苑", "community": "411402001018"}),
            }],
            1,
        )
        .expect("compound");
    let name = "八一社区_居家观察人员台账.xlsx";
    let bytes = fixture(name);
    let preview = core.import_preview(name, &bytes, None).expect("preview");
    assert_eq!(
        preview.report.kind,
        kadian_registers::RegisterKind::HomeObservation,
        "told from its columns"
    );
    assert_eq!(
        (
            preview.report.accepted,
            preview.report.warned,
            preview.report.rejected
        ),
        (47, 6, 3)
    );
    let done = core.import_commit(&preview.token).expect("import");
    assert_eq!((done.persons, done.travel, done.cases), (53, 53, 53));
    let cases = core.observation_list().expect("cases");
    assert_eq!(cases.len(), 53);
    let row = cases.iter().find(|c| c.name == "袁然").expect("袁然");
    assert_eq!(row.address, "1号楼3单元802", "三单元 read as unit 3");
    assert_eq!(
        row.responsible.as_deref(),
        Some("吴娟"),
        "merged down from row 21"
    );

    let waiting = core.store().pending_count().expect("outbox");
    let again = core.import_preview(name, &bytes, None).expect("preview");
    let skipped = core.import_commit(&again.token).expect("again");
    assert_eq!((skipped.cases, skipped.already_here), (0, 53));
    assert_eq!(core.store().pending_count().expect("outbox"), waiting);
}
