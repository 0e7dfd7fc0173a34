//! The desk's person page and sync conflicts without a window or a server: a compound laptop's
//! core over a store in a temporary folder.

mod common;

use common::{enrolled, person};
use kadian_device::AppCore;
use kadian_domain::records::Source;
use kadian_domain::sync::{Change, Role};

fn core(role: Role) -> (AppCore, tempfile::TempDir) {
    let dir = tempfile::tempdir().expect("tmp");
    let store = enrolled(&dir, role, None);
    (AppCore::open_store(dir.path(), store), dir)
}

#[test]
fn the_person_page_is_masked_until_staff_reveal_and_a_tablet_cannot_reveal() {
    let (laptop, _d) = core(Role::Compound);
    let p = person("张三", "11010519491231002X", "13800138000");
    laptop
        .store()
        .upsert_person(&p, Source::User)
        .expect("person");
    let page = laptop.person_page(&p.id.to_string()).expect("page");
    assert_eq!(page.phone.as_deref(), Some("138****8000"));
    assert_ne!(page.document_number.as_deref(), Some("11010519491231002X"));
    assert!(page.can_reveal);
    let full = laptop.person_reveal(&p.id.to_string()).expect("reveal");
    assert_eq!(full.document_number.as_deref(), Some("11010519491231002X"));
    assert_eq!(full.phone.as_deref(), Some("13800138000"));

    let (tablet, _t) = core(Role::Volunteer);
    tablet
        .store()
        .upsert_person(&p, Source::User)
        .expect("person");
    assert!(
        !tablet
            .person_page(&p.id.to_string())
            .expect("page")
            .can_reveal
    );
    let e = tablet
        .person_reveal(&p.id.to_string())
        .expect_err("refused");
    assert_eq!(e.code, "not_allowed");
}

/// A phone changed here and, before the sync, to another number on the server: a conflict.
fn conflicted(laptop: &AppCore) -> kadian_domain::records::Person {
    let mut p = person("李四", "11010519491231002X", "13800138000");
    laptop
        .store()
        .upsert_person(&p, Source::Sync)
        .expect("pulled");
    p.phone = Some("13900001111".into());
    laptop
        .store()
        .upsert_person(&p, Source::User)
        .expect("edited here");
    let mut theirs = p.clone();
    theirs.phone = Some("13700002222".into());
    let change = Change {
        kind: "person".into(),
        id: p.id.to_string(),
        version: 5,
        deleted: false,
        body: serde_json::to_value(&theirs).expect("json"),
    };
    laptop.store().apply_pull(&[change], 9).expect("pull");
    p
}

#[test]
fn a_conflict_names_the_person_and_field_and_keeping_the_stored_value_empties_the_list() {
    let (laptop, _d) = core(Role::Compound);
    let p = conflicted(&laptop);
    let list = laptop.conflicts().expect("list");
    assert_eq!(list.len(), 1);
    let c = &list[0];
    assert_eq!(c.who, "李四");
    assert_eq!(c.field, "phone");
    // As text without JSON quotes, masked like every list (the person page reveals).
    assert_eq!(c.kept, "137****2222");
    assert_eq!(c.lost, "139****1111");
    assert_eq!(c.person_id.as_deref(), Some(p.id.to_string().as_str()));
    assert!(c.can_keep_lost);
    // The same version pulled again (a zone laptop starting its pull over) lists it once.
    let (_, version) = laptop.store().person(p.id).expect("read").expect("person");
    let mut theirs = laptop
        .store()
        .person(p.id)
        .expect("read")
        .expect("person")
        .0;
    theirs.phone = Some("13700002222".into());
    let again = Change {
        kind: "person".into(),
        id: p.id.to_string(),
        version,
        deleted: false,
        body: serde_json::to_value(&theirs).expect("json"),
    };
    laptop
        .store()
        .apply_pull(std::slice::from_ref(&again), 9)
        .expect("pull");
    assert_eq!(laptop.conflicts().expect("list").len(), 1);
    laptop.settle_conflict(&c.id, false).expect("settle");
    assert!(laptop.conflicts().expect("list").is_empty());
    // Settled, it does not come back when pulled again.
    laptop.store().apply_pull(&[again], 9).expect("pull");
    assert!(laptop.conflicts().expect("list").is_empty());
    let (stored, _) = laptop.store().person(p.id).expect("read").expect("person");
    assert_eq!(stored.phone.as_deref(), Some("13700002222"));
    let again = laptop
        .settle_conflict(&c.id, false)
        .expect_err("settled already");
    assert_eq!(again.code, "unknown_conflict");
}

#[test]
fn choosing_the_value_not_applied_writes_a_new_version_to_sync() {
    let (laptop, _d) = core(Role::Compound);
    let p = conflicted(&laptop);
    let c = laptop.conflicts().expect("list").remove(0);
    let pending_before = laptop.store().pending_entries().expect("pending");
    laptop.settle_conflict(&c.id, true).expect("settle");
    let (stored, _) = laptop.store().person(p.id).expect("read").expect("person");
    assert_eq!(stored.phone.as_deref(), Some("13900001111"));
    assert!(laptop.conflicts().expect("list").is_empty());
    assert!(laptop.store().pending_entries().expect("pending") >= pending_before.max(1));
}

#[test]
fn a_tablet_cannot_settle_conflicts() {
    let (tablet, _d) = core(Role::Volunteer);
    let e = tablet.settle_conflict("x", false).expect_err("refused");
    assert_eq!(e.code, "not_a_desk");
}

#[test]
fn a_returnee_is_listed_with_the_day_home_observation_ends() {
    use chrono::Duration;
    use kadian_domain::records::{new_id, Instant, TravelDeclaration, TravelPlace};
    let (laptop, _d) = core(Role::Compound);
    let p = person("张三", "11010519491231002X", "13800138000");
    laptop
        .store()
        .upsert_person(&p, Source::User)
        .expect("person");
    let arrived = Instant::now_cst().utc.date_naive() - Duration::days(2);
    let travel = TravelDeclaration {
        id: new_id(),
        person_id: Some(p.id),
        passage_id: None,
        places: vec![TravelPlace {
            division_code: Some("440305".into()),
            text: None,
        }],
        from_date: Some(arrived - Duration::days(10)),
        to_date: Some(arrived),
        transport: None,
        transport_ref: None,
        declared_at: Instant::now_cst(),
        recorded_by: "王志愿".into(),
    };
    laptop
        .store()
        .record_travel(&travel, Source::User)
        .expect("declared");
    let list = laptop.returnees().expect("returnees");
    assert_eq!(list.len(), 1);
    assert_eq!(list[0].name, "张三");
    assert_eq!(
        list[0].observation_ends.as_deref(),
        Some((arrived + Duration::days(14)).to_string().as_str())
    );
    assert_eq!(list[0].places, ["广东省深圳市南山区"]);
    assert_eq!(list[0].phone_masked.as_deref(), Some("138****8000"));
}
