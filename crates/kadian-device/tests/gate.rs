//! The gate's behaviour without a window or a server: a tablet's core over a store in a
//! temporary folder, enrolled at a checkpoint, with two volunteers pulled as the server would
//! send them.

mod common;

use common::{enrolled, person, pulled_volunteer, CHECKPOINT};
use kadian_device::areas::gate::{check_temperature, TodayFilter, TravelInput, VisitorInput};
use kadian_device::AppCore;
use kadian_domain::records::Source;
use kadian_domain::sync::Role;

struct Gate {
    core: AppCore,
    _dir: tempfile::TempDir,
    wang: String,
    li: String,
}

/// A tablet at 东门 with the volunteers 王志愿 (PIN 2468) and 李志愿 (PIN 1357).
fn gate() -> Gate {
    let dir = tempfile::tempdir().expect("tmp");
    let mut store = enrolled(&dir, Role::Volunteer, Some(CHECKPOINT));
    let (wang, w) = pulled_volunteer("王志愿", "2468", false);
    let (li, l) = pulled_volunteer("李志愿", "1357", false);
    store.apply_pull(&[w, l], 2).expect("volunteers");
    let core = AppCore::open_store(dir.path(), store);
    Gate {
        core,
        _dir: dir,
        wang,
        li,
    }
}

fn resident(g: &Gate) -> String {
    let p = person("张三", "11010519491231002X", "13800138000");
    g.core
        .store()
        .upsert_person(&p, Source::User)
        .expect("person");
    p.id.to_string()
}

#[test]
fn the_volunteer_on_duty_unlocks_into_the_same_shift_with_its_counts() {
    let g = gate();
    let first = g.core.sign_in(&g.wang, "2468").expect("sign in");
    let p = resident(&g);
    g.core.register_passage(&p, "in", "36.5", None).expect("in");
    g.core
        .register_passage(&p, "out", "38.1", None)
        .expect("out");
    // The idle lock: the same volunteer types the PIN again.
    let again = g.core.sign_in(&g.wang, "2468").expect("unlock");
    assert_eq!(again.started_at, first.started_at, "the shift goes on");
    let summary = g.core.hand_over().expect("summary");
    assert_eq!((summary.entries, summary.exits, summary.fevers), (1, 1, 1));
    assert!(g.core.previous_shift().is_none());
}

#[test]
fn another_volunteer_signing_in_at_the_lock_hands_the_running_shift_over() {
    let g = gate();
    g.core.sign_in(&g.wang, "2468").expect("sign in");
    let p = resident(&g);
    g.core.register_passage(&p, "in", "36.5", None).expect("in");
    let li = g.core.sign_in(&g.li, "1357").expect("换人签到");
    assert_eq!(li.volunteer_name, "李志愿");
    let previous = g.core.previous_shift().expect("the handed-over shift");
    assert_eq!(previous.shift.volunteer_name, "王志愿");
    assert_eq!(previous.entries, 1);
    // The newcomer's own shift starts from zero.
    assert_eq!(g.core.hand_over().expect("summary").entries, 0);
    // Signing out keeps the last summary for whoever comes next.
    g.core.sign_out().expect("sign out");
    assert_eq!(
        g.core
            .previous_shift()
            .expect("previous")
            .shift
            .volunteer_name,
        "李志愿"
    );
}

#[test]
fn a_second_exit_in_a_row_is_noticed_on_the_card_and_warned_at_registration() {
    let g = gate();
    g.core.sign_in(&g.wang, "2468").expect("sign in");
    let p = resident(&g);
    let card = |g: &Gate| g.core.search("张三").expect("search").remove(0);
    assert!(card(&g).last_passage.is_none());
    let first = g
        .core
        .register_passage(&p, "out", "36.5", None)
        .expect("out");
    assert!(first.warnings.is_empty(), "{:?}", first.warnings);
    assert_eq!(
        card(&g).last_passage.expect("last").direction,
        "out",
        "the card says they are out"
    );
    let second = g
        .core
        .register_passage(&p, "out", "36.5", None)
        .expect("out");
    let codes: Vec<&str> = second.warnings.iter().map(|w| w.code.as_str()).collect();
    assert_eq!(codes, ["already_out"]);
    // A voided passage does not count: void both exits, and an exit is plain again.
    g.core
        .void_passage(&first.passage_id, "登记错了")
        .expect("void");
    g.core
        .void_passage(&second.passage_id, "登记错了")
        .expect("void");
    assert!(card(&g).last_passage.is_none());
    let third = g
        .core
        .register_passage(&p, "out", "36.5", None)
        .expect("out");
    assert!(third.warnings.is_empty());
    let back = g.core.register_passage(&p, "in", "36.5", None).expect("in");
    assert!(back.warnings.is_empty());
}

#[test]
fn todays_list_shows_the_fever_and_its_re_measure_both() {
    let g = gate();
    g.core.sign_in(&g.wang, "2468").expect("sign in");
    let p = resident(&g);
    let fever = g.core.register_passage(&p, "in", "38.5", None).expect("in");
    g.core
        .remeasure(&fever.reading.reading_id, "36.9")
        .expect("re-measure");
    g.core
        .register_passage(&p, "out", "36.4", None)
        .expect("out");
    let today = g.core.today(&TodayFilter::default()).expect("today");
    let remeasured = today
        .passages
        .iter()
        .find(|r| r.id == fever.passage_id)
        .expect("row");
    assert_eq!(remeasured.first_celsius, Some(38.5));
    assert_eq!(remeasured.celsius, Some(36.9));
    assert!(remeasured.fever);
    let plain = today
        .passages
        .iter()
        .find(|r| r.id != fever.passage_id)
        .expect("row");
    assert_eq!((plain.first_celsius, plain.celsius), (None, Some(36.4)));
}

#[test]
fn a_typed_temperature_is_read_before_anything_is_stored() {
    let plain = check_temperature("36.6").expect("36.6");
    assert_eq!((plain.celsius, plain.fever), (36.6, false));
    assert!(plain.warnings.is_empty());
    let no_point = check_temperature("366").expect("366");
    assert_eq!(no_point.celsius, 36.6);
    assert_eq!(no_point.warnings[0].code, "temperature_decimal_assumed");
    let fahrenheit = check_temperature("100.4").expect("100.4");
    assert_eq!((fahrenheit.celsius, fahrenheit.fever), (38.0, true));
    assert_eq!(fahrenheit.warnings[0].code, "temperature_fahrenheit");
    for bad in ["3", "45", "36..6", ""] {
        let e = check_temperature(bad).expect_err(bad);
        assert_eq!(e.field.as_deref(), Some("temperature_c"), "{bad}");
    }
}

fn visitor(name: &str, doc: &str, phone: &str) -> VisitorInput {
    VisitorInput {
        name: name.into(),
        document_type: "resident_id".into(),
        document_number: doc.into(),
        phone: phone.into(),
        destination: String::new(),
        purpose: String::new(),
        plate: String::new(),
        companions: 0,
        direction: "in".into(),
        temperature: String::new(),
        travel: None,
    }
}

#[test]
fn what_will_be_stored_in_another_form_than_typed_is_said_at_its_field() {
    let g = gate();
    g.core.sign_in(&g.wang, "2468").expect("sign in");
    let mut v = visitor("赵 六", "11010519491231002x", "139 0013 9000");
    v.plate = "豫n12345".into();
    let notices = g.core.check_visitor(&v).expect("checked");
    let said: Vec<(&str, &str, &str)> = notices
        .iter()
        .filter(|n| n.code == "normalised")
        .map(|n| (n.field.as_str(), n.severity.as_str(), n.message.as_str()))
        .collect();
    assert_eq!(
        said,
        [
            ("name", "info", "将保存为：赵六"),
            ("id_number", "info", "将保存为：11010519491231002X"),
            ("phone", "info", "将保存为：13900139000"),
            ("plate", "info", "将保存为：豫N12345"),
        ],
        "{notices:?}"
    );
    // Typed as it is stored (spaces around it aside): nothing to say.
    let clean = g
        .core
        .check_visitor(&visitor(" 赵六 ", "11010519491231002X", "13900139000"))
        .expect("checked");
    assert!(clean.is_empty(), "{clean:?}");
}

#[test]
fn the_visitor_form_shows_every_problem_at_its_field_before_the_temperature() {
    let g = gate();
    g.core.sign_in(&g.wang, "2468").expect("sign in");
    // A wrong check digit and a 10-digit phone: both reported, each at its field.
    let notices = g
        .core
        .check_visitor(&visitor("赵六", "110105194912310021", "1390013900"))
        .expect("checked");
    let fields: Vec<(&str, &str)> = notices
        .iter()
        .map(|n| (n.field.as_str(), n.severity.as_str()))
        .collect();
    assert!(fields.iter().any(|(f, _)| *f == "id_number"), "{notices:?}");
    assert!(fields.iter().any(|(f, _)| *f == "phone"), "{notices:?}");
    // A name alone is not enough to find the visitor again.
    let only_name = g
        .core
        .check_visitor(&visitor("赵六", "", ""))
        .expect("checked");
    assert_eq!(only_name.len(), 1);
    assert_eq!(
        (only_name[0].code.as_str(), only_name[0].severity.as_str()),
        ("contact_missing", "error")
    );
    let mut v = visitor("赵六", "", "");
    v.temperature = "36.5".into();
    let e = g.core.register_visitor(&v).expect_err("refused");
    assert!(e.notices.iter().any(|n| n.code == "contact_missing"));
    // Checking stores nothing.
    assert_eq!(g.core.store().count("person").expect("count"), 0);
    // A clean form has nothing to say.
    let clean = g
        .core
        .check_visitor(&visitor("赵六", "11010519491231002X", "13900139000"))
        .expect("checked");
    assert!(clean.is_empty(), "{clean:?}");
    // 从外地来 with no place chosen is said before the temperature too.
    let mut travelled = visitor("赵六", "11010519491231002X", "13900139000");
    travelled.travel = Some(TravelInput {
        places: vec![],
        from_date: None,
        to_date: None,
        transport: None,
        transport_ref: None,
    });
    let said = g.core.check_visitor(&travelled).expect("checked");
    assert_eq!(
        said.iter()
            .map(|n| (n.field.as_str(), n.code.as_str()))
            .collect::<Vec<_>>(),
        [("places", "travel_place_missing")]
    );
}

#[test]
fn a_registration_waits_to_sync_as_one_entry_with_its_reading() {
    let g = gate();
    g.core.sign_in(&g.wang, "2468").expect("sign in");
    let p = resident(&g);
    let before = g.core.store().pending_entries().expect("entries");
    let fever = g.core.register_passage(&p, "in", "38.5", None).expect("in");
    // The oldest waiting record is what the device tells the server at its next pull.
    let oldest = g
        .core
        .store()
        .oldest_pending_at()
        .expect("oldest")
        .expect("something waits");
    let now = chrono::Utc::now();
    assert!(
        oldest > now - chrono::Duration::minutes(1) && oldest <= now,
        "{oldest}"
    );
    g.core
        .remeasure(&fever.reading.reading_id, "36.9")
        .expect("re-measure");
    let store = g.core.store();
    assert_eq!(store.pending_entries().expect("entries") - before, 1);
    assert_eq!(
        store.pending_count().expect("rows") - before,
        3,
        "passage and two readings"
    );
    drop(store);
    assert_eq!(
        g.core.hand_over().expect("summary").pending as i64,
        before + 1
    );
}

#[test]
fn voiding_needs_a_reason_and_a_voided_exit_no_longer_counts() {
    let g = gate();
    g.core.sign_in(&g.wang, "2468").expect("sign in");
    let p = resident(&g);
    g.core.register_passage(&p, "in", "36.5", None).expect("in");
    let out = g
        .core
        .register_passage(&p, "out", "36.6", None)
        .expect("out");
    let e = g
        .core
        .void_passage(&out.passage_id, "   ")
        .expect_err("a reason is needed");
    assert_eq!(e.field.as_deref(), Some("reason"), "{e:?}");
    g.core
        .void_passage(&out.passage_id, "登记错了")
        .expect("voided");
    let today = g.core.today(&TodayFilter::default()).expect("today");
    assert_eq!((today.entries, today.exits), (1, 0));
    let voided: Vec<bool> = today.passages.iter().map(|r| r.voided).collect();
    assert_eq!(voided, [true, false], "newest first, the exit voided");
}

#[test]
fn the_search_finds_a_resident_by_the_last_four_of_the_id_number_masked() {
    let g = gate();
    g.core.sign_in(&g.wang, "2468").expect("sign in");
    let p = resident(&g);
    let hits = g.core.search("002x").expect("search");
    assert_eq!(hits.len(), 1);
    assert_eq!(hits[0].id, p);
    assert_eq!(hits[0].id_masked.as_deref(), Some("1101**********002X"));
    assert_eq!(hits[0].phone_masked.as_deref(), Some("138****8000"));
}

#[test]
fn todays_list_exported_leaves_the_voided_passages_out() {
    use kadian_device::areas::review::ExportKind;
    let g = gate();
    g.core.sign_in(&g.wang, "2468").expect("sign in");
    let p = resident(&g);
    g.core.register_passage(&p, "in", "36.5", None).expect("in");
    let out = g
        .core
        .register_passage(&p, "out", "36.6", None)
        .expect("out");
    g.core
        .void_passage(&out.passage_id, "登记错了")
        .expect("voided");
    let exports = tempfile::tempdir().expect("tmp");
    let file = g
        .core
        .export(ExportKind::Today, None, "xlsx", exports.path())
        .expect("exported");
    assert_eq!((file.rows, file.voided_left_out), (1, 1));
    assert!(std::path::Path::new(&file.path).starts_with(exports.path()));
    assert!(file.file_name.ends_with(".xlsx"), "{}", file.file_name);
}

#[test]
fn a_person_under_home_observation_is_flagged_at_the_search_and_going_out_is_warned_of() {
    use kadian_domain::observation::ObservationPolicy;
    use kadian_domain::records::{ObservationCase, ObservationReason};
    let g = gate();
    g.core.sign_in(&g.wang, "2468").expect("sign in");
    let p = resident(&g);
    let today = (chrono::Utc::now() + chrono::Duration::hours(8)).date_naive();
    let case = ObservationCase {
        id: uuid::Uuid::now_v7(),
        person_id: uuid::Uuid::parse_str(&p).expect("id"),
        community_code: "411402001018".into(),
        compound: common::COMPOUND.into(),
        address: None,
        reason: ObservationReason::ReturneeHubei,
        origin_id: None,
        start_date: today - chrono::Days::new(4),
        followed_from: None,
        policy: ObservationPolicy::default(),
        responsible: Some("李红梅".into()),
        responsible_phone: None,
        backup: None,
        notes: None,
    };
    // The tablet pulls its compound's cases as the server sends them.
    g.core
        .store()
        .apply_pull(
            &[common::change(
                "observation_case",
                &case.id.to_string(),
                serde_json::to_value(&case).expect("json"),
            )],
            3,
        )
        .expect("case");
    let hits = g.core.search("张三").expect("search");
    let note = hits[0].observation.as_ref().expect("flagged");
    assert_eq!(
        (note.day, note.days, note.responsible.as_deref()),
        (4, 14, Some("李红梅"))
    );
    let inward = g.core.register_passage(&p, "in", "36.5", None).expect("in");
    assert!(inward
        .warnings
        .iter()
        .all(|w| w.code != "under_observation"));
    let out = g
        .core
        .register_passage(&p, "out", "36.5", None)
        .expect("out");
    let w = out
        .warnings
        .iter()
        .find(|w| w.code == "under_observation")
        .expect("warned");
    assert!(
        w.message.contains("第 4/14 天") && w.message.contains("李红梅"),
        "{}",
        w.message
    );
}

#[test]
fn an_exported_gate_log_keeps_a_re_measured_fever_and_voided_readings_are_marked_and_left_out() {
    use kadian_device::areas::review::{DayRange, ExportKind};
    let g = gate();
    g.core.sign_in(&g.wang, "2468").expect("sign in");
    let p = resident(&g);
    let fever = g.core.register_passage(&p, "in", "38.5", None).expect("in");
    g.core
        .remeasure(&fever.reading.reading_id, "36.9")
        .expect("re-measure");
    let exports = tempfile::tempdir().expect("tmp");
    let file = g
        .core
        .export(ExportKind::Today, None, "csv", exports.path())
        .expect("exported");
    let text = std::fs::read_to_string(&file.path).expect("csv");
    assert!(text.contains("38.5"), "the fever is in the file: {text}");

    let out = g
        .core
        .register_passage(&p, "out", "36.6", None)
        .expect("out");
    g.core
        .void_passage(&out.passage_id, "登记错了")
        .expect("void");
    let today = (chrono::Utc::now() + chrono::Duration::hours(8))
        .date_naive()
        .to_string();
    let range = DayRange {
        from: today.clone(),
        to: today,
    };
    let readings = g.core.review_readings(&range).expect("readings").rows;
    let voided: Vec<f64> = readings
        .iter()
        .filter(|r| r.voided)
        .map(|r| r.celsius)
        .collect();
    assert_eq!(voided, [36.6], "the voided passage's reading is marked");
    let file = g
        .core
        .export(ExportKind::Readings, Some(&range), "csv", exports.path())
        .expect("exported");
    assert_eq!((file.rows, file.voided_left_out), (2, 1));
}

#[test]
fn warnings_a_volunteer_went_on_with_are_on_the_person_page_for_staff() {
    let g = gate();
    g.core.sign_in(&g.wang, "2468").expect("sign in");
    // 仍然继续: a wrong check digit and a 10-digit phone, registered all the same.
    let mut v = visitor("赵六", "110105194912310021", "1390013900");
    v.temperature = "36.5".into();
    let r = g.core.register_visitor(&v).expect("registered");
    // The visitor's record names the gate's compound (the server places it there too): the
    // duplicate review pairs it with a resident of that compound.
    let (record, _) = g
        .core
        .store()
        .person(uuid::Uuid::parse_str(&r.person_id).expect("id"))
        .expect("read")
        .expect("held");
    assert_eq!(record.compound.as_deref(), Some(common::COMPOUND));
    assert_eq!(record.community_code.as_deref(), Some("411402001018"));
    let page = g.core.person_page(&r.person_id).expect("page");
    let codes: Vec<(&str, &str)> = page
        .to_check
        .iter()
        .map(|n| (n.field.as_str(), n.severity.as_str()))
        .collect();
    assert!(codes.contains(&("id_number", "warning")), "{codes:?}");
    assert!(codes.contains(&("phone", "warning")), "{codes:?}");
    // Masked as the page masks them: neither the full phone nor the full ID number.
    for n in &page.to_check {
        for said in [&n.message, &n.message_en] {
            assert!(!said.contains("1390013900"), "{said}");
            assert!(!said.contains("110105194912310021"), "{said}");
        }
    }
    // A visitor whose values are clean has nothing to check.
    let mut clean = visitor("钱七", "11010519491231002X", "13900139000");
    clean.temperature = "36.5".into();
    let r = g.core.register_visitor(&clean).expect("registered");
    assert_eq!(
        g.core.person_page(&r.person_id).expect("page").to_check,
        vec![]
    );
}

#[test]
fn a_destination_has_a_field_of_its_own_never_read_as_the_purpose() {
    let g = gate();
    g.core.sign_in(&g.wang, "2468").expect("sign in");
    for (purpose, destination, stored) in [
        ("送货", "3号楼", (Some("送货"), Some("3号楼"))),
        ("", " 3号楼 ", (None, Some("3号楼"))),
        ("探亲", "", (Some("探亲"), None)),
        ("", "", (None, None)),
    ] {
        let mut v = visitor("孙八", "11010519491231002X", "13900139000");
        v.temperature = "36.5".into();
        v.purpose = purpose.into();
        v.destination = destination.into();
        let r = g.core.register_visitor(&v).expect("registered");
        let person = uuid::Uuid::parse_str(&r.person_id).expect("id");
        let last = g
            .core
            .store()
            .passages_of_person(person, 1)
            .expect("passages");
        assert_eq!(
            (last[0].purpose.as_deref(), last[0].destination.as_deref()),
            stored,
            "{purpose:?} {destination:?}"
        );
    }
    // A destination the record's rules refuse is said at its own field before the pad, and not
    // stored.
    let mut v = visitor("孙八", "11010519491231002X", "13900139000");
    v.destination = "3号楼".repeat(20);
    let said = g.core.check_visitor(&v).expect("checked");
    assert!(
        said.iter()
            .any(|n| n.field == "destination" && n.severity == "error" && n.code == "too_long"),
        "{said:?}"
    );
    v.temperature = "36.5".into();
    assert!(g.core.register_visitor(&v).is_err());
}

/// The gate with the test compound known as 八一花园 and the street's setting `gate_opens`.
fn gate_under(gate_opens: serde_json::Value) -> Gate {
    let g = gate();
    let setting = serde_json::json!({
        "policy": {"version": 2, "days": 10, "visits_per_day": 1, "fever": 37.5,
                   "extend_while_last_day_unseen": true},
        "gate_opens": gate_opens,
    });
    g.core
        .store()
        .apply_pull(
            &[
                common::change(
                    "compound",
                    common::COMPOUND,
                    serde_json::json!({"id": common::COMPOUND, "name": "八一花园", "community": "411402001018"}),
                ),
                common::change("observation_policy", "observation_policy", setting),
            ],
            3,
        )
        .expect("reference");
    g
}

fn from_places(places: &[&str]) -> TravelInput {
    TravelInput {
        places: places.iter().map(|p| (*p).to_owned()).collect(),
        from_date: None,
        to_date: Some("2026-11-28".into()),
        transport: None,
        transport_ref: None,
    }
}

#[test]
fn a_declaration_the_streets_setting_names_opens_a_case_at_the_gate_and_the_way_out_is_then_watched(
) {
    let g = gate_under(serde_json::json!({"rule": "provinces", "codes": ["42"]}));
    g.core.sign_in(&g.wang, "2468").expect("sign in");
    let p = resident(&g);
    let back = g
        .core
        .register_passage(&p, "in", "36.5", Some(&from_places(&["420106"])))
        .expect("in from Wuhan");
    let opened = back
        .warnings
        .iter()
        .find(|w| w.code == "observation_opened")
        .expect("said at the gate");
    assert_eq!(opened.severity, "info");
    assert!(
        opened.message.contains("10 天，至 12月8日"),
        "{}",
        opened.message
    );
    let travel = back.travel_id.expect("declared");
    let case_id =
        kadian_domain::records::observation_case_id_for_declaration(travel.parse().expect("uuid"));
    let (case, _) = g
        .core
        .store()
        .observation_case(&case_id.to_string())
        .expect("read")
        .expect("the case is on the tablet");
    assert_eq!(
        case.reason,
        kadian_domain::records::ObservationReason::ReturneeHubei
    );
    assert_eq!(
        case.policy.version, 2,
        "the street's policy, not the default"
    );
    assert_eq!(case.start_date.to_string(), "2026-11-28");
    assert_eq!(case.compound, common::COMPOUND);
    assert_eq!(case.responsible, None);
    // Queued for the server with the passage, reading and declaration.
    let kinds: Vec<String> = g
        .core
        .store()
        .outbox("pending", 100)
        .expect("outbox")
        .iter()
        .map(|e| e.kind.clone())
        .collect();
    assert_eq!(
        kinds.iter().filter(|k| *k == "observation_case").count(),
        1,
        "{kinds:?}"
    );
    // Another declaration while under observation opens no second case.
    let again = g
        .core
        .register_passage(&p, "in", "36.5", Some(&from_places(&["420111"])))
        .expect("in again");
    assert!(!again
        .warnings
        .iter()
        .any(|w| w.code == "observation_opened"));
    assert_eq!(
        g.core
            .store()
            .outbox("pending", 100)
            .expect("outbox")
            .iter()
            .filter(|e| e.kind == "observation_case")
            .count(),
        1,
        "one case at a time"
    );
    // Going out now is a breach the tablet sees at once, without a sync.
    let out = g
        .core
        .register_passage(&p, "out", "36.5", None)
        .expect("out");
    assert!(
        out.warnings.iter().any(|w| w.code == "under_observation"),
        "{:?}",
        out.warnings
    );
}

#[test]
fn a_declaration_the_setting_does_not_name_or_a_person_of_another_compound_opens_nothing() {
    let g = gate_under(serde_json::json!({"rule": "provinces", "codes": ["42"]}));
    g.core.sign_in(&g.wang, "2468").expect("sign in");
    let p = resident(&g);
    let guangdong = g
        .core
        .register_passage(&p, "in", "36.5", Some(&from_places(&["4403"])))
        .expect("in from Shenzhen");
    assert!(!guangdong
        .warnings
        .iter()
        .any(|w| w.code == "observation_opened"));
    // Someone of another compound passing this gate: their compound's staff open theirs.
    let mut other = person("李四", "110105194912310029", "13800138001");
    other.compound = Some("幸福家园".into());
    g.core
        .store()
        .upsert_person(&other, Source::User)
        .expect("person");
    let hubei = g
        .core
        .register_passage(
            &other.id.to_string(),
            "in",
            "36.5",
            Some(&from_places(&["42"])),
        )
        .expect("in from Hubei");
    assert!(!hubei
        .warnings
        .iter()
        .any(|w| w.code == "observation_opened"));
    assert!(g
        .core
        .store()
        .outbox("pending", 100)
        .expect("outbox")
        .iter()
        .all(|e| e.kind != "observation_case"));
}

#[test]
fn a_visitor_from_outside_the_city_is_observed_where_they_said_they_were_going() {
    let g = gate_under(serde_json::json!({"rule": "outside_city"}));
    g.core.sign_in(&g.wang, "2468").expect("sign in");
    let mut v = visitor("赵六", "11010519491231002X", "13900139000");
    v.temperature = "36.6".into();
    v.destination = "3号楼2单元301".into();
    v.travel = Some(from_places(&["3101"]));
    let r = g.core.register_visitor(&v).expect("registered");
    assert!(r.warnings.iter().any(|w| w.code == "observation_opened"));
    let case_id = kadian_domain::records::observation_case_id_for_declaration(
        r.travel_id.expect("declared").parse().expect("uuid"),
    );
    let (case, _) = g
        .core
        .store()
        .observation_case(&case_id.to_string())
        .expect("read")
        .expect("case");
    assert_eq!(case.address.as_deref(), Some("3号楼2单元301"));
    assert_eq!(
        case.reason,
        kadian_domain::records::ObservationReason::ReturneeElsewhere
    );
    // A trip inside the city opens nothing.
    let mut local_trip = visitor("钱七", "110105194912310029", "13900139001");
    local_trip.temperature = "36.6".into();
    local_trip.travel = Some(from_places(&["411402"]));
    let r = g.core.register_visitor(&local_trip).expect("registered");
    assert!(!r.warnings.iter().any(|w| w.code == "observation_opened"));
}

#[test]
fn a_fever_at_the_gate_of_a_person_under_observation_goes_to_the_emergency_response_group() {
    let g = gate_under(serde_json::json!({"rule": "provinces", "codes": ["42"]}));
    g.core.sign_in(&g.wang, "2468").expect("sign in");
    let p = resident(&g);
    // Not under observation: a fever is the gate's own business (复测), nothing is raised.
    let first = g.core.register_passage(&p, "in", "38.4", None).expect("in");
    assert!(!first.warnings.iter().any(|w| w.code == "referral_raised"));
    // Back from Wuhan with a fever: under observation from this registration, and referred.
    let back = g
        .core
        .register_passage(&p, "in", "38.6", Some(&from_places(&["420106"])))
        .expect("in from Wuhan");
    assert!(back.warnings.iter().any(|w| w.code == "observation_opened"));
    assert!(back.warnings.iter().any(|w| w.code == "referral_raised"));
    let later = g
        .core
        .register_passage(&p, "out", "36.5", None)
        .expect("out");
    assert!(!later.warnings.iter().any(|w| w.code == "referral_raised"));
    let queued: Vec<String> = g
        .core
        .store()
        .outbox("pending", 100)
        .expect("outbox")
        .iter()
        .map(|e| e.kind.clone())
        .filter(|k| k == "referral")
        .collect();
    assert_eq!(queued.len(), 1);
    let reading = uuid::Uuid::parse_str(&back.reading.reading_id).expect("uuid");
    let (r, _) = g
        .core
        .store()
        .referral(&kadian_domain::records::referral_id_for(reading).to_string())
        .expect("read")
        .expect("raised");
    assert_eq!(r.source, kadian_domain::records::ReferralSource::Gate);
    assert_eq!(r.celsius.map(|c| c.degrees()), Some(38.6));
    assert_eq!(r.compound, common::COMPOUND);
}
