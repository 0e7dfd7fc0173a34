//! The volunteer's shift at a tablet, without a window or a server: who may sign in, with which
//! PIN, and the pause after wrong PINs.

mod common;

use common::{enrolled, open, pulled_volunteer, CHECKPOINT};
use kadian_device::AppCore;
use kadian_domain::sync::Role;

/// A tablet at 东门 with 王志愿 (PIN 2468) and the retired 赵志愿 (PIN 1111).
fn tablet() -> (AppCore, tempfile::TempDir, String) {
    let dir = tempfile::tempdir().expect("tmp");
    let mut store = enrolled(&dir, Role::Volunteer, Some(CHECKPOINT));
    let (wang, w) = pulled_volunteer("王志愿", "2468", false);
    let (_, z) = pulled_volunteer("赵志愿", "1111", true);
    store.apply_pull(&[w, z], 2).expect("volunteers");
    (AppCore::open_store(dir.path(), store), dir, wang)
}

#[test]
fn a_device_that_is_not_a_gate_tablet_cannot_sign_anyone_in() {
    let dir = tempfile::tempdir().expect("tmp");
    let core = AppCore::open_store(dir.path(), open(&dir));
    let e = core.sign_in("anyone", "2468").expect_err("refused");
    assert_eq!(e.code, "not_a_gate");
    assert!(e.message.contains("卡点"), "{}", e.message);
    assert!(!e.message_en.is_empty());
}

#[test]
fn the_sign_in_list_holds_the_volunteers_still_on_duty_by_name() {
    let (core, _d, wang) = tablet();
    let list = core.volunteers().expect("list");
    let names: Vec<(&str, &str)> = list
        .iter()
        .map(|v| (v.id.as_str(), v.name.as_str()))
        .collect();
    assert_eq!(names, [(wang.as_str(), "王志愿")]);
}

#[test]
fn a_wrong_pin_is_refused_and_the_right_one_opens_the_shift() {
    let (core, _d, wang) = tablet();
    let e = core.sign_in(&wang, "1357").expect_err("wrong PIN");
    assert_eq!(e.code, "pin_wrong");
    assert!(core.shift().is_none());
    let shift = core.sign_in(&wang, "2468").expect("signed in");
    assert_eq!(shift.volunteer_name, "王志愿");
    assert_eq!(shift.checkpoint_id, CHECKPOINT);
    assert_eq!(core.shift(), Some(shift));
}

#[test]
fn five_wrong_pins_in_a_row_pause_sign_in_even_for_the_right_pin() {
    let (core, _d, wang) = tablet();
    for _ in 0..5 {
        core.sign_in(&wang, "0000").expect_err("wrong PIN");
    }
    let e = core.sign_in(&wang, "2468").expect_err("paused");
    assert_eq!(e.code, "pin_locked");
    assert!(core.shift().is_none());
}

#[test]
fn signing_out_ends_the_shift_and_keeps_its_summary_for_the_next_volunteer() {
    let (core, _d, wang) = tablet();
    core.sign_in(&wang, "2468").expect("signed in");
    let summary = core.sign_out().expect("signed out");
    assert_eq!(summary.shift.volunteer_name, "王志愿");
    assert!(core.shift().is_none());
    assert_eq!(core.previous_shift(), Some(summary));
    let e = core
        .register_passage("someone", "in", "36.5", None)
        .expect_err("nobody on duty");
    assert_eq!(e.code, "not_signed_in");
}

/// The shift events waiting to be sent, as (mark, volunteer, shift id, own id).
fn queued_shift_events(core: &AppCore) -> Vec<kadian_domain::records::ShiftEvent> {
    core.store()
        .outbox("pending", 100)
        .expect("outbox")
        .into_iter()
        .filter(|e| e.kind == "shift_event")
        .map(|e| serde_json::from_str(&e.body).expect("body"))
        .collect()
}

#[test]
fn a_sign_in_and_its_hand_over_are_written_to_be_synced_and_a_return_from_the_lock_writes_nothing()
{
    use kadian_domain::records::ShiftMark;
    let dir = tempfile::tempdir().expect("tmp");
    let mut store = enrolled(&dir, Role::Volunteer, Some(CHECKPOINT));
    let (wang, w) = pulled_volunteer("王志愿", "2468", false);
    let (li, l) = pulled_volunteer("李志愿", "1357", false);
    store.apply_pull(&[w, l], 2).expect("volunteers");
    let core = AppCore::open_store(dir.path(), store);
    core.sign_in(&wang, "2468").expect("signed in");
    core.sign_in(&wang, "2468")
        .expect("back from the lock: the same shift");
    let events = queued_shift_events(&core);
    assert_eq!(events.len(), 1, "{events:?}");
    let first = &events[0];
    assert_eq!(
        (
            first.mark,
            first.volunteer_id.as_str(),
            first.checkpoint_id.as_str()
        ),
        (ShiftMark::SignedIn, wang.as_str(), CHECKPOINT)
    );
    assert_eq!(first.shift_id, first.id);
    // 李 signs in at the lock: 王's shift is handed over first, then 李's begins.
    core.sign_in(&li, "1357").expect("li");
    core.sign_out().expect("signed out");
    let events = queued_shift_events(&core);
    let marks: Vec<(ShiftMark, &str)> = events
        .iter()
        .map(|e| (e.mark, e.volunteer_id.as_str()))
        .collect();
    assert_eq!(
        marks,
        [
            (ShiftMark::SignedIn, wang.as_str()),
            (ShiftMark::HandedOver, wang.as_str()),
            (ShiftMark::SignedIn, li.as_str()),
            (ShiftMark::HandedOver, li.as_str()),
        ]
    );
    assert_eq!(
        events[1].shift_id, events[0].id,
        "the hand-over names its shift"
    );
    assert_eq!(events[3].shift_id, events[2].id);
    let shifts = kadian_domain::duty::shifts(&events);
    assert!(shifts.iter().all(|s| s.handed_over.is_some()));
}
