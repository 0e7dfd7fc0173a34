//! Hotline reports (热线举报) through the server, on every backend: taken in on the street
//! laptop, assigned by the address, checked offline on the compound laptop, the result back on
//! the street within one sync round each; two laptops that disagree both kept and the report
//! marked conflicting; numbers of two offline laptops never collide; deadlines on the server's
//! clock when a laptop's is two hours off; tablets neither write nor receive reports; the
//! district's check list imported on the server once, however often, and seen alike on the
//! street laptop; `report hotline` says what the street laptop says.

use kadian_device::areas::hotline::{HotlineActionInput, HotlineIntake, HotlineQuery, HotlineRow};
use kadian_device::AppCore;
use kadian_domain::records::new_id;
use kadian_domain::sync::{ReceiptStatus, Role};
use kadian_server::admin::import_check_list;
use kadian_server::hotline::hotline;
use kadian_tests::harness::{backends, push_raw, TestDevice, TestServer};

fn today() -> chrono::NaiveDate {
    kadian_server::china_time::china_today()
}

fn intake(subject: &str, address: &str) -> HotlineIntake {
    HotlineIntake {
        channel: "phone".into(),
        category: "returnee_hubei".into(),
        urgency: "normal".into(),
        reporter_name: String::new(),
        reporter_phone: String::new(),
        subject_name: subject.into(),
        subject_phone: String::new(),
        subject_id_number: String::new(),
        subject_address: address.into(),
        description: "邻居举报：昨天从武汉回来".into(),
        person_id: None,
        compound: String::new(),
        community: String::new(),
        assignee: String::new(),
    }
}

fn check(report: &str, result: &str) -> HotlineActionInput {
    HotlineActionInput {
        report_id: report.into(),
        kind: "check".into(),
        result: result.into(),
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

fn rows(core: &AppCore, filter: &str) -> Vec<HotlineRow> {
    core.hotline_list(&HotlineQuery {
        filter: filter.into(),
        batch: None,
    })
    .expect("list")
    .rows
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_report_taken_at_the_street_is_checked_offline_at_the_compound_and_comes_back() {
    for b in backends() {
        eprintln!("backend: {b}");
        let s = TestServer::start(b).await;
        let street = TestDevice::enrolled(&s, Role::Street, "411402001").await;
        let laptop = TestDevice::enrolled(&s, Role::Compound, &s.compound_a).await;
        let tablet = TestDevice::enrolled(&s, Role::Volunteer, &s.checkpoint_a).await;
        street.sync().await.expect("places");
        let page = street
            .core
            .hotline_intake(&intake("张伟", "八一新苑3号楼2单元501"))
            .expect("intake");
        assert_eq!(page.row.assigned_to, "八一新苑", "{b}");
        // One round each: the street pushes, the compound laptop pulls.
        street.sync().await.expect("push");
        laptop.sync().await.expect("pull");
        let todo = rows(&laptop.core, "todo");
        assert_eq!(todo.len(), 1, "{b}");
        assert_eq!(todo[0].number, page.row.number);
        // Checked offline: nothing reaches the server until the laptop syncs.
        let done = laptop
            .core
            .hotline_act(&HotlineActionInput {
                disposition: "advised".into(),
                note: "已电话联系本人，已到社区登记".into(),
                ..check(&page.row.id, "new_person_found")
            })
            .expect("check");
        assert_eq!(done.row.status, "disposed");
        street.sync().await.expect("nothing yet");
        assert_eq!(rows(&street.core, "all")[0].status, "assigned", "{b}");
        let r = laptop.sync().await.expect("push");
        assert_eq!(r.rejected, 0, "{b}");
        street.sync().await.expect("pull");
        let back = street.core.hotline_page(&page.row.id).expect("page");
        assert_eq!(back.row.status, "disposed", "{b}");
        assert_eq!(back.row.result.as_deref(), Some("new_person_found"));
        // The gate never receives who reported whom.
        tablet.sync().await.expect("tablet");
        assert!(
            tablet
                .core
                .store()
                .hotline_reports()
                .expect("read")
                .is_empty(),
            "{b}"
        );
        assert!(
            tablet
                .core
                .store()
                .report_actions()
                .expect("read")
                .is_empty(),
            "{b}"
        );
        // The server's figures are the street laptop's.
        let o = hotline(s.db.as_ref(), today(), today(), chrono::Utc::now())
            .await
            .expect("report");
        let week = street
            .core
            .hotline_list(&HotlineQuery {
                filter: "all".into(),
                batch: None,
            })
            .expect("list")
            .week;
        assert_eq!(
            (
                o.street.received,
                o.street.checked,
                o.street.overdue,
                o.street.open
            ),
            (week.received, week.checked, week.overdue, week.open),
            "{b}"
        );
        assert_eq!((o.street.received, o.street.checked), (1, 1), "{b}");
        assert_eq!(o.communities.len(), 1);
        assert_eq!(o.communities[0].name, "八一社区");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_laptops_that_disagree_are_both_kept_and_the_report_is_marked_conflicting() {
    for b in backends() {
        eprintln!("backend: {b}");
        let s = TestServer::start(b).await;
        let street = TestDevice::enrolled(&s, Role::Street, "411402001").await;
        let one = TestDevice::enrolled(&s, Role::Compound, &s.compound_a).await;
        let two = TestDevice::enrolled(&s, Role::Compound, &s.compound_a).await;
        street.sync().await.expect("places");
        let page = street
            .core
            .hotline_intake(&intake("李娜", "八一新苑5号楼"))
            .expect("intake");
        street.sync().await.expect("push");
        one.sync().await.expect("pull");
        two.sync().await.expect("pull");
        one.core
            .hotline_act(&check(&page.row.id, "not_found"))
            .expect("one");
        two.core
            .hotline_act(&check(&page.row.id, "new_person_found"))
            .expect("two");
        for d in [&one, &two] {
            assert_eq!(d.sync().await.expect("push").rejected, 0, "{b}");
        }
        street.sync().await.expect("pull");
        let p = street.core.hotline_page(&page.row.id).expect("page");
        assert!(p.row.conflicting, "{b}");
        assert_eq!(p.conflicting.len(), 2, "{b}: {:?}", p.conflicting);
        let results = p
            .actions
            .iter()
            .filter(|a| a.kind == "check_result")
            .count();
        assert_eq!(results, 2, "{b}: nothing is lost");
        // On the street laptop's conflict list, as any sync conflict.
        let listed = street.core.conflicts().expect("conflicts");
        assert!(
            listed
                .iter()
                .any(|c| c.record_kind == "hotline_report" && c.field == "result"),
            "{b}: {listed:?}"
        );
        let o = hotline(s.db.as_ref(), today(), today(), chrono::Utc::now())
            .await
            .expect("report");
        assert_eq!(o.street.conflicting, 1, "{b}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn numbers_of_two_offline_laptops_never_collide_and_deadlines_run_on_the_servers_clock() {
    for b in backends() {
        eprintln!("backend: {b}");
        let s = TestServer::start(b).await;
        let one = TestDevice::enrolled(&s, Role::Street, "411402001").await;
        let two = TestDevice::enrolled(&s, Role::Street, "411402001").await;
        one.sync().await.expect("places");
        two.sync().await.expect("places");
        // The second laptop's clock runs two hours fast.
        two.core.set_clock_offset(chrono::Duration::hours(2));
        let mut numbers = std::collections::BTreeSet::new();
        for d in [&one, &two] {
            for i in 0..3 {
                let p = d
                    .core
                    .hotline_intake(&HotlineIntake {
                        urgency: "urgent".into(),
                        category: "symptoms".into(),
                        ..intake(&format!("发热者{i}"), "建设路12号")
                    })
                    .expect("intake");
                numbers.insert(p.row.number);
            }
        }
        assert_eq!(numbers.len(), 6, "{b}: {numbers:?}");
        for d in [&one, &two] {
            let r = d.sync().await.expect("push");
            assert_eq!((r.acknowledged, r.rejected), (3, 0), "{b}");
        }
        // Unassigned urgent reports: late 30 minutes after the server received them. The fast
        // laptop's say they were received two hours from now; on the server's clock they were
        // received now, and are late at the same time as the others.
        let now = chrono::Utc::now();
        let at = |minutes: i64| now + chrono::Duration::minutes(minutes);
        let o = hotline(
            s.db.as_ref(),
            today(),
            today() + chrono::Days::new(1),
            at(10),
        )
        .await
        .expect("report");
        assert_eq!((o.street.received, o.street.overdue), (6, 0), "{b}");
        let o = hotline(
            s.db.as_ref(),
            today(),
            today() + chrono::Days::new(1),
            at(35),
        )
        .await
        .expect("report");
        assert_eq!(o.street.overdue, 6, "{b}: the fast clock's reports too");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_tablet_cannot_write_a_report_and_a_compound_laptop_cannot_place_one_elsewhere() {
    for b in backends() {
        eprintln!("backend: {b}");
        let s = TestServer::start(b).await;
        let laptop = TestDevice::enrolled(&s, Role::Compound, &s.compound_a).await;
        let tablet = TestDevice::enrolled(&s, Role::Volunteer, &s.checkpoint_a).await;
        laptop.sync().await.expect("places");
        let page = laptop
            .core
            .hotline_intake(&intake("王强", ""))
            .expect("intake");
        laptop.sync().await.expect("push");
        let report = laptop
            .core
            .store()
            .hotline_report(page.row.id.parse().expect("id"))
            .expect("read")
            .expect("held");
        let mut body = serde_json::to_value(&report).expect("json");
        body["id"] = serde_json::json!(new_id().to_string());
        let r = push_raw(&tablet, vec![("hotline_report", body.clone())]).await;
        assert_eq!(r[0].status, ReceiptStatus::Rejected, "{b}");
        assert_eq!(r[0].error.as_ref().expect("error").code, "not_allowed");
        // The same report placed in the other community's compound.
        body["community_code"] = serde_json::json!(s.community_b);
        body["compound"] = serde_json::json!(s.compound_b);
        let r = push_raw(&laptop, vec![("hotline_report", body.clone())]).await;
        assert_eq!(
            r[0].error.as_ref().expect("error").code,
            "out_of_scope",
            "{b}"
        );
        // A compound of another community than the one named.
        body["community_code"] = serde_json::json!(s.community_a);
        let r = push_raw(&laptop, vec![("hotline_report", body)]).await;
        assert_eq!(
            r[0].error.as_ref().expect("error").code,
            "unknown_compound",
            "{b}"
        );
        // A step on a report the server does not have.
        let action = serde_json::json!({
            "id": new_id().to_string(), "report_id": new_id().to_string(), "kind": "accept",
            "at": {"utc": chrono::Utc::now(), "offset_minutes": 480}, "recorded_by": "x",
        });
        let r = push_raw(&laptop, vec![("report_action", action)]).await;
        assert_eq!(
            r[0].error.as_ref().expect("error").code,
            "unknown_target",
            "{b}"
        );
        // A reassignment step alone cannot send its report where the laptop could not.
        let step = serde_json::json!({
            "id": new_id().to_string(), "report_id": page.row.id, "kind": "reassign",
            "at": {"utc": chrono::Utc::now(), "offset_minutes": 480}, "recorded_by": "x",
            "community_code": s.community_b, "compound": s.compound_b, "note": "搬走了",
        });
        let r = push_raw(&laptop, vec![("report_action", step)]).await;
        assert_eq!(
            r[0].error.as_ref().expect("error").code,
            "out_of_scope",
            "{b}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_district_check_list_is_imported_once_and_seen_alike_on_the_street_laptop() {
    for b in backends() {
        eprintln!("backend: {b}");
        let s = TestServer::start(b).await;
        let path = kadian_tests::shared_dir()
            .join("fixtures/registers")
            .join("平原街道_区下发核查名单_第3批.xlsx");
        let first = import_check_list(s.db.as_ref(), &path, None, false)
            .await
            .expect("import");
        assert_eq!((first.batch, first.reports), (3, 67), "{b}");
        assert_eq!(first.import.stored, 67, "{b}: {:?}", first.import.refused);
        let again = import_check_list(s.db.as_ref(), &path, None, false)
            .await
            .expect("again");
        assert_eq!(
            (again.import.stored, again.import.duplicates),
            (0, 67),
            "{b}"
        );
        // 八一新苑 is the only compound of the list this street has: its rows go there.
        let street = TestDevice::enrolled(&s, Role::Street, "411402001").await;
        let laptop = TestDevice::enrolled(&s, Role::Compound, &s.compound_a).await;
        street.sync().await.expect("pull");
        laptop.sync().await.expect("pull");
        let all = rows(&street.core, "all");
        assert_eq!(all.len(), 67, "{b}");
        let at_bayi = all.iter().filter(|r| r.assigned_to == "八一新苑").count();
        assert_eq!(rows(&laptop.core, "todo").len(), at_bayi, "{b}");
        assert_eq!(first.unassigned, 67 - at_bayi, "{b}");
        // The same list taken in on the street laptop adds nothing.
        let taken = street
            .core
            .hotline_import_check_list(&path, None)
            .expect("laptop import");
        assert_eq!((taken.written, taken.held_already), (0, 67), "{b}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_streets_deadlines_reach_every_laptop_and_the_report_alike() {
    for b in backends() {
        eprintln!("backend: {b}");
        let s = TestServer::start(b).await;
        let mut policy = kadian_domain::hotline::HotlinePolicy::default();
        policy.urgent.assign_minutes = 10;
        s.db.put_hotline_policy(&policy).await.expect("policy");
        let laptop = TestDevice::enrolled(&s, Role::Compound, &s.compound_a).await;
        laptop.sync().await.expect("pull");
        laptop
            .core
            .hotline_intake(&HotlineIntake {
                urgency: "urgent".into(),
                category: "gathering".into(),
                assignee: String::new(),
                ..intake("聚集", "3号楼楼下")
            })
            .expect("intake");
        laptop.sync().await.expect("push");
        // Assigned at intake (to the laptop's own compound), not yet checked: urgent ones are
        // checked within the default 2 hours still; assignment was on time.
        laptop.core.set_clock_offset(chrono::Duration::minutes(11));
        assert!(rows(&laptop.core, "overdue").is_empty(), "{b}");
        // The check deadline set to 10 minutes too: late now, on the laptop and on the server.
        policy.urgent.check_minutes = 10;
        s.db.put_hotline_policy(&policy).await.expect("policy");
        laptop.sync().await.expect("pull");
        assert_eq!(rows(&laptop.core, "overdue").len(), 1, "{b}");
        let o = hotline(
            s.db.as_ref(),
            today(),
            today() + chrono::Days::new(1),
            chrono::Utc::now() + chrono::Duration::minutes(11),
        )
        .await
        .expect("report");
        assert_eq!(o.street.overdue, 1, "{b}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_report_reassigned_leaves_the_old_compounds_work_and_a_zone_laptop_acts_on_its_own() {
    for b in backends() {
        eprintln!("backend: {b}");
        let s = TestServer::start(b).await;
        s.db.put_place(&kadian_domain::places::PlaceWrite::Zone {
            name: "第一片区".into(),
            leader: "王敏".into(),
            phone: None,
            compounds: vec![s.compound_b.clone()],
        })
        .await
        .expect("zone");
        let street = TestDevice::enrolled(&s, Role::Street, "411402001").await;
        let a = TestDevice::enrolled(&s, Role::Compound, &s.compound_a).await;
        let zone = TestDevice::enrolled(&s, Role::Zone, "第一片区").await;
        street.sync().await.expect("places");
        let page = street
            .core
            .hotline_intake(&intake("张伟", "八一新苑3号楼"))
            .expect("intake");
        street.sync().await.expect("push");
        a.sync().await.expect("pull");
        assert_eq!(rows(&a.core, "todo").len(), 1, "{b}");
        // Not 八一新苑's after all: the street sends it to 季庄花园, in the zone.
        let moved = street
            .core
            .hotline_act(&HotlineActionInput {
                kind: "reassign".into(),
                compound: s.compound_b.clone(),
                note: "住址核实在季庄花园".into(),
                ..check(&page.row.id, "")
            })
            .expect("reassign");
        assert_eq!(moved.row.assigned_to, "季庄花园");
        let r = street.sync().await.expect("push");
        assert_eq!(r.rejected, 0, "{b}");
        // 八一新苑's laptop gets the step (it happened there), not the report's new version:
        // its copy is history, off its lists and its figures.
        a.sync().await.expect("pull");
        assert!(rows(&a.core, "todo").is_empty(), "{b}");
        assert!(rows(&a.core, "open").is_empty(), "{b}");
        assert_eq!(rows(&a.core, "all")[0].status, "moved", "{b}");
        // The zone leader's laptop sees it with its history (the steps made where it was
        // before follow it; the reassignment stays with 八一新苑), checks it, and the result
        // reaches the street.
        zone.sync().await.expect("pull");
        let todo = rows(&zone.core, "todo");
        assert_eq!(todo.len(), 1, "{b}");
        assert_eq!(todo[0].status, "assigned", "{b}");
        let history = zone.core.hotline_page(&page.row.id).expect("page").actions;
        assert!(
            history.iter().any(|a| a.kind == "assign"),
            "{b}: {history:?}"
        );
        zone.core
            .hotline_act(&check(&page.row.id, "already_registered"))
            .expect("zone checks");
        let r = zone.sync().await.expect("push");
        assert_eq!((r.acknowledged, r.rejected), (1, 0), "{b}");
        street.sync().await.expect("pull");
        assert_eq!(
            street
                .core
                .hotline_page(&page.row.id)
                .expect("page")
                .row
                .result
                .as_deref(),
            Some("already_registered"),
            "{b}"
        );
    }
}
