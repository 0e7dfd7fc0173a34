//! Duty (值班) through the server, on every backend: a tablet's sign-in and hand-over reach the
//! compound's and the community's laptops and the server's 日报 (在岗人次), and who is on duty
//! now is shown alike; a laptop cannot sign anyone in, a tablet cannot speak for another gate
//! or tablet, and a second tablet at the same gate receives none of the first one's shifts.
//! (How a shift without a hand-over ends is `kadian_domain::duty`'s tests'.)

use chrono::Utc;
use kadian_device::areas::dashboard::DashboardQuery;
use kadian_domain::records::new_id;
use kadian_domain::sync::{ReceiptStatus, Role};
use kadian_tests::harness::{backends, push_raw, TestDevice, TestServer};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_tablets_shifts_reach_the_laptops_and_the_daily_report_and_nobody_signs_in_for_another_gate(
) {
    for b in backends() {
        eprintln!("backend: {b}");
        let s = TestServer::start(b).await;
        let laptop = TestDevice::enrolled(&s, Role::Compound, &s.compound_a).await;
        let community = TestDevice::enrolled(&s, Role::Community, &s.community_a).await;
        let tablet = TestDevice::enrolled(&s, Role::Volunteer, &s.checkpoint_a).await;
        let other_gate = TestDevice::enrolled(&s, Role::Volunteer, &s.checkpoint_b).await;
        laptop.sync().await.expect("places");
        let wang = laptop
            .core
            .volunteer_save(None, "王志愿", "2468")
            .expect("volunteer");
        let li = laptop
            .core
            .volunteer_save(None, "李志愿", "1357")
            .expect("volunteer");
        laptop.sync().await.expect("push");
        tablet.sync().await.expect("pull");
        // 王 signs in and hands over to 李, who is on duty now.
        tablet.core.sign_in(&wang.id, "2468").expect("wang");
        tablet.core.sign_in(&li.id, "1357").expect("li");
        let r = tablet.sync().await.expect("push");
        assert_eq!(r.rejected, 0, "{b}");
        let today = kadian_server::china_time::china_today();
        let daily =
            kadian_server::report::daily(&*s.db, today, kadian_domain::FeverThreshold::default())
                .await
                .expect("daily");
        assert_eq!(daily.total.duty_shifts, 2, "{b}: 在岗人次");
        assert!(daily.not_built.is_empty(), "{b}: {:?}", daily.not_built);
        let row = daily
            .rows
            .iter()
            .find(|r| r.community_code == s.community_a)
            .expect("row");
        assert_eq!(row.figures.duty_shifts, 2, "{b}");
        for d in [&laptop, &community] {
            d.sync().await.expect("pull");
            let board = d
                .core
                .dashboard(&DashboardQuery {
                    date: today.to_string(),
                    community: None,
                    compound: None,
                    zone: None,
                })
                .expect("dashboard");
            assert_eq!(
                board.unit.figures.duty_shifts, 2,
                "{b}: the server's figure"
            );
            assert_eq!(board.duty.checkpoints_staffed, 1, "{b}: 东门 staffed");
            assert_eq!(board.duty.volunteers_on_duty, 1, "{b}: 李 only");
            assert!(board.duty.without_hand_over.is_empty(), "{b}");
            assert!(board.not_built.is_empty(), "{b}");
        }
        // Nobody signs in for another gate or tablet, and a laptop signs nobody in.
        let device_of = |d: &TestDevice| {
            d.core
                .store()
                .enrolment()
                .expect("read")
                .expect("enrolled")
                .device_id
        };
        let mine = device_of(&tablet);
        let event = |gate: &str| {
            let id = new_id();
            serde_json::json!({
                "id": id.to_string(), "shift_id": id.to_string(), "checkpoint_id": gate,
                "device_id": mine, "volunteer_id": wang.id, "mark": "signed_in",
                "at": {"utc": Utc::now(), "offset_minutes": 480},
            })
        };
        let code = |r: Vec<kadian_domain::sync::Receipt>| {
            assert_eq!(r[0].status, ReceiptStatus::Rejected, "{r:?}");
            r[0].error.as_ref().expect("error").code.clone()
        };
        assert_eq!(
            code(push_raw(&tablet, vec![("shift_event", event(&s.checkpoint_b))]).await),
            "not_allowed",
            "{b}"
        );
        assert_eq!(
            code(push_raw(&laptop, vec![("shift_event", event(&s.checkpoint_a))]).await),
            "not_allowed",
            "{b}"
        );
        let mut theirs = event(&s.checkpoint_a);
        theirs["device_id"] = serde_json::json!(device_of(&other_gate));
        assert_eq!(
            code(push_raw(&tablet, vec![("shift_event", theirs)]).await),
            "not_allowed",
            "{b}: another tablet's sign-in"
        );
        let ok = push_raw(&tablet, vec![("shift_event", event(&s.checkpoint_a))]).await;
        assert_eq!(ok[0].status, ReceiptStatus::Accepted, "{b}: {ok:?}");
        // A hand-over that names itself as its shift is malformed.
        let mut own = event(&s.checkpoint_a);
        own["mark"] = serde_json::json!("handed_over");
        assert_eq!(
            code(push_raw(&tablet, vec![("shift_event", own)]).await),
            "invalid_record",
            "{b}"
        );
        // A second tablet at 东门 itself, which receives every record of its compound that a
        // tablet may have, receives no shift event (the server withholds them from tablets).
        let second = TestDevice::enrolled(&s, Role::Volunteer, &s.checkpoint_a).await;
        second.sync().await.expect("pull");
        assert_eq!(
            second.core.volunteers().expect("volunteers").len(),
            2,
            "{b}: it pulled its compound (the volunteers reached it)"
        );
        let held = second
            .core
            .store()
            .shift_events_since(Utc::now() - chrono::Duration::days(2))
            .expect("held");
        assert!(held.is_empty(), "{b}: {held:?}");
    }
}
