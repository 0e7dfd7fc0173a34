//! Compound staff's volunteer list on a laptop, without a window or a server: who may set it,
//! a new volunteer waiting to sync, retiring and bringing back.

mod common;

use common::{enrolled, COMPOUND};
use kadian_device::AppCore;
use kadian_domain::sync::{Change, Role};

fn device(role: Role) -> (AppCore, tempfile::TempDir) {
    let dir = tempfile::tempdir().expect("tmp");
    let mut store = enrolled(&dir, role, Some("0190a1b2-0000-7000-8000-000000000002"));
    store
        .apply_pull(
            &[Change {
                kind: "compound".into(),
                id: COMPOUND.into(),
                version: 1,
                deleted: false,
                body: serde_json::json!({"id": COMPOUND, "name": "八一新苑", "community": "411402001018"}),
            }],
            1,
        )
        .expect("compound");
    (AppCore::open_store(dir.path(), store), dir)
}

#[test]
fn a_compound_laptop_adds_a_volunteer_who_waits_to_sync_and_retires_them() {
    let (laptop, _d) = device(Role::Compound);
    let compounds = laptop.volunteer_compounds().expect("compounds");
    assert_eq!(compounds.len(), 1);
    assert_eq!(compounds[0].name, "八一新苑");
    let added = laptop
        .volunteer_save(None, "孙志愿", "4321")
        .expect("added");
    assert_eq!(added.compound_name, "八一新苑");
    assert!(added.pending, "not on the server yet");
    assert!(!added.retired);
    let list = laptop.volunteer_list().expect("list");
    assert_eq!(list.len(), 1);
    assert_eq!(list[0].name, "孙志愿");
    let retired = laptop.volunteer_retire(&added.id, true).expect("retired");
    assert!(retired.retired);
    let back = laptop.volunteer_retire(&added.id, false).expect("back");
    assert!(!back.retired);
}

#[test]
fn a_pin_that_is_not_4_to_6_digits_is_refused_at_its_field() {
    let (laptop, _d) = device(Role::Compound);
    let e = laptop
        .volunteer_save(None, "孙志愿", "12a4")
        .expect_err("refused");
    assert_eq!(e.field.as_deref(), Some("pin"), "{e:?}");
    assert!(laptop.volunteer_list().expect("list").is_empty());
}

#[test]
fn a_gate_tablet_cannot_set_the_volunteer_list() {
    let (tablet, _d) = device(Role::Volunteer);
    let e = tablet
        .volunteer_save(None, "孙志愿", "4321")
        .expect_err("refused");
    assert_eq!(e.code, "not_staff");
    assert_eq!(
        tablet.volunteer_list().expect_err("refused").code,
        "not_staff"
    );
}
