//! The store's side of sync without a server: pulled pages as a hostile or unlucky server could
//! send them. A change this device cannot apply never stops its sync.

mod common;

use common::{change, open, passage, person};
use kadian_domain::records::{Direction, Source};
use kadian_domain::sync::Change;

fn as_change<T: serde::Serialize>(kind: &str, id: impl ToString, record: &T) -> Change {
    change(
        kind,
        &id.to_string(),
        serde_json::to_value(record).expect("json"),
    )
}

#[test]
fn a_change_the_device_cannot_apply_is_quarantined_and_the_rest_of_the_page_applied() {
    let dir = tempfile::tempdir().expect("tmp");
    let mut store = open(&dir);
    let good = passage(None, Direction::In, None);
    let mut nameless = passage(None, Direction::In, None);
    nameless.walk_in_name = None;
    let mut travel = serde_json::json!({
        "id": uuid::Uuid::now_v7().to_string(), "person_id": null, "passage_id": null,
        "places": [{"division_code": "420", "text": null}], "from_date": null, "to_date": null,
        "transport": null, "transport_ref": null,
        "declared_at": {"utc": "2026-11-30T08:00:00Z", "offset_minutes": 480},
        "recorded_by": "v"
    });
    let travel_id = travel["id"].as_str().expect("id").to_owned();
    let page = vec![
        as_change("passage", nameless.id, &nameless),
        change(
            "passage",
            "not-a-passage",
            serde_json::json!({"hello": "world"}),
        ),
        change("travel_declaration", &travel_id, travel.clone()),
        as_change("passage", good.id, &good),
    ];
    let applied = store.apply_pull(&page, 42).expect("the page is applied");
    assert_eq!(applied, 1);
    assert_eq!(
        store.pull_cursor().expect("cursor"),
        42,
        "the cursor moved on"
    );
    assert_eq!(store.count("passage").expect("count"), 1);
    let q = store.quarantined().expect("quarantine");
    assert_eq!(q.len(), 3, "{q:?}");
    let codes: Vec<&str> = q.iter().map(|c| c.code.as_str()).collect();
    assert!(codes.contains(&"name_missing"), "{codes:?}");
    assert!(codes.contains(&"place_code_format"), "{codes:?}");
    assert!(codes.contains(&"invalid_record"), "{codes:?}");
    // A later, good version of a quarantined record applies and clears its entry.
    travel["places"] = serde_json::json!([{"division_code": "4201", "text": "武汉市"}]);
    let mut fixed = change("travel_declaration", &travel_id, travel);
    fixed.version = 2;
    store.apply_pull(&[fixed], 43).expect("apply");
    assert_eq!(store.quarantined_count().expect("count"), 2);
}

#[test]
fn a_pulled_person_with_a_local_persons_id_number_is_quarantined_not_merged() {
    let dir = tempfile::tempdir().expect("tmp");
    let mut store = open(&dir);
    let local = person("张伟", "11010519491231002X", "13800000000");
    store.upsert_person(&local, Source::User).expect("local");
    let mut other = local.clone();
    other.id = uuid::Uuid::now_v7();
    other.name = "李娜".into();
    store
        .apply_pull(&[as_change("person", other.id, &other)], 7)
        .expect("the page is applied");
    assert_eq!(store.pull_cursor().expect("cursor"), 7);
    let (kept, _) = store.person(local.id).expect("p").expect("still there");
    assert_eq!(kept.name, "张伟", "never folded into the local person");
    assert!(store.person(other.id).expect("p").is_none());
    assert_eq!(
        store.quarantined().expect("q")[0].code,
        "document_number_in_use"
    );
}

#[test]
fn a_hostile_body_is_refused_on_every_write_not_only_on_pull() {
    let dir = tempfile::tempdir().expect("tmp");
    let mut store = open(&dir);
    let mut p = person("张伟", "11010519491231002X", "13800000000");
    p.name = "长".repeat(41);
    let err = store
        .upsert_person(&p, Source::Import)
        .expect_err("too long");
    assert_eq!(err.code(), "invalid_record");
    assert_eq!(store.count("person").expect("count"), 0);
}

#[test]
fn a_change_of_a_kind_this_version_does_not_know_or_a_malformed_place_is_quarantined() {
    let dir = tempfile::tempdir().expect("tmp");
    let mut store = open(&dir);
    // A kind a later version brings (none has it yet).
    let site = change(
        "purchase_order",
        &uuid::Uuid::now_v7().to_string(),
        serde_json::json!({"name": "八一新苑 东区"}),
    );
    let compound = change(
        "compound",
        "c1",
        serde_json::json!({"id": "c1", "name": "八一新苑", "community": "411402001018"}),
    );
    // A place whose body is not a checkpoint's: quarantined too, not left out of the lists.
    let nameless_gate = change("checkpoint", "g1", serde_json::json!({"id": "g1"}));
    let applied = store
        .apply_pull(&[site, compound, nameless_gate], 9)
        .expect("the page is applied");
    assert_eq!(applied, 1, "the compound is applied");
    assert_eq!(store.pull_cursor().expect("cursor"), 9);
    assert!(store
        .reference("purchase_order")
        .expect("reference")
        .is_empty());
    assert_eq!(store.reference("compound").expect("reference").len(), 1);
    assert!(store.reference("checkpoint").expect("reference").is_empty());
    let q = store.quarantined().expect("quarantine");
    let got: Vec<(&str, &str)> = q
        .iter()
        .map(|c| (c.kind.as_str(), c.code.as_str()))
        .collect();
    assert_eq!(got.len(), 2, "{q:?}");
    assert!(got.contains(&("purchase_order", "unknown_kind")), "{got:?}");
    assert!(got.contains(&("checkpoint", "invalid_record")), "{got:?}");
}

fn registered(store: &mut kadian_device::Store) -> String {
    let p = passage(None, Direction::In, None);
    store
        .record_passage(
            &kadian_device::PassageRegistration {
                passage: p.clone(),
                reading: None,
                travel: None,
            },
            Source::User,
        )
        .expect("passage");
    p.id.to_string()
}

/// Pushes what waits and applies the server's answer: `code` refuses every record, `None`
/// accepts them.
fn answered(store: &mut kadian_device::Store, code: Option<&str>) {
    use kadian_domain::sync::{ApiError, Receipt, ReceiptStatus};
    let batch = store.push_batch(100).expect("batch");
    let seqs: Vec<i64> = batch.iter().map(|e| e.seq).collect();
    store.mark_sent(&seqs).expect("sent");
    let receipts: Vec<Receipt> = batch
        .iter()
        .enumerate()
        .map(|(i, e)| Receipt {
            id: e.record_id.clone(),
            status: if code.is_some() {
                ReceiptStatus::Rejected
            } else {
                ReceiptStatus::Accepted
            },
            server_seq: code.is_none().then_some(i as i64 + 1),
            version: Some(1),
            error: code.map(|c| ApiError {
                code: c.into(),
                message: "refused".into(),
            }),
        })
        .collect();
    store.apply_receipts(&batch, &receipts).expect("receipts");
}

#[test]
fn a_restored_server_gets_every_acknowledged_record_again_ahead_of_what_waits() {
    let dir = tempfile::tempdir().expect("tmp");
    let mut store = common::enrolled(&dir, kadian_domain::sync::Role::Volunteer, Some("cp-1"));
    assert_eq!(
        store.adopt_server_generation("g1", Some(1)).expect("adopt"),
        None,
        "the first generation seen is only kept"
    );
    let first = registered(&mut store);
    let second = registered(&mut store);
    answered(&mut store, None);
    assert_eq!(store.pending_count().expect("pending"), 0);
    assert_eq!(store.acknowledged_count().expect("kept"), 2);
    let waiting = registered(&mut store);
    store.apply_pull(&[], 42).expect("cursor");
    assert_eq!(
        store.adopt_server_generation("g1", Some(1)).expect("same"),
        None
    );
    assert_eq!(store.pull_cursor().expect("cursor"), 42);

    assert_eq!(
        store
            .adopt_server_generation("g2", Some(2))
            .expect("restored"),
        Some(2)
    );
    let order: Vec<String> = store
        .push_batch(100)
        .expect("batch")
        .into_iter()
        .map(|e| e.record_id)
        .collect();
    assert_eq!(
        order,
        [first, second, waiting],
        "sent first, in their order"
    );
    assert_eq!(store.pull_cursor().expect("cursor"), 0, "pulled again");
    assert_eq!(store.acknowledged_count().expect("kept"), 0);
    assert_eq!(
        store.server_generation().expect("generation").as_deref(),
        Some("g2")
    );
    assert_eq!(
        store.adopt_server_generation("g2", Some(2)).expect("again"),
        None
    );
    // Acknowledged again, they are kept again.
    answered(&mut store, None);
    assert_eq!(store.acknowledged_count().expect("kept"), 3);
}

#[test]
fn after_a_restore_a_correction_whose_target_has_not_come_back_yet_goes_again() {
    let dir = tempfile::tempdir().expect("tmp");
    let mut store = common::enrolled(&dir, kadian_domain::sync::Role::Volunteer, Some("cp-1"));
    // Before any restore, a correction of a record the server does not hold is refused.
    registered(&mut store);
    answered(&mut store, Some("unknown_target"));
    assert_eq!(store.rejected_count().expect("rejected"), 1);
    let other_dir = tempfile::tempdir().expect("tmp");
    let mut other = common::enrolled(
        &other_dir,
        kadian_domain::sync::Role::Volunteer,
        Some("cp-1"),
    );
    other.adopt_server_generation("g1", Some(1)).expect("first");
    other
        .adopt_server_generation("g2", Some(2))
        .expect("restored");
    registered(&mut other);
    answered(&mut other, Some("unknown_target"));
    assert_eq!(other.rejected_count().expect("rejected"), 0);
    assert_eq!(other.pending_count().expect("pending"), 1, "goes again");
    answered(&mut other, Some("id_reused"));
    assert_eq!(
        other.rejected_count().expect("rejected"),
        1,
        "a refusal stays one"
    );
}

#[test]
fn a_device_that_pulled_before_it_knew_generations_takes_a_restored_servers_first_as_a_restore() {
    use kadian_domain::sync::Role;
    let dir = tempfile::tempdir().expect("tmp");
    let mut store = common::enrolled(&dir, Role::Volunteer, Some("cp-1"));
    store.apply_pull(&[], 300).expect("pulled before");
    assert_eq!(
        store.adopt_server_generation("g2", Some(2)).expect("adopt"),
        Some(0)
    );
    assert_eq!(store.pull_cursor().expect("cursor"), 0, "pulls again");
    // A device that never pulled, or a server never restored: the generation is only kept.
    let fresh = tempfile::tempdir().expect("tmp");
    let mut new_one = common::enrolled(&fresh, Role::Volunteer, Some("cp-1"));
    assert_eq!(
        new_one
            .adopt_server_generation("g2", Some(2))
            .expect("adopt"),
        None
    );
    let old = tempfile::tempdir().expect("tmp");
    let mut never = common::enrolled(&old, Role::Volunteer, Some("cp-1"));
    never.apply_pull(&[], 300).expect("pulled before");
    assert_eq!(
        never.adopt_server_generation("g1", Some(1)).expect("adopt"),
        None
    );
    assert_eq!(never.pull_cursor().expect("cursor"), 300);
}

#[test]
fn a_round_pushes_each_row_once_and_a_row_sent_back_to_pending_waits_for_the_next() {
    let dir = tempfile::tempdir().expect("tmp");
    let mut store = common::enrolled(&dir, kadian_domain::sync::Role::Volunteer, Some("cp-1"));
    let first = registered(&mut store);
    let second = registered(&mut store);
    let batch = store.push_batch_after(i64::MIN, 1).expect("batch");
    assert_eq!(batch[0].record_id, first);
    let next = store.push_batch_after(batch[0].seq, 10).expect("batch");
    assert_eq!(next.len(), 1);
    assert_eq!(next[0].record_id, second);
    assert!(store
        .push_batch_after(next[0].seq, 10)
        .expect("batch")
        .is_empty());
}

#[test]
fn enrolling_with_another_server_forgets_its_generation_and_what_the_last_one_acknowledged() {
    let dir = tempfile::tempdir().expect("tmp");
    let mut store = common::enrolled(&dir, kadian_domain::sync::Role::Volunteer, Some("cp-1"));
    store.adopt_server_generation("g1", Some(1)).expect("adopt");
    registered(&mut store);
    answered(&mut store, None);
    let mut e = store.enrolment().expect("read").expect("enrolled");
    e.server_url = "https://kadian.example.cn".into();
    store.set_enrolment(&e).expect("enrol elsewhere");
    assert_eq!(store.server_generation().expect("generation"), None);
    assert_eq!(store.acknowledged_count().expect("kept"), 0);
    assert_eq!(
        store
            .adopt_server_generation("other", Some(1))
            .expect("adopt"),
        None,
        "a new server's first generation sends nothing again"
    );
    assert_eq!(store.pending_count().expect("pending"), 0);
}
