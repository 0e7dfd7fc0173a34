//! The street's daily report (日报) through the server, on every backend: grid zones, and a
//! day's figures per community, per zone and for the street, counted here by hand from what the
//! tablets and the laptop registered.

use chrono::{Days, NaiveDate};
use kadian_domain::observation::{ObservationPolicy, TransitionKind, VisitOutcome};
use kadian_domain::places::PlaceWrite;
use kadian_domain::records::{
    new_id, CaseTransition, Direction, FollowUpVisit, Instant, ObservationCase, ObservationReason,
    Passage, Source, Symptom, TemperatureReading, TravelDeclaration, TravelPlace, VisitAction,
    VisitMethod, VisitSlot,
};
use kadian_domain::sync::Role;
use kadian_domain::{Celsius, FeverThreshold};
use kadian_tests::harness::{backends, void_passage, TestDevice, TestServer};

fn today() -> NaiveDate {
    kadian_server::china_time::china_today()
}

/// A passage at `checkpoint` with its first reading (tenths of °C); (passage, reading) ids.
fn pass(
    d: &TestDevice,
    checkpoint: &str,
    direction: Direction,
    plate: Option<&str>,
    tenths: i16,
) -> (uuid::Uuid, uuid::Uuid) {
    pass_at(d, checkpoint, direction, plate, tenths, Instant::now_cst())
}

/// [`pass`] at a given instant.
fn pass_at(
    d: &TestDevice,
    checkpoint: &str,
    direction: Direction,
    plate: Option<&str>,
    tenths: i16,
    at: Instant,
) -> (uuid::Uuid, uuid::Uuid) {
    let passage = Passage {
        id: new_id(),
        checkpoint_id: checkpoint.to_owned(),
        direction,
        at,
        person_id: None,
        walk_in_name: Some("过路人".into()),
        plate: plate.map(str::to_owned),
        companions: 0,
        purpose: None,
        destination: None,
        recorded_by: "volunteer-1".into(),
    };
    let celsius = Celsius::from_tenths(tenths);
    let mut reading = reading(checkpoint, passage.id, celsius, None);
    reading.at = at;
    let ids = (passage.id, reading.id);
    d.core
        .store()
        .record_passage(
            &kadian_device::PassageRegistration {
                passage,
                reading: Some(reading),
                travel: None,
            },
            Source::User,
        )
        .expect("passage");
    ids
}

fn reading(
    checkpoint: &str,
    passage: uuid::Uuid,
    celsius: Celsius,
    remeasure_of: Option<uuid::Uuid>,
) -> TemperatureReading {
    TemperatureReading {
        id: new_id(),
        passage_id: Some(passage),
        person_id: None,
        checkpoint_id: checkpoint.to_owned(),
        at: Instant::now_cst(),
        celsius,
        fever: FeverThreshold::default().is_fever(celsius),
        remeasure_of,
        recorded_by: "volunteer-1".into(),
    }
}

fn remeasure(d: &TestDevice, checkpoint: &str, passage: uuid::Uuid, first: uuid::Uuid, t: i16) {
    d.core
        .store()
        .record_reading(
            &reading(checkpoint, passage, Celsius::from_tenths(t), Some(first)),
            Source::User,
        )
        .expect("re-measure");
}

/// A travel declaration at a passage, arriving on `arrived` from `code`.
fn declare(d: &TestDevice, passage: uuid::Uuid, code: &str, arrived: NaiveDate) {
    d.core
        .store()
        .record_travel(
            &TravelDeclaration {
                id: new_id(),
                person_id: None,
                passage_id: Some(passage),
                places: vec![TravelPlace {
                    division_code: Some(code.into()),
                    text: None,
                }],
                from_date: None,
                to_date: Some(arrived),
                transport: None,
                transport_ref: None,
                declared_at: Instant::now_cst(),
                recorded_by: "volunteer-1".into(),
            },
            Source::User,
        )
        .expect("travel");
}

fn case(s: &TestServer, start: NaiveDate) -> ObservationCase {
    ObservationCase {
        id: new_id(),
        person_id: new_id(),
        community_code: s.community_a.clone(),
        compound: s.compound_a.clone(),
        address: None,
        reason: ObservationReason::ReturneeElsewhere,
        origin_id: None,
        start_date: start,
        followed_from: None,
        policy: ObservationPolicy::default(),
        responsible: None,
        responsible_phone: None,
        backup: None,
        notes: None,
    }
}

fn visit(c: &ObservationCase, tenths: i16, symptoms: Vec<Symptom>) -> FollowUpVisit {
    FollowUpVisit {
        id: new_id(),
        case_id: c.id,
        date: today(),
        slot: VisitSlot::Any,
        at: Instant::now_cst(),
        method: VisitMethod::Door,
        outcome: VisitOutcome::SeenWell,
        celsius: Some(Celsius::from_tenths(tenths)),
        remeasure_of: None,
        symptoms,
        action: VisitAction::None,
        recorded_by: "李红梅".into(),
    }
}

fn transition(c: &ObservationCase, kind: TransitionKind) -> CaseTransition {
    CaseTransition {
        id: new_id(),
        case_id: c.id,
        kind,
        effective: today(),
        reason: "测试".into(),
        at: Instant::now_cst(),
        recorded_by: "社区工作人员".into(),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_daily_report_counts_the_day_per_community_zone_and_street() {
    for b in backends() {
        eprintln!("backend: {b}");
        let s = TestServer::start(b).await;
        let db = s.db.as_ref();
        // Two zones, one compound each; a compound is in one zone only.
        let zone = |name: &str, compound: &str| PlaceWrite::Zone {
            name: name.into(),
            leader: "张伟".into(),
            phone: Some("13800138000".into()),
            compounds: vec![compound.to_owned()],
        };
        db.put_place(&zone("第一片区", &s.compound_a))
            .await
            .expect("zone 1");
        db.put_place(&zone("第二片区", &s.compound_b))
            .await
            .expect("zone 2");
        let err = db
            .put_place(&zone("第二片区", &s.compound_a))
            .await
            .expect_err("a second zone");
        assert!(
            err.to_string().contains("in zone 第一片区 already"),
            "{b}: {err}"
        );
        let err = db
            .put_place(&PlaceWrite::Zone {
                name: "第三片区".into(),
                leader: " ".into(),
                phone: None,
                compounds: vec![],
            })
            .await
            .expect_err("no leader");
        assert!(err.to_string().contains("leader is empty"), "{b}: {err}");
        let reference = db.reference().await.expect("reference");
        assert_eq!(
            reference.zones.len(),
            2,
            "{b}: the refused zone was not added"
        );

        // 八一新苑 东门.
        let (a, ka) = (
            TestDevice::enrolled(&s, Role::Volunteer, &s.checkpoint_a).await,
            s.checkpoint_a.as_str(),
        );
        let (p1, _) = pass(&a, ka, Direction::In, Some("豫N12345"), 365);
        let (p2, r2) = pass(&a, ka, Direction::Out, Some("鄂A12345"), 385);
        remeasure(&a, ka, p2, r2, 368);
        let (p3, r3) = pass(&a, ka, Direction::In, None, 380);
        remeasure(&a, ka, p3, r3, 378);
        let (p4, _) = pass(&a, ka, Direction::In, None, 390);
        void_passage(&a.core, p4, "volunteer-1");
        declare(&a, p1, "420100", today());
        a.sync().await.expect("tablet a");
        // 季庄花园 南门.
        let (bt, kb) = (
            TestDevice::enrolled(&s, Role::Volunteer, &s.checkpoint_b).await,
            s.checkpoint_b.as_str(),
        );
        let (p6, _) = pass(&bt, kb, Direction::Out, None, 366);
        declare(&bt, p6, "440300", today());
        declare(&bt, p6, "440300", today() - Days::new(1));
        bt.sync().await.expect("tablet b");
        // The compound's laptop: five cases.
        let laptop = TestDevice::enrolled(&s, Role::Compound, &s.compound_a).await;
        let seen = case(&s, today() - Days::new(2));
        let new = case(&s, today());
        let missed = case(&s, today() - Days::new(3));
        let released = case(&s, today() - Days::new(4));
        let cancelled = case(&s, today() - Days::new(1));
        let absent = case(&s, today() - Days::new(2));
        let ended_on_arrival = case(&s, today());
        {
            let mut store = laptop.core.store();
            for c in [
                &seen,
                &new,
                &missed,
                &released,
                &cancelled,
                &absent,
                &ended_on_arrival,
            ] {
                store.save_observation_case(c, Source::User).expect("case");
            }
            store
                .record_follow_up_visit(&visit(&seen, 365, vec![]), Source::User)
                .expect("visit");
            store
                .record_follow_up_visit(&visit(&released, 366, vec![Symptom::Cough]), Source::User)
                .expect("visit");
            // Seen and unwell by the outcome alone (no symptom ticked, no fever): seen, and
            // unwell; visited and not found: 未见.
            let mut unwell = visit(&seen, 366, vec![]);
            unwell.outcome = VisitOutcome::SeenUnwell;
            store
                .record_follow_up_visit(&unwell, Source::User)
                .expect("visit");
            let mut not_found = visit(&absent, 366, vec![]);
            not_found.outcome = VisitOutcome::Absent;
            not_found.celsius = None;
            store
                .record_follow_up_visit(&not_found, Source::User)
                .expect("visit");
            // Arrived and transferred out the same day: new, and under care that day.
            store
                .record_case_transition(
                    &transition(&ended_on_arrival, TransitionKind::TransferOut),
                    Source::User,
                )
                .expect("transfer");
            store
                .record_case_transition(
                    &transition(&released, TransitionKind::Release),
                    Source::User,
                )
                .expect("release");
            store
                .record_case_transition(
                    &transition(&cancelled, TransitionKind::Cancel),
                    Source::User,
                )
                .expect("cancel");
        }
        laptop.sync().await.expect("laptop");

        let r = kadian_server::report::daily(db, today(), FeverThreshold::default())
            .await
            .expect("report");
        assert_eq!(r.street, "平原街道");
        assert_eq!(r.unreadable, 0, "{b}");
        let row = |code: &str| {
            r.rows
                .iter()
                .find(|x| x.community_code == code)
                .unwrap_or_else(|| panic!("{b}: no row {code}"))
        };
        let (ra, rb) = (row(&s.community_a), row(&s.community_b));
        assert_eq!(ra.zone.as_deref(), Some("第一片区"), "{b}");
        let fa = ra.figures;
        // The voided passage and its 39.0 are not counted.
        assert_eq!(
            (fa.checkpoints_open, fa.passages_in, fa.passages_out),
            (1, 2, 1),
            "{b}: {fa:?}"
        );
        assert_eq!(
            (fa.vehicles_in, fa.vehicles_out, fa.out_of_province_vehicles),
            (1, 1, 1),
            "{b}: {fa:?}"
        );
        assert_eq!((fa.fevers, fa.remeasured_normal), (2, 1), "{b}: {fa:?}");
        assert_eq!(
            (fa.returnees_hubei, fa.returnees_other),
            (1, 0),
            "{b}: {fa:?}"
        );
        assert_eq!(
            (
                fa.returnees_registered,
                fa.observation_in_care,
                fa.observation_new,
                fa.observation_released
            ),
            (1, 6, 2, 1),
            "{b}: {fa:?}"
        );
        assert_eq!(
            (
                fa.visits_due,
                fa.visits_seen,
                fa.visits_missed,
                fa.observation_unwell
            ),
            (4, 2, 1, 2),
            "{b}: {fa:?}"
        );
        let fb = rb.figures;
        assert_eq!(
            (
                fb.checkpoints_open,
                fb.passages_in,
                fb.passages_out,
                fb.fevers
            ),
            (1, 0, 1, 0),
            "{b}: {fb:?}"
        );
        assert_eq!(
            (fb.returnees_hubei, fb.returnees_other),
            (0, 1),
            "{b}: {fb:?}"
        );
        // On file: the one arriving today and the one of yesterday (no person: each counts).
        assert_eq!(fb.returnees_registered, 2, "{b}: {fb:?}");
        // The zones' subtotals and the rows each add up to the street's total.
        let mut zones = kadian_server::report::Figures::default();
        for z in &r.zones {
            zones += z.figures;
        }
        let mut rows = kadian_server::report::Figures::default();
        for x in &r.rows {
            rows += x.figures;
        }
        assert_eq!(zones, r.total, "{b}");
        assert_eq!(rows, r.total, "{b}");
        assert_eq!(r.zones[0].zone, "第一片区");
        assert_eq!(r.zones[0].figures, fa, "{b}");
        assert!(r.compounds_in_no_zone.is_empty(), "{b}");
        // Everyone synced just now: the data is fresh, nobody late.
        assert_eq!(r.devices_active, 3, "{b}");
        assert!(r.devices_late.is_empty(), "{b}: {:?}", r.devices_late);
        let as_of = r.data_as_of.expect("data as of");
        assert!(
            chrono::Utc::now() - as_of < chrono::Duration::minutes(5),
            "{b}"
        );
        // The district's template: the community's row in its columns, the uncounted ones
        // empty, the zones on their own sheet.
        let sheet = kadian_server::report::daily_sheet(&r, "王芳", "0370-1234567");
        let xa = sheet
            .rows
            .iter()
            .find(|x| x.unit == "八一社区")
            .expect("八一社区");
        assert_eq!(
            xa.values[0..4],
            [Some(1.0), Some(0.0), Some(2.0), Some(1.0)]
        );
        assert_eq!(
            (xa.values[7], xa.values[8], xa.values[10], xa.values[13]),
            (Some(2.0), Some(1.0), Some(1.0), Some(6.0))
        );
        // 转应急处置组, 外出违规 and 在岗人次 are counted (none here: no tablet signed in).
        assert_eq!((xa.values[9], xa.values[21]), (Some(0.0), Some(0.0)));
        assert_eq!(sheet.zones.len(), 2);
        // The checks pass on real counts; a figure that breaks one is named with its unit.
        assert!(r.checks.is_empty(), "{b}: {:?}", r.checks);
        let mut broken = r.clone();
        broken.rows[0].figures.remeasured_normal = broken.rows[0].figures.fevers + 1;
        let failed = kadian_server::report::checks(&broken);
        assert_eq!(failed.len(), 1, "{b}: {failed:?}");
        assert_eq!(failed[0].rule, "remeasured_le_fevers");
        assert_eq!(failed[0].unit, broken.rows[0].community);

        // Signed: frozen. A passage that arrives later does not change it; the next day's report
        // carries it as a late addition (补报).
        let signed = kadian_server::report::sign(db, today(), FeverThreshold::default(), "赵主任")
            .await
            .expect("sign")
            .expect("signed");
        let signature = signed.signed.clone().expect("signature");
        assert_eq!(signature.signer, "赵主任");
        assert_eq!(signature.hash.len(), 64);
        let again = kadian_server::report::sign(db, today(), FeverThreshold::default(), "别人")
            .await
            .expect("sign");
        assert!(
            matches!(again, Err(kadian_server::report::SignRefusal::AlreadySigned(ref s)) if s.signer == "赵主任"),
            "{b}: {again:?}"
        );
        pass(&a, ka, Direction::In, None, 364);
        a.sync().await.expect("a late passage");
        let frozen = kadian_server::report::daily(db, today(), FeverThreshold::default())
            .await
            .expect("frozen");
        assert_eq!(
            frozen.total, r.total,
            "{b}: the signed report did not change"
        );
        assert_eq!(frozen.signed, signed.signed);
        let next =
            kadian_server::report::daily(db, today() + Days::new(1), FeverThreshold::default())
                .await
                .expect("the next day");
        let [late] = next.late_additions.as_slice() else {
            panic!("{b}: one day of late additions: {:?}", next.late_additions)
        };
        assert_eq!(late.date, today());
        assert_eq!(late.figures.passages_in, 1, "{b}: {late:?}");
        assert_eq!(late.figures.fevers, 0);
        assert!(!late.some_fewer);
        let tomorrow = kadian_server::report::sign(
            db,
            today() + Days::new(2),
            FeverThreshold::default(),
            "赵主任",
        )
        .await
        .expect("sign");
        assert_eq!(
            tomorrow,
            Err(kadian_server::report::SignRefusal::InTheFuture)
        );

        // A tablet enrolled that has not sent everything is late, named with what waits on it;
        // its community's data (and the street's) is of unknown freshness until it has.
        let idle = TestDevice::enrolled(&s, Role::Volunteer, &s.checkpoint_b).await;
        let idle_enrolment = idle
            .core
            .store()
            .enrolment()
            .expect("enrolment")
            .expect("enrolled");
        // The server names its street at enrolment: a street laptop's titles and 日报 say it.
        assert_eq!(
            idle_enrolment.street_name.as_deref(),
            Some("平原街道"),
            "{b}"
        );
        let idle_id = idle_enrolment.device_id;
        let late = |r: &kadian_server::report::DailyReport| {
            r.devices_late
                .iter()
                .map(|d| (d.device_id.clone(), d.pending))
                .collect::<Vec<_>>()
        };
        let next_day = today() + Days::new(1);
        let r2 = kadian_server::report::daily(db, next_day, FeverThreshold::default())
            .await
            .expect("report");
        assert_eq!(late(&r2), [(idle_id.clone(), None)], "{b}");
        assert_eq!(r2.data_as_of, None, "{b}");
        let row_b = |r: &kadian_server::report::DailyReport| {
            r.rows
                .iter()
                .find(|x| x.community_code == s.community_b)
                .map(|x| x.data_as_of)
        };
        assert_eq!(row_b(&r2), Some(None), "{b}");
        assert!(r2
            .rows
            .iter()
            .any(|x| x.community_code == s.community_a && x.data_as_of.is_some()));
        let sheet = kadian_server::report::daily_sheet(&r2, "", "");
        assert!(
            sheet
                .rows
                .iter()
                .any(|x| x.unit == "季庄社区" && x.remark.contains("可能偏低")),
            "{b}: {:?}",
            sheet.rows
        );
        // Its oldest waiting record: 08:03 China time, to the second as the device says it.
        let oldest = chrono::DateTime::parse_from_rfc3339("2026-12-06T08:03:00+08:00")
            .expect("t")
            .with_timezone(&chrono::Utc);
        let status = |pending| kadian_domain::sync::DeviceStatus {
            pending,
            rejected: 0,
            quarantined: 0,
            oldest_pending: (pending > 0).then_some(oldest),
        };
        db.note_status(&idle_id, &status(3), chrono::Utc::now())
            .await
            .expect("status");
        let r3 = kadian_server::report::daily(db, next_day, FeverThreshold::default())
            .await
            .expect("report");
        assert_eq!(
            late(&r3),
            [(idle_id.clone(), Some(3))],
            "{b}: 3 records wait on it"
        );
        assert_eq!(r3.devices_late[0].oldest_pending, Some(oldest), "{b}");
        let text = kadian_server::report::daily_text(&r3);
        assert!(
            text.contains("待传 3 条，最早一条登记于 2026-12-06 08:03"),
            "{b}: {text}"
        );
        db.note_status(&idle_id, &status(0), chrono::Utc::now())
            .await
            .expect("status");
        let r4 = kadian_server::report::daily(db, next_day, FeverThreshold::default())
            .await
            .expect("report");
        assert!(r4.devices_late.is_empty(), "{b}: it sent them");
        assert!(r4.data_as_of.is_some(), "{b}");

        // Yesterday had none of it.
        let y = kadian_server::report::daily(db, today() - Days::new(1), FeverThreshold::default())
            .await
            .expect("yesterday");
        assert_eq!(
            (y.total.passages_in, y.total.fevers, y.total.returnees_other),
            (0, 0, 1)
        );
        // Yesterday is over and the laptop has synced since: a day of the period nobody
        // visited is 未见 (missed), not still to visit; the case cancelled today was new then.
        let ya = y
            .rows
            .iter()
            .find(|x| x.community_code == s.community_a)
            .expect("row")
            .figures;
        assert_eq!(
            (
                ya.visits_due,
                ya.visits_seen,
                ya.visits_missed,
                ya.observation_new
            ),
            (4, 0, 4, 1),
            "{b}: {ya:?}"
        );
    }
}

/// Noon, China time, of `day`.
fn noon(day: NaiveDate) -> Instant {
    let utc = day.and_hms_opt(4, 0, 0).expect("noon").and_utc();
    Instant {
        utc,
        offset_minutes: 480,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_late_record_of_a_signed_day_is_reported_once_in_the_next_reports() {
    for b in backends() {
        eprintln!("backend: {b}");
        let s = TestServer::start(b).await;
        let db = s.db.as_ref();
        let tablet = TestDevice::enrolled(&s, Role::Volunteer, &s.checkpoint_a).await;
        let (d2, d1) = (today() - Days::new(2), today() - Days::new(1));
        let late = |day| {
            pass_at(
                &tablet,
                &s.checkpoint_a,
                Direction::In,
                None,
                365,
                noon(day),
            );
        };
        late(d2);
        tablet.sync().await.expect("sync");
        let sign = |day| kadian_server::report::sign(db, day, FeverThreshold::default(), "赵主任");
        let signed = sign(d2).await.expect("sign").expect("signed");
        assert_eq!(signed.total.passages_in, 1, "{b}");
        // A record of the signed day arrives: the next day's signed report carries it.
        late(d2);
        tablet.sync().await.expect("sync");
        let next = sign(d1).await.expect("sign").expect("signed");
        let additions: Vec<_> = next
            .late_additions
            .iter()
            .map(|l| (l.date, l.figures.passages_in))
            .collect();
        assert_eq!(additions, [(d2, 1)], "{b}");
        // Another arrives after that: today's report carries that one only, not both again.
        late(d2);
        tablet.sync().await.expect("sync");
        let today_report = kadian_server::report::daily(db, today(), FeverThreshold::default())
            .await
            .expect("today");
        let additions: Vec<_> = today_report
            .late_additions
            .iter()
            .map(|l| (l.date, l.figures.passages_in))
            .collect();
        assert_eq!(additions, [(d2, 1)], "{b}");
        // The district's file says so under the table.
        let sheet = kadian_server::report::daily_sheet(&today_report, "", "");
        assert!(
            sheet
                .notes
                .iter()
                .any(|n| n.contains(&format!("补报 {d2}")) && n.contains("人员进 1")),
            "{b}: {:?}",
            sheet.notes
        );
        assert!(kadian_server::report::daily_text(&today_report).contains(&format!("补报 {d2}")));
        // And as a row under 合计, in the table's columns, not added into 合计.
        let late_rows: Vec<_> = sheet
            .late
            .iter()
            .map(|r| (r.unit.clone(), r.values[2]))
            .collect();
        assert_eq!(
            late_rows,
            [(format!("补报 {}", d2.format("%-m月%-d日")), Some(1.0))],
            "{b}: 人员进 is the third number column"
        );
        assert_eq!(
            sheet.total.values[2],
            Some(f64::from(today_report.total.passages_in))
        );
        // The signed reports stay as signed.
        let again = kadian_server::report::daily(db, d2, FeverThreshold::default())
            .await
            .expect("d2");
        assert_eq!(again.total.passages_in, 1, "{b}");
    }
}
