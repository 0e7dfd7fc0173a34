//! Disinfection (消杀) through the server, on every backend: a slot overdue on the server is
//! cleared by a disinfection recorded offline on the compound laptop once it syncs, and the
//! street laptop and `report disinfection` say the same; the street's site list imported once
//! however often; hostile pushes refused by the kinds' rules and scopes; a tablet receives only
//! its compound's checkpoint sites and records only their disinfection.

use chrono::{Duration, Utc};
use kadian_device::areas::disinfection::{DisinfectionInput, SiteInput};
use kadian_domain::records::new_id;
use kadian_domain::sync::{ReceiptStatus, Role};
use kadian_server::admin::import_sites;
use kadian_server::disinfection::disinfection;
use kadian_tests::harness::{backends, push_raw, TestDevice, TestServer};

fn yesterday() -> chrono::NaiveDate {
    kadian_server::china_time::china_today() - Duration::days(1)
}

fn site(name: &str) -> SiteInput {
    SiteInput {
        kind: "compound_public_area".into(),
        name: name.into(),
        address: "平原街道八一新苑".into(),
        responsible_unit: "八一新苑物业服务中心".into(),
        times_per_day: 2,
        slots: vec!["08:00".into(), "16:00".into()],
        ..SiteInput::default()
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_slot_overdue_on_the_server_is_cleared_by_a_disinfection_recorded_offline() {
    for b in backends() {
        eprintln!("backend: {b}");
        let s = TestServer::start(b).await;
        let laptop = TestDevice::enrolled(&s, Role::Compound, &s.compound_a).await;
        let street = TestDevice::enrolled(&s, Role::Street, "411402001").await;
        laptop.sync().await.expect("places");
        // Listed with yesterday as its first day on the schedule.
        let board = laptop
            .core
            .disinfection_site_save(&SiteInput {
                active_from: yesterday().to_string(),
                ..site("八一新苑小区公共区域")
            })
            .expect("site");
        let site_id = board.sites[0].id.clone();
        let r = laptop.sync().await.expect("push the site");
        assert_eq!(r.rejected, 0, "{b}");
        // Yesterday's 08:00 and 16:00 were never recorded: both overdue on the server.
        let day = yesterday();
        let before = disinfection(&*s.db, day, Utc::now()).await.expect("report");
        assert_eq!(
            (
                before.street.sites,
                before.street.due,
                before.street.overdue
            ),
            (1, 2, 2),
            "{b}"
        );
        assert_eq!(before.communities[0].name, "八一社区");
        // Offline, the laptop records 08:00 as done at 08:20 yesterday: the server has not
        // heard of it yet.
        laptop
            .core
            .disinfection_record(&DisinfectionInput {
                site_id: site_id.clone(),
                slot: "08:00".into(),
                at: format!("{day} 08:20"),
                areas: vec!["entrance".into(), "stairwell".into()],
                agent: "chlorine".into(),
                concentration_mg_l: Some(500),
                method: "spray".into(),
                done_by: "property_company".into(),
                checked_by: "石国".into(),
                ..DisinfectionInput::default()
            })
            .expect("recorded");
        let still = disinfection(&*s.db, day, Utc::now()).await.expect("report");
        assert_eq!(still.street.overdue, 2, "{b}");
        let r = laptop.sync().await.expect("push");
        assert_eq!((r.rejected, r.acknowledged), (0, 1), "{b}");
        let after = disinfection(&*s.db, day, Utc::now()).await.expect("report");
        assert_eq!((after.street.done, after.street.overdue), (1, 1), "{b}");
        assert_eq!(after.overdue.len(), 1);
        assert_eq!(
            after.overdue[0].slot.map(|t| t.format("%H:%M").to_string()),
            Some("16:00".into())
        );
        // The daily report's 消杀 columns: one site due, not complete (16:00), overdue.
        let daily =
            kadian_server::report::daily(&*s.db, day, kadian_domain::FeverThreshold::default())
                .await
                .expect("daily");
        let row = daily
            .rows
            .iter()
            .find(|r| r.community_code == s.community_a)
            .expect("八一社区")
            .figures;
        assert_eq!(
            (
                row.disinfection_sites,
                row.disinfection_sites_done,
                row.disinfection_sites_overdue
            ),
            (1, 0, 1),
            "{b}"
        );
        assert!(!daily.not_built.iter().any(|c| c.contains("disinfection")));
        let sheet = kadian_server::report::daily_sheet(&daily, "王芳", "0370-1234567");
        let cells = &sheet
            .rows
            .iter()
            .find(|r| r.unit == "八一社区")
            .expect("八一社区")
            .values;
        assert_eq!(
            (cells[35], cells[36], cells[37]),
            (Some(1.0), Some(0.0), Some(1.0))
        );
        // The street laptop, from what it pulled, and the compound laptop say the same.
        street.sync().await.expect("pull");
        for device in [&street, &laptop] {
            let board = device
                .core
                .dashboard(&kadian_device::areas::dashboard::DashboardQuery {
                    date: day.to_string(),
                    community: None,
                    compound: None,
                    zone: None,
                })
                .expect("dashboard");
            let f = &board.unit.figures;
            assert_eq!(
                (
                    f.disinfection_sites,
                    f.disinfection_sites_done,
                    f.disinfection_sites_overdue
                ),
                (1, 0, 1),
                "{b}"
            );
            assert!(!board.not_built.contains(&"disinfection".to_owned()));
        }
        for device in [&street, &laptop] {
            let board = device
                .core
                .disinfection_board(&day.to_string())
                .expect("board");
            assert_eq!(
                (board.total.due, board.total.done, board.total.overdue),
                (after.street.due, after.street.done, after.street.overdue),
                "{b}"
            );
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_site_list_is_imported_once_however_often() {
    for b in backends() {
        eprintln!("backend: {b}");
        let s = TestServer::start(b).await;
        let path = kadian_tests::shared_dir().join("fixtures/registers/平原街道_消杀点位清单.xlsx");
        let dry = import_sites(&*s.db, &path, true).await.expect("dry run");
        assert_eq!(dry.import.stored, 0);
        let first = import_sites(&*s.db, &path, false).await.expect("import");
        let r = &first.import.report;
        // The test street has two of the list's communities: the rows of the others are warned
        // (community_unresolved) and their sites are the street's own.
        assert_eq!(
            (r.rows_total, r.accepted + r.warned, r.rejected),
            (42, 39, 3),
            "{b}"
        );
        assert!(first.street_own > 0, "{b}");
        assert_eq!(first.sites, 38);
        assert_eq!(first.import.stored, 38, "{b}: {:?}", first.import.refused);
        // 八一新苑's public area is placed in the compound its name names.
        assert!(first.in_compounds >= 1, "{b}");
        let again = import_sites(&*s.db, &path, false).await.expect("again");
        assert_eq!(
            (again.import.stored, again.import.duplicates),
            (0, 38),
            "{b}"
        );
        // The street laptop pulls every site; the compound laptop only its compound's.
        let street = TestDevice::enrolled(&s, Role::Street, "411402001").await;
        street.sync().await.expect("pull");
        assert_eq!(
            street
                .core
                .store()
                .disinfection_sites()
                .expect("sites")
                .len(),
            38,
            "{b}"
        );
        let laptop = TestDevice::enrolled(&s, Role::Compound, &s.compound_a).await;
        laptop.sync().await.expect("pull");
        let theirs = laptop.core.store().disinfection_sites().expect("sites");
        assert!(
            !theirs.is_empty()
                && theirs
                    .iter()
                    .all(|x| x.compound.as_deref() == Some(&s.compound_a)),
            "{b}: {theirs:?}"
        );
        let today = disinfection(&*s.db, kadian_server::china_time::china_today(), Utc::now())
            .await
            .expect("report");
        assert_eq!(today.street.sites, 38, "{b}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hostile_sites_and_disinfections_are_refused_and_tablets_see_only_their_gates() {
    for b in backends() {
        eprintln!("backend: {b}");
        let s = TestServer::start(b).await;
        let laptop = TestDevice::enrolled(&s, Role::Compound, &s.compound_a).await;
        let other = TestDevice::enrolled(&s, Role::Compound, &s.compound_b).await;
        let tablet = TestDevice::enrolled(&s, Role::Volunteer, &s.checkpoint_a).await;
        laptop.sync().await.expect("places");
        let board = laptop
            .core
            .disinfection_site_save(&site("八一新苑小区公共区域"))
            .expect("site");
        laptop.sync().await.expect("push");
        let held = laptop
            .core
            .store()
            .disinfection_site(board.sites[0].id.parse().expect("id"))
            .expect("read")
            .expect("held");
        let mut body = serde_json::to_value(&held).expect("json");
        body["id"] = serde_json::json!(new_id().to_string());
        let code = |r: Vec<kadian_domain::sync::Receipt>| {
            assert_eq!(r[0].status, ReceiptStatus::Rejected);
            r[0].error.as_ref().expect("error").code.clone()
        };
        // A tablet writes no site.
        assert_eq!(
            code(push_raw(&tablet, vec![("disinfection_site", body.clone())]).await),
            "not_allowed",
            "{b}"
        );
        // A compound laptop lists none in another community's compound.
        let mut elsewhere = body.clone();
        elsewhere["community_code"] = serde_json::json!(s.community_b);
        elsewhere["compound"] = serde_json::json!(s.compound_b);
        assert_eq!(
            code(push_raw(&laptop, vec![("disinfection_site", elsewhere)]).await),
            "out_of_scope",
            "{b}"
        );
        // A schedule no day has.
        let mut never = body.clone();
        never["times_per_day"] = serde_json::json!(0);
        assert_eq!(
            code(push_raw(&laptop, vec![("disinfection_site", never)]).await),
            "invalid_record",
            "{b}"
        );
        let mut disorder = body.clone();
        disorder["slots"] = serde_json::json!(["16:00:00", "08:00:00"]);
        assert_eq!(
            code(push_raw(&laptop, vec![("disinfection_site", disorder)]).await),
            "invalid_record",
            "{b}"
        );
        let done = |site: &str| {
            serde_json::json!({
                "id": new_id().to_string(), "site_id": site, "slot": "08:00:00",
                "at": {"utc": Utc::now(), "offset_minutes": 480},
                "agent": "chlorine", "concentration_mg_l": 500, "method": "spray",
                "done_by": "street_team", "recorded_by": "x",
            })
        };
        // A disinfection of a site the server does not have.
        assert_eq!(
            code(push_raw(&laptop, vec![("disinfection", done(&new_id().to_string()))]).await),
            "unknown_target",
            "{b}"
        );
        // Of a site another compound's laptop cannot see.
        assert_eq!(
            code(push_raw(&other, vec![("disinfection", done(&board.sites[0].id))]).await),
            "out_of_scope",
            "{b}"
        );
        let mut strong = done(&board.sites[0].id);
        strong["concentration_mg_l"] = serde_json::json!(50_000);
        assert_eq!(
            code(push_raw(&laptop, vec![("disinfection", strong)]).await),
            "invalid_record",
            "{b}"
        );
        // A compound laptop cannot put a site at its community's level (it could no longer see
        // it, nor record there).
        let mut up = body.clone();
        up["compound"] = serde_json::Value::Null;
        assert_eq!(
            code(push_raw(&laptop, vec![("disinfection_site", up)]).await),
            "out_of_scope",
            "{b}"
        );
        // The gate receives no site but its compound's checkpoints (a merchant's phone), and
        // disinfections without who checked them; it records none of the public area's.
        let mut checked = done(&board.sites[0].id);
        checked["checked_by"] = serde_json::json!("石国");
        let ok = push_raw(&laptop, vec![("disinfection", checked)]).await;
        assert_eq!(ok[0].status, ReceiptStatus::Accepted, "{b}");
        assert_eq!(
            code(push_raw(&tablet, vec![("disinfection", done(&board.sites[0].id))]).await),
            "not_allowed",
            "{b}: not the gate's to record"
        );
        let gate = laptop
            .core
            .disinfection_site_save(&SiteInput {
                kind: "checkpoint".into(),
                contact_phone: "13800138000".into(),
                ..site("八一新苑东门卡点")
            })
            .expect("the gate as a site");
        laptop.sync().await.expect("push");
        tablet.sync().await.expect("tablet");
        let held = tablet.core.store().disinfection_sites().expect("read");
        assert_eq!(held.len(), 1, "{b}: only the checkpoint site");
        assert_eq!(held[0].kind, kadian_domain::records::SiteKind::Checkpoint);
        assert_eq!(held[0].contact_phone, None, "{b}: without its contact");
        // (Bounds as the store writes instants: RFC 3339 text, compared as text.)
        let pulled = tablet
            .core
            .store()
            .disinfections_between(
                Utc::now() - Duration::days(2),
                Utc::now() + Duration::days(2),
            )
            .expect("read");
        assert!(
            !pulled.is_empty(),
            "{b}: the compound's disinfections reach the gate"
        );
        assert!(pulled.iter().all(|d| d.checked_by.is_none()), "{b}");
        // The volunteer on duty records the gate's disinfection; the server counts it.
        let v = laptop
            .core
            .volunteer_save(None, "王志愿", "2468")
            .expect("volunteer");
        laptop.sync().await.expect("push");
        tablet.sync().await.expect("tablet");
        tablet.core.sign_in(&v.id, "2468").expect("sign in");
        let gate_id = gate
            .sites
            .iter()
            .find(|x| x.name == "八一新苑东门卡点")
            .expect("listed")
            .id
            .clone();
        let today = kadian_server::china_time::china_today();
        let before = disinfection(&*s.db, today, Utc::now())
            .await
            .expect("report");
        tablet
            .core
            .disinfection_gate_record(&gate_id, "chlorine", "spray")
            .expect("recorded at the gate");
        let r = tablet.sync().await.expect("push");
        assert_eq!(r.rejected, 0, "{b}");
        let after = disinfection(&*s.db, today, Utc::now())
            .await
            .expect("report");
        // A slot kept, or beyond the plan when the gate disinfects before its first time
        // (the test runs at any hour).
        assert_eq!(
            after.street.done + after.street.extra,
            before.street.done + before.street.extra + 1,
            "{b}: the gate's disinfection counted"
        );
        // Nor a checkpoint site of another compound (it cannot see it).
        other.sync().await.expect("places");
        let theirs = other
            .core
            .disinfection_site_save(&SiteInput {
                kind: "checkpoint".into(),
                ..site("季庄花园南门卡点")
            })
            .expect("their gate");
        other.sync().await.expect("push");
        let mut gates = done(&theirs.sites[0].id);
        gates["done_by"] = serde_json::json!("volunteers");
        assert_eq!(
            code(push_raw(&tablet, vec![("disinfection", gates)]).await),
            "out_of_scope",
            "{b}"
        );
    }
}

/// The street's grace, set on the server, is what `report disinfection` judges by and what
/// every laptop gets at its next sync.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_streets_grace_judges_overdue_on_the_server_and_reaches_the_laptops() {
    use chrono::TimeZone;
    for b in backends() {
        eprintln!("backend: {b}");
        let s = TestServer::start(b).await;
        let laptop = TestDevice::enrolled(&s, Role::Compound, &s.compound_a).await;
        laptop.sync().await.expect("places");
        laptop
            .core
            .disinfection_site_save(&SiteInput {
                active_from: yesterday().to_string(),
                ..site("八一新苑小区公共区域")
            })
            .expect("site");
        laptop.sync().await.expect("push");
        // Yesterday at 17:00 China time: 08:00 is 9 hours late, 16:00 one hour.
        let five_pm = chrono::FixedOffset::east_opt(8 * 3600)
            .expect("cst")
            .from_local_datetime(&yesterday().and_hms_opt(17, 0, 0).expect("17:00"))
            .single()
            .expect("one instant")
            .with_timezone(&Utc);
        let overdue = |r: kadian_server::disinfection::DisinfectionOverview| r.street.overdue;
        let before = disinfection(&*s.db, yesterday(), five_pm)
            .await
            .expect("report");
        assert_eq!(overdue(before), 1, "{b}: 2 hours' grace");
        s.db.put_disinfection_policy(&kadian_domain::disinfection::DisinfectionPolicy {
            grace_minutes: 600,
        })
        .await
        .expect("policy");
        let after = disinfection(&*s.db, yesterday(), five_pm)
            .await
            .expect("report");
        assert_eq!(overdue(after), 0, "{b}: 10 hours' grace");
        laptop.sync().await.expect("pull");
        let board = laptop
            .core
            .disinfection_board(&yesterday().to_string())
            .expect("board");
        assert_eq!(board.grace_minutes, 600, "{b}");
    }
}
