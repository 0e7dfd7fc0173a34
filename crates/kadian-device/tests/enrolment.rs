//! What a device is enrolled as, and the name of its place, from the reference data it pulled.

mod common;

use common::{change, enrolled, open, CHECKPOINT, COMPOUND};
use kadian_device::AppCore;
use kadian_domain::sync::{Change, Role};

/// The community, compound and checkpoint of the test devices, as the server sends them.
fn layout() -> Vec<Change> {
    vec![
        change(
            "community",
            "411402001018",
            serde_json::json!({"code": "411402001018", "name": "八一社区", "street": "411402001"}),
        ),
        change(
            "compound",
            COMPOUND,
            serde_json::json!({"id": COMPOUND, "name": "八一新苑", "community": "411402001018"}),
        ),
        change(
            "checkpoint",
            CHECKPOINT,
            serde_json::json!({"id": CHECKPOINT, "name": "东门", "compound": COMPOUND}),
        ),
    ]
}

#[test]
fn a_device_not_enrolled_says_so() {
    let dir = tempfile::tempdir().expect("tmp");
    let core = AppCore::open_store(dir.path(), open(&dir));
    assert_eq!(core.enrolment_info().expect("info"), None);
}

#[test]
fn a_tablet_is_named_by_its_compound_and_gate() {
    let dir = tempfile::tempdir().expect("tmp");
    let mut store = enrolled(&dir, Role::Volunteer, Some(CHECKPOINT));
    store.apply_pull(&layout(), 3).expect("layout");
    let core = AppCore::open_store(dir.path(), store);
    let info = core.enrolment_info().expect("info").expect("enrolled");
    assert_eq!(info.role, "volunteer");
    assert_eq!(info.checkpoint.as_deref(), Some(CHECKPOINT));
    assert_eq!(info.place_name.as_deref(), Some("八一新苑 东门"));
    assert!(!info.reenrol_needed);
}

#[test]
fn a_compound_laptop_is_named_by_its_compound_until_the_layout_arrives() {
    let dir = tempfile::tempdir().expect("tmp");
    let store = enrolled(&dir, Role::Compound, None);
    let core = AppCore::open_store(dir.path(), store);
    let before = core.enrolment_info().expect("info").expect("enrolled");
    assert_eq!(before.place_name, None, "nothing pulled yet");
    core.store().apply_pull(&layout(), 3).expect("layout");
    let after = core.enrolment_info().expect("info").expect("enrolled");
    assert_eq!(after.place_name.as_deref(), Some("八一新苑"));
}
