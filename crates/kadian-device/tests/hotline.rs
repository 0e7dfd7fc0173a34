//! 热线举报 on staff laptops, without a window or a server: intake numbered from the device's own
//! counter and assigned by the address; the compound's list; a check with its disposition and
//! closing; the district's check list taken in once however often it is imported, and its
//! 核查反馈表; deadlines; and bad input refused with its field.

mod common;

use common::{enrolled, open, COMPOUND};
use kadian_device::areas::hotline::{HotlineActionInput, HotlineIntake, HotlineQuery};
use kadian_device::AppCore;
use kadian_domain::records::device_tag;
use kadian_domain::sync::{Change, Role};

const XICHENG: &str = "0190a1b2-0000-7000-8000-000000000002";
const JIANSHE: &str = "0190a1b2-0000-7000-8000-000000000003";

fn fixture(name: &str) -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/fixtures/registers")
        .join(name)
}

fn place(kind: &str, id: &str, body: serde_json::Value) -> Change {
    Change {
        kind: kind.into(),
        id: id.into(),
        version: 1,
        deleted: false,
        body,
    }
}

/// The street's places as a device pulls them: 八一新苑, 西城花园 and 建设小区 in their
/// communities.
fn places(core: &AppCore) {
    let community = |code: &str, name: &str| {
        place(
            "community",
            code,
            serde_json::json!({"code": code, "name": name, "street": "411402001"}),
        )
    };
    let compound = |id: &str, name: &str, community: &str| {
        place(
            "compound",
            id,
            serde_json::json!({"id": id, "name": name, "community": community}),
        )
    };
    core.store()
        .apply_pull(
            &[
                community("411402001018", "八一社区"),
                community("411402001020", "民西社区"),
                community("411402001001", "新区社区"),
                compound(COMPOUND, "八一新苑", "411402001018"),
                compound(XICHENG, "西城花园", "411402001020"),
                compound(JIANSHE, "建设小区", "411402001001"),
            ],
            1,
        )
        .expect("places");
}

/// The street office's laptop.
fn street_laptop() -> (AppCore, tempfile::TempDir) {
    let dir = tempfile::tempdir().expect("tmp");
    let mut store = open(&dir);
    store
        .set_enrolment(&kadian_device::Enrolment {
            server_url: "http://127.0.0.1:9".into(),
            device_id: "street-laptop".into(),
            token: "t".into(),
            role: Role::Street,
            scope: kadian_domain::sync::Scope {
                street: "411402001".into(),
                community: None,
                compound: None,
                checkpoint: None,
                zone: None,
            },
            cert_sha256: None,
            device_name: Some("街道防控办".into()),
            street_name: Some("平原街道".into()),
        })
        .expect("enrol");
    let core = AppCore::open_store(dir.path(), store);
    places(&core);
    (core, dir)
}

/// 八一新苑's laptop.
fn compound_laptop() -> (AppCore, tempfile::TempDir) {
    let dir = tempfile::tempdir().expect("tmp");
    let core = AppCore::open_store(dir.path(), enrolled(&dir, Role::Compound, None));
    places(&core);
    (core, dir)
}

fn intake(subject: &str, address: &str) -> HotlineIntake {
    HotlineIntake {
        channel: "phone".into(),
        category: "returnee_hubei".into(),
        urgency: "normal".into(),
        reporter_name: String::new(),
        reporter_phone: "13800138000".into(),
        subject_name: subject.into(),
        subject_phone: String::new(),
        subject_id_number: String::new(),
        subject_address: address.into(),
        description: "邻居说他昨天从武汉回来，没有登记".into(),
        person_id: None,
        compound: String::new(),
        community: String::new(),
        assignee: String::new(),
    }
}

fn act(report: &str, kind: &str) -> HotlineActionInput {
    HotlineActionInput {
        report_id: report.into(),
        kind: kind.into(),
        result: String::new(),
        disposition: String::new(),
        duplicate_of: String::new(),
        person_id: None,
        case_id: None,
        close: false,
        note: String::new(),
        compound: String::new(),
        community: String::new(),
        assignee: String::new(),
    }
}

fn list(core: &AppCore, filter: &str) -> Vec<kadian_device::areas::hotline::HotlineRow> {
    core.hotline_list(&HotlineQuery {
        filter: filter.into(),
        batch: None,
    })
    .expect("list")
    .rows
}

#[test]
fn intake_is_numbered_from_the_devices_own_counter_and_assigned_by_the_address() {
    let (core, _dir) = street_laptop();
    let first = core
        .hotline_intake(&intake("张伟", "八一新苑3号楼2单元501"))
        .expect("intake");
    let second = core
        .hotline_intake(&intake("李娜", "建设路12号"))
        .expect("intake");
    let tag = device_tag("street-laptop");
    assert!(
        first.row.number.starts_with("411402001-"),
        "{}",
        first.row.number
    );
    assert!(
        first.row.number.ends_with(&format!("-{tag}-001")),
        "{}",
        first.row.number
    );
    assert!(second.row.number.ends_with(&format!("-{tag}-002")));
    // The address named 八一新苑: assigned there at once, with its step; the other stays with
    // the street, waiting to be assigned.
    assert_eq!(first.row.assigned_to, "八一新苑");
    assert_eq!(first.row.status, "assigned");
    assert_eq!(first.actions.len(), 1);
    assert_eq!(first.actions[0].kind, "assign");
    assert_eq!(second.row.assigned_to, "街道");
    assert_eq!(second.row.status, "received");
    assert_eq!(first.reporter, "138****8000");
    let todo = list(&core, "todo");
    assert_eq!(
        todo.len(),
        1,
        "a street laptop's to-do is what is not yet assigned"
    );
    assert_eq!(todo[0].subject, "李娜");
    assert_eq!(list(&core, "taken_here").len(), 2);
}

#[test]
fn the_compound_checks_a_report_offline_and_closes_it_in_one_step() {
    let (street, _d1) = street_laptop();
    let page = street
        .hotline_intake(&intake("张伟", "八一新苑3号楼2单元501"))
        .expect("intake");
    // What the street pushed reaches the compound laptop by its pull.
    let (laptop, _d2) = compound_laptop();
    let report = street
        .store()
        .hotline_report(page.row.id.parse().expect("id"))
        .expect("read")
        .expect("held");
    let actions = street
        .store()
        .report_actions_of(report.id)
        .expect("actions");
    let mut changes = vec![place(
        "hotline_report",
        &report.id.to_string(),
        serde_json::to_value(&report).expect("json"),
    )];
    for a in &actions {
        changes.push(place(
            "report_action",
            &a.id.to_string(),
            serde_json::to_value(a).expect("json"),
        ));
    }
    laptop.store().apply_pull(&changes, 2).expect("pull");
    let todo = list(&laptop, "todo");
    assert_eq!(todo.len(), 1);
    assert_eq!(todo[0].status, "assigned");
    let started = laptop
        .hotline_act(&act(&page.row.id, "start_check"))
        .expect("start");
    assert_eq!(started.row.status, "checking");
    let done = laptop
        .hotline_act(&HotlineActionInput {
            result: "not_found".into(),
            disposition: "no_action".into(),
            close: true,
            note: "敲门三次无人，电话空号".into(),
            ..act(&page.row.id, "check")
        })
        .expect("check");
    assert_eq!(done.row.status, "closed");
    assert_eq!(done.row.result.as_deref(), Some("not_found"));
    let kinds: Vec<&str> = done.actions.iter().map(|a| a.kind.as_str()).collect();
    assert_eq!(
        kinds,
        [
            "assign",
            "start_check",
            "check_result",
            "disposition",
            "close"
        ]
    );
    assert!(list(&laptop, "todo").is_empty());
    // Opened again: back to checked, with the reason in its history.
    let reopened = laptop
        .hotline_act(&HotlineActionInput {
            note: "家属来电说人已回来".into(),
            ..act(&page.row.id, "reopen")
        })
        .expect("reopen");
    assert_eq!(reopened.row.status, "disposed");
    // Its five steps wait in the outbox for the server (what it pulled does not go back).
    assert_eq!(laptop.store().pending_count().expect("outbox"), 5);
}

#[test]
fn observation_is_opened_from_a_report_in_one_step_in_its_compound() {
    let (core, _dir) = street_laptop();
    // Left at the street: nowhere to observe them yet.
    let unplaced = core
        .hotline_intake(&intake("李娜", "建设路12号"))
        .expect("intake");
    let e = core
        .hotline_act(&HotlineActionInput {
            result: "new_person_found".into(),
            disposition: "observation_opened".into(),
            ..act(&unplaced.row.id, "check")
        })
        .expect_err("no compound");
    assert_eq!(
        (e.code.as_str(), e.field.as_deref()),
        ("no_compound", Some("disposition"))
    );
    assert!(core
        .hotline_page(&unplaced.row.id)
        .expect("page")
        .actions
        .is_empty());
    // Assigned to 八一新苑: the person reported is registered there and observed from today.
    let page = core
        .hotline_intake(&HotlineIntake {
            subject_id_number: "420106198605304444".into(),
            subject_phone: "19078458036".into(),
            ..intake("胡丽", "八一新苑15号楼1单元301")
        })
        .expect("intake");
    let done = core
        .hotline_act(&HotlineActionInput {
            result: "new_person_found".into(),
            disposition: "observation_opened".into(),
            ..act(&page.row.id, "check")
        })
        .expect("one step");
    assert_eq!(done.row.disposition.as_deref(), Some("observation_opened"));
    let case_id = done.case_id.clone().expect("case");
    let person_id: uuid::Uuid = done.person_id.clone().expect("person").parse().expect("id");
    let (case, _) = core
        .store()
        .observation_case(&case_id)
        .expect("read")
        .expect("opened");
    assert_eq!(case.compound, COMPOUND);
    assert_eq!(case.person_id, person_id);
    assert_eq!(case.origin_id, Some(page.row.id.parse().expect("id")));
    assert_eq!(case.address.as_deref(), Some("15号楼1单元301"));
    let (person, _) = core
        .store()
        .person(person_id)
        .expect("read")
        .expect("registered");
    assert_eq!(person.name, "胡丽");
    assert_eq!(
        person.document_number.as_deref(),
        Some("420106198605304444")
    );
    // Opened again from the same report (another laptop, or twice): the same case.
    let again = core
        .hotline_act(&HotlineActionInput {
            result: "new_person_found".into(),
            disposition: "observation_opened".into(),
            ..act(&page.row.id, "check")
        })
        .expect("again");
    assert_eq!(again.case_id.as_deref(), Some(case_id.as_str()));
}

#[test]
fn a_reason_is_needed_to_reopen_and_a_duplicate_names_its_report() {
    let (core, _dir) = street_laptop();
    let page = core
        .hotline_intake(&intake("张伟", "八一新苑3号楼2单元501"))
        .expect("intake");
    let e = core
        .hotline_act(&act(&page.row.id, "reopen"))
        .expect_err("no reason");
    assert_eq!(e.code, "invalid_input");
    let e = core
        .hotline_act(&HotlineActionInput {
            result: "duplicate".into(),
            duplicate_of: "no-such-number".into(),
            ..act(&page.row.id, "check")
        })
        .expect_err("no such report");
    assert_eq!(e.field.as_deref(), Some("duplicate_of"));
    // Nothing of the refused steps was written.
    assert_eq!(
        core.hotline_page(&page.row.id).expect("page").actions.len(),
        1
    );
}

#[test]
fn bad_intake_is_refused_with_its_field_and_nothing_is_written() {
    let (core, _dir) = street_laptop();
    let cases = [
        (
            HotlineIntake {
                subject_id_number: "41140219800101001".into(),
                ..intake("张伟", "")
            },
            "subject_id_number",
        ),
        (
            HotlineIntake {
                subject_phone: "12345".into(),
                ..intake("张伟", "")
            },
            "subject_phone",
        ),
        (
            HotlineIntake {
                category: "rumour".into(),
                ..intake("张伟", "")
            },
            "category",
        ),
        (
            HotlineIntake {
                channel: "district_list".into(),
                ..intake("张伟", "")
            },
            "channel",
        ),
        (
            HotlineIntake {
                compound: "no-such-compound".into(),
                ..intake("张伟", "")
            },
            "compound",
        ),
    ];
    for (input, field) in cases {
        let e = core.hotline_intake(&input).expect_err(field);
        assert_eq!(e.field.as_deref(), Some(field), "{e:?}");
    }
    let e = core
        .hotline_intake(&intake("", ""))
        .expect_err("nobody to check");
    assert_eq!(e.code, "invalid_input");
    assert!(list(&core, "all").is_empty());
}

#[test]
fn a_compound_laptop_hands_a_report_back_but_cannot_send_it_to_another_compound() {
    let (laptop, _dir) = compound_laptop();
    let page = laptop.hotline_intake(&intake("张伟", "")).expect("intake");
    assert_eq!(page.row.assigned_to, "八一新苑");
    let e = laptop
        .hotline_act(&HotlineActionInput {
            compound: XICHENG.into(),
            note: "不是本小区".into(),
            ..act(&page.row.id, "reassign")
        })
        .expect_err("another compound");
    assert_eq!(e.code, "not_allowed");
    let back = laptop
        .hotline_act(&HotlineActionInput {
            community: "411402001018".into(),
            note: "住址不在本小区，请社区改派".into(),
            ..act(&page.row.id, "reassign")
        })
        .expect("back to the community");
    assert_eq!(back.row.assigned_to, "八一社区");
    assert!(list(&laptop, "todo").is_empty());
}

#[test]
fn an_urgent_report_is_overdue_once_half_an_hour_passes_unassigned() {
    let (core, _dir) = street_laptop();
    let page = core
        .hotline_intake(&HotlineIntake {
            urgency: "urgent".into(),
            category: "symptoms".into(),
            ..intake("王强", "建设路12号")
        })
        .expect("intake");
    assert!(!page.row.overdue);
    core.set_clock_offset(chrono::Duration::minutes(31));
    let overdue = list(&core, "overdue");
    assert_eq!(overdue.len(), 1);
    assert!(overdue[0].overdue);
    let week = core
        .hotline_list(&HotlineQuery {
            filter: "all".into(),
            batch: None,
        })
        .expect("list")
        .week;
    assert_eq!((week.received, week.overdue, week.checked), (1, 1, 0));
}

#[test]
fn the_district_check_list_is_taken_in_once_and_answered_by_its_feedback_sheet() {
    let (core, dir) = street_laptop();
    let path = fixture("平原街道_区下发核查名单_第3批.xlsx");
    let taken = core.hotline_import_check_list(&path, None).expect("import");
    assert_eq!(taken.batch, 3);
    // 72 rows: 3 refused, 2 the same person again: 67 persons to check.
    assert_eq!((taken.report.rows_total, taken.report.rejected), (72, 3));
    assert_eq!(taken.written, 67);
    let again = core.hotline_import_check_list(&path, None).expect("again");
    assert_eq!((again.written, again.held_already), (0, 67));
    let rows = core
        .hotline_list(&HotlineQuery {
            filter: "all".into(),
            batch: Some(3),
        })
        .expect("list")
        .rows;
    assert_eq!(rows.len(), 67);
    let zhong = rows.iter().find(|r| r.subject == "钟建").expect("钟建");
    assert_eq!(zhong.channel, "district_list");
    // 钟建's first row named 季庄村 (not held here): the report waits at the street.
    assert_eq!(zhong.assigned_to, "街道");
    let hu = rows.iter().find(|r| r.subject == "胡丽").expect("胡丽");
    assert_eq!(hu.assigned_to, "八一新苑");
    assert_eq!(hu.status, "assigned");
    assert_eq!(hu.category, "close_contact");
    // One checked, then the feedback sheet: every person of the batch, in the list's order.
    core.hotline_act(&HotlineActionInput {
        result: "already_registered".into(),
        ..act(&hu.id, "check")
    })
    .expect("check");
    let out = dir.path().join("exports");
    let file = core
        .hotline_feedback_export(3, "csv", &out)
        .expect("export");
    assert_eq!(file.rows, 67);
    let text = std::fs::read_to_string(&file.path).expect("read");
    assert!(text.contains("胡丽"), "{text}");
    assert!(text.contains("已在册"));
    assert!(
        text.contains("420106198605304444"),
        "the district matches by the full ID"
    );
    let e = core
        .hotline_feedback_export(9, "csv", &out)
        .expect_err("no batch 9");
    assert_eq!(e.code, "not_found");
    // A compound laptop does not take lists in.
    let (laptop, _d) = compound_laptop();
    assert_eq!(
        laptop
            .hotline_import_check_list(&path, None)
            .expect_err("not street")
            .code,
        "not_allowed"
    );
}

#[test]
fn two_results_that_disagree_reach_the_conflict_list_and_settling_one_agrees_everywhere() {
    let (street, _d1) = street_laptop();
    let page = street
        .hotline_intake(&intake("张伟", "八一新苑3号楼2单元501"))
        .expect("intake");
    street
        .hotline_act(&HotlineActionInput {
            close: true,
            ..HotlineActionInput {
                result: "not_found".into(),
                ..act(&page.row.id, "check")
            }
        })
        .expect("one result");
    // Another laptop's result, made apart, arrives by the pull.
    let report: uuid::Uuid = page.row.id.parse().expect("id");
    let other = kadian_domain::records::ReportAction {
        id: kadian_domain::records::new_id(),
        report_id: report,
        kind: kadian_domain::records::ReportActionKind::CheckResult,
        at: kadian_domain::records::Instant {
            utc: chrono::Utc::now(),
            offset_minutes: 480,
        },
        recorded_by: "另一台笔记本".into(),
        community_code: None,
        compound: None,
        assignee: None,
        result: Some(kadian_domain::records::CheckFinding::NewPersonFound),
        duplicate_of: None,
        person_id: None,
        disposition: None,
        case_id: None,
        note: None,
        replaces: None,
    };
    street
        .store()
        .apply_pull(
            &[place(
                "report_action",
                &other.id.to_string(),
                serde_json::to_value(&other).expect("json"),
            )],
            5,
        )
        .expect("pull");
    let conflicts = street.conflicts().expect("conflicts");
    let c = conflicts
        .iter()
        .find(|c| c.record_kind == "hotline_report")
        .expect("listed");
    assert_eq!(
        (c.field.as_str(), c.kept.as_str(), c.lost.as_str()),
        ("result", "new_person_found", "not_found")
    );
    assert!(c.who.starts_with("张伟 "), "{}", c.who);
    assert!(
        street
            .hotline_page(&page.row.id)
            .expect("page")
            .row
            .conflicting
    );
    // Staff keep the first laptop's word: reopened, that result recorded after both, closed
    // again; off the list.
    street.settle_conflict(&c.id, true).expect("settle");
    assert!(street
        .conflicts()
        .expect("conflicts")
        .iter()
        .all(|c| c.record_kind != "hotline_report"));
    let p = street.hotline_page(&page.row.id).expect("page");
    assert!(!p.row.conflicting);
    assert_eq!(p.row.result.as_deref(), Some("not_found"));
    assert_eq!(p.row.status, "closed");
}

#[test]
fn checking_again_on_the_same_laptop_corrects_its_result_and_is_no_conflict() {
    let (core, _dir) = street_laptop();
    let page = core
        .hotline_intake(&intake("张伟", "八一新苑3号楼2单元501"))
        .expect("intake");
    for result in ["not_found", "new_person_found"] {
        core.hotline_act(&HotlineActionInput {
            result: result.into(),
            ..act(&page.row.id, "check")
        })
        .expect("check");
    }
    let p = core.hotline_page(&page.row.id).expect("page");
    assert!(!p.row.conflicting);
    assert_eq!(p.row.result.as_deref(), Some("new_person_found"));
    assert!(core
        .conflicts()
        .expect("conflicts")
        .iter()
        .all(|c| c.record_kind != "hotline_report"));
}
