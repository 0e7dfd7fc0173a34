//! Home observation through the server, on every backend: cases, visits and status changes
//! from two laptops of a compound, each kept once; the day counted once; tablets and other
//! communities kept out.

use chrono::NaiveDate;
use kadian_domain::observation::{
    day_grid, CaseStatus, DayState, ObservationPolicy, TransitionKind, VisitOutcome,
};
use kadian_domain::records::{
    new_id, CaseTransition, FollowUpVisit, Instant, ObservationCase, ObservationReason, Source,
    VisitAction, VisitMethod, VisitSlot,
};
use kadian_domain::sync::{PushRecord, PushRequest, ReceiptStatus, Role};
use kadian_tests::harness::{backends, TestDevice, TestServer};

fn today() -> NaiveDate {
    (chrono::Utc::now() + chrono::Duration::hours(8)).date_naive()
}

fn visit(case: &ObservationCase, day: NaiveDate, who: &str) -> FollowUpVisit {
    FollowUpVisit {
        id: new_id(),
        case_id: case.id,
        date: day,
        slot: VisitSlot::Any,
        at: Instant::now_cst(),
        method: VisitMethod::Door,
        outcome: VisitOutcome::SeenWell,
        celsius: Some(kadian_domain::Celsius::from_tenths(365)),
        remeasure_of: None,
        symptoms: Vec::new(),
        action: VisitAction::None,
        recorded_by: who.into(),
    }
}

/// A returnee's case in the test server's compound A, from `start`, with nothing else set.
fn case_in(s: &TestServer, start: NaiveDate) -> ObservationCase {
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

fn transition(case: &ObservationCase, kind: TransitionKind) -> CaseTransition {
    CaseTransition {
        id: new_id(),
        case_id: case.id,
        kind,
        effective: today(),
        reason: "测试".into(),
        at: Instant::now_cst(),
        recorded_by: "社区工作人员".into(),
    }
}

/// Pushes `record` of `kind` from `d` as it is; the refusal's code, `None` when it was taken.
async fn refusal<T: serde::Serialize>(d: &TestDevice, kind: &str, record: &T) -> Option<String> {
    let (status, code) = push_raw(d, kind, serde_json::to_value(record).expect("json")).await;
    if status == ReceiptStatus::Rejected {
        code
    } else {
        None
    }
}

async fn push_raw(
    d: &TestDevice,
    kind: &str,
    body: serde_json::Value,
) -> (ReceiptStatus, Option<String>) {
    let hash = {
        use sha2::Digest;
        hex::encode(sha2::Sha256::digest(body.to_string().as_bytes()))
    };
    let req = PushRequest {
        device_time: chrono::Utc::now(),
        records: vec![PushRecord {
            kind: kind.into(),
            id: body["id"].as_str().unwrap_or_default().into(),
            op: "create".into(),
            base_version: None,
            hash,
            body,
        }],
    };
    let r = d
        .client(std::time::Duration::from_secs(10))
        .push(&req)
        .await
        .expect("push");
    let receipt = &r.receipts[0];
    (
        receipt.status,
        receipt.error.as_ref().map(|e| e.code.clone()),
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_laptops_follow_one_case_and_see_the_same_days_and_status() {
    for b in backends() {
        eprintln!("backend: {b}");
        let s = TestServer::start(b).await;
        let a = TestDevice::enrolled(&s, Role::Compound, &s.compound_a).await;
        let other = TestDevice::enrolled(&s, Role::Compound, &s.compound_a).await;
        let elsewhere = TestDevice::enrolled(&s, Role::Community, &s.community_b).await;
        let tablet = TestDevice::enrolled(&s, Role::Volunteer, &s.checkpoint_a).await;
        let start = today() - chrono::Days::new(2);
        let c = ObservationCase {
            id: new_id(),
            person_id: new_id(),
            community_code: s.community_a.clone(),
            compound: s.compound_a.clone(),
            address: Some("3号楼2单元301".into()),
            reason: ObservationReason::ReturneeElsewhere,
            origin_id: None,
            start_date: start,
            followed_from: None,
            policy: ObservationPolicy::default(),
            responsible: Some("李红梅".into()),
            responsible_phone: Some("13800138000".into()),
            backup: Some("王强".into()),
            notes: Some("同住：妻子、女儿".into()),
        };
        a.core
            .store()
            .save_observation_case(&c, Source::User)
            .expect("case");
        a.sync().await.expect("a pushes the case");
        other.sync().await.expect("the other laptop pulls it");
        assert!(other
            .core
            .store()
            .observation_case(&c.id.to_string())
            .expect("read")
            .is_some());

        // Both visit on day 1, offline, then sync: two visits, one day seen.
        let day1 = start + chrono::Days::new(1);
        a.core
            .store()
            .record_follow_up_visit(&visit(&c, day1, "李红梅"), Source::User)
            .expect("visit");
        other
            .core
            .store()
            .record_follow_up_visit(&visit(&c, day1, "王强"), Source::User)
            .expect("visit");
        // One refers the person, the other, not knowing, releases them the same day.
        a.core
            .store()
            .record_case_transition(&transition(&c, TransitionKind::Refer), Source::User)
            .expect("refer");
        other
            .core
            .store()
            .record_case_transition(&transition(&c, TransitionKind::Lose), Source::User)
            .expect("lose");
        for d in [&a, &other, &a] {
            d.sync().await.expect("sync");
        }
        assert_eq!(s.db.count("follow_up_visit").await.expect("count"), 2);
        assert_eq!(s.db.count("case_transition").await.expect("count"), 2);
        let grid_on = |d: &TestDevice| {
            let (visits, transitions) =
                d.core.store().case_facts(&c.id.to_string()).expect("facts");
            day_grid(
                &c.policy,
                c.start_date,
                &visits,
                &transitions,
                today(),
                today(),
            )
        };
        let (ga, gb) = (grid_on(&a), grid_on(&other));
        assert_eq!(ga, gb, "both laptops fold the same case");
        assert_eq!(ga.days[0].state, DayState::Seen);
        // Referred first (recorded first), then lost: the fold is the same on both, whoever
        // synced last.
        assert_eq!(ga.status, CaseStatus::Lost);
        assert!(ga.clashes.is_empty());

        // Another community's laptop never gets the case; a tablet cannot write one.
        elsewhere.sync().await.expect("sync");
        assert!(elsewhere
            .core
            .store()
            .observation_case(&c.id.to_string())
            .expect("read")
            .is_none());
        let mut theirs = c.clone();
        theirs.id = new_id();
        assert_eq!(
            refusal(&tablet, "observation_case", &theirs)
                .await
                .as_deref(),
            Some("not_allowed")
        );
        // A visit of a case the server does not hold is refused; one of another compound's
        // case from a community B laptop is out of its scope.
        let ghost = ObservationCase {
            id: new_id(),
            ..c.clone()
        };
        let (status, code) = push_raw(
            &a,
            "follow_up_visit",
            serde_json::to_value(visit(&ghost, today(), "李红梅")).expect("json"),
        )
        .await;
        assert_eq!(
            (status, code.as_deref()),
            (ReceiptStatus::Rejected, Some("unknown_target"))
        );
        let (status, code) = push_raw(
            &elsewhere,
            "follow_up_visit",
            serde_json::to_value(visit(&c, today(), "外人")).expect("json"),
        )
        .await;
        assert_eq!(
            (status, code.as_deref()),
            (ReceiptStatus::Rejected, Some("out_of_scope"))
        );

        // The compound's gate tablet gets the case to warn at the gate, and no more: no notes,
        // backup or phone; the visits count the days without their temperatures.
        tablet.sync().await.expect("the tablet pulls");
        let (on_tablet, _) = tablet
            .core
            .store()
            .observation_case(&c.id.to_string())
            .expect("read")
            .expect("the tablet holds the case");
        assert_eq!(on_tablet.responsible.as_deref(), Some("李红梅"));
        assert_eq!(on_tablet.address.as_deref(), Some("3号楼2单元301"));
        assert_eq!(
            (
                on_tablet.notes,
                on_tablet.backup,
                on_tablet.responsible_phone
            ),
            (None, None, None)
        );
        let (visits, _) = tablet
            .core
            .store()
            .case_facts(&c.id.to_string())
            .expect("facts");
        assert_eq!(visits.len(), 2, "the days are counted on the tablet too");
        assert!(visits.iter().all(|v| v.celsius.is_none()));
        // The laptops keep everything.
        let (on_laptop, _) = other
            .core
            .store()
            .observation_case(&c.id.to_string())
            .expect("read")
            .expect("case");
        assert_eq!(on_laptop.notes.as_deref(), Some("同住：妻子、女儿"));
    }
}

/// Pushes records of one kind in requests of 500, as a laptop's outbox does; every receipt
/// must be `accepted`.
async fn push_all(d: &TestDevice, kind: &str, bodies: &[serde_json::Value]) {
    let client = d.client(std::time::Duration::from_secs(60));
    for chunk in bodies.chunks(500) {
        let records = chunk
            .iter()
            .map(|body| {
                use sha2::Digest;
                PushRecord {
                    kind: kind.into(),
                    id: body["id"].as_str().unwrap_or_default().into(),
                    op: "create".into(),
                    base_version: None,
                    hash: hex::encode(sha2::Sha256::digest(body.to_string().as_bytes())),
                    body: body.clone(),
                }
            })
            .collect();
        let r = client
            .push(&PushRequest {
                device_time: chrono::Utc::now(),
                records,
            })
            .await
            .expect("push");
        assert!(
            r.receipts
                .iter()
                .all(|x| x.status == ReceiptStatus::Accepted),
            "{kind}: {:?}",
            r.receipts
                .iter()
                .find(|x| x.status != ReceiptStatus::Accepted)
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn twenty_days_of_visits_for_two_thousand_cases_reach_another_laptop_whole() {
    const CASES: usize = 2000;
    const DAYS: u64 = 20;
    for b in backends() {
        let s = TestServer::start(b).await;
        let a = TestDevice::enrolled(&s, Role::Compound, &s.compound_a).await;
        let other = TestDevice::enrolled(&s, Role::Community, &s.community_a).await;
        let start = today() - chrono::Days::new(DAYS);
        let mut cases = Vec::with_capacity(CASES);
        let mut visits = Vec::with_capacity(CASES * DAYS as usize);
        for i in 0..CASES {
            let c = ObservationCase {
                id: new_id(),
                person_id: new_id(),
                community_code: s.community_a.clone(),
                compound: s.compound_a.clone(),
                address: Some(format!(
                    "{}号楼{}单元{}",
                    i % 18 + 1,
                    i % 3 + 1,
                    101 + i % 900
                )),
                reason: ObservationReason::ReturneeElsewhere,
                origin_id: None,
                start_date: start,
                followed_from: None,
                policy: ObservationPolicy::default(),
                responsible: Some(format!("包保人{}", i % 40)),
                responsible_phone: None,
                backup: None,
                notes: None,
            };
            for d in 1..=DAYS {
                visits.push(
                    serde_json::to_value(visit(&c, start + chrono::Days::new(d), "包保人"))
                        .expect("json"),
                );
            }
            cases.push(c);
        }
        let bodies: Vec<serde_json::Value> = cases
            .iter()
            .map(|c| serde_json::to_value(c).expect("json"))
            .collect();
        push_all(&a, "observation_case", &bodies).await;
        push_all(&a, "follow_up_visit", &visits).await;
        assert_eq!(
            s.db.count("follow_up_visit").await.expect("count") as usize,
            CASES * DAYS as usize,
            "{b}"
        );
        // The community's laptop pulls all of it and counts every day of every case seen.
        other.sync().await.expect("pull");
        let held = other.core.store().observation_cases().expect("cases");
        assert_eq!(held.len(), CASES, "{b}");
        let seen_days: usize = held
            .iter()
            .map(|(c, _, v, t)| {
                day_grid(&c.policy, c.start_date, v, t, today(), today())
                    .days
                    .iter()
                    .filter(|d| d.state == DayState::Seen)
                    .count()
            })
            .sum();
        // Day 1 to day 14, and the days after it: the last day was seen, so no extension, and
        // the grid ends on day 14.
        assert_eq!(seen_days, CASES * 14, "{b}");
    }
}

/// The street's setting (policy version 2, declarations from Hubei open a case at the gate).
fn hubei_opens() -> kadian_domain::observation::ObservationSetting {
    kadian_domain::observation::ObservationSetting {
        policy: ObservationPolicy {
            version: 2,
            ..ObservationPolicy::default()
        },
        gate_opens: kadian_domain::observation::GateOpening::Provinces {
            codes: vec!["42".into()],
        },
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_case_the_gate_opens_by_the_streets_setting_is_one_case_with_the_laptops() {
    use kadian_device::areas::gate::{TravelInput, VisitorInput};
    use kadian_device::areas::observation::OpenCase;
    use kadian_device::reference::ReferenceData;
    for b in backends() {
        eprintln!("backend: {b}");
        let s = TestServer::start(b).await;
        s.db.put_observation_setting(&hubei_opens())
            .await
            .expect("setting");
        let laptop = TestDevice::enrolled(&s, Role::Compound, &s.compound_a).await;
        let tablet = TestDevice::enrolled(&s, Role::Volunteer, &s.checkpoint_a).await;
        let elsewhere = TestDevice::enrolled(&s, Role::Community, &s.community_b).await;
        laptop.sync().await.expect("the laptop learns its compound");
        let v = laptop
            .core
            .volunteer_save(None, "王志愿", "2468")
            .expect("volunteer");
        laptop.sync().await.expect("laptop");
        tablet.sync().await.expect("tablet");
        elsewhere.sync().await.expect("elsewhere");
        // Every scope gets the street's setting: a compound's, a gate's, another community's.
        for d in [&laptop, &tablet, &elsewhere] {
            let r = ReferenceData::read(&d.core.store()).expect("reference");
            assert_eq!(r.observation, hubei_opens());
        }

        tablet.core.sign_in(&v.id, "2468").expect("sign in");
        let r = tablet
            .core
            .register_visitor(&VisitorInput {
                name: "赵六".into(),
                document_type: "resident_id".into(),
                document_number: "11010519491231002X".into(),
                phone: "13900139000".into(),
                destination: "3号楼2单元301".into(),
                purpose: "返乡".into(),
                plate: String::new(),
                companions: 0,
                direction: "in".into(),
                temperature: "36.6".into(),
                travel: Some(TravelInput {
                    places: vec!["420106".into()],
                    from_date: None,
                    to_date: None,
                    transport: None,
                    transport_ref: None,
                }),
            })
            .expect("registered");
        assert!(r.warnings.iter().any(|w| w.code == "observation_opened"));
        let declaration: uuid::Uuid = r.travel_id.expect("declared").parse().expect("uuid");
        let case_id =
            kadian_domain::records::observation_case_id_for_declaration(declaration).to_string();
        tablet.sync().await.expect("the tablet pushes");
        assert_eq!(s.db.count("observation_case").await.expect("count"), 1);

        // The compound laptop gets it, and opening it from its returnee list is the same case.
        laptop.sync().await.expect("laptop pulls");
        let (held, _) = laptop
            .core
            .store()
            .observation_case(&case_id)
            .expect("read")
            .expect("the laptop holds the gate's case");
        assert_eq!(held.policy.version, 2);
        assert_eq!(held.address.as_deref(), Some("3号楼2单元301"));
        let opened = laptop
            .core
            .observation_open(&OpenCase {
                person_id: held.person_id.to_string(),
                reason: ObservationReason::ReturneeHubei,
                start_date: held.start_date.to_string(),
                declaration_id: Some(declaration.to_string()),
                responsible: None,
            })
            .expect("open");
        assert_eq!(opened.case_id, case_id);
        // Staff give it a responsible member; the tablet sending its creation again (a lost
        // receipt) changes nothing on the server.
        let mut staffed = held.clone();
        staffed.responsible = Some("李红梅".into());
        laptop
            .core
            .store()
            .save_observation_case(&staffed, Source::User)
            .expect("staffed");
        laptop.sync().await.expect("push");
        let mut resent = held.clone();
        resent.responsible = None;
        let (status, _) = push_raw(
            &tablet,
            "observation_case",
            serde_json::to_value(&resent).expect("json"),
        )
        .await;
        assert_eq!(status, ReceiptStatus::Duplicate);
        tablet.sync().await.expect("tablet pulls");
        let (on_tablet, _) = tablet
            .core
            .store()
            .observation_case(&case_id)
            .expect("read")
            .expect("case");
        assert_eq!(on_tablet.responsible.as_deref(), Some("李红梅"));
        assert_eq!(s.db.count("observation_case").await.expect("count"), 1);

        // A tablet may open nothing else: a case not derived from its declaration, one with
        // staff's fields, one in another compound.
        let mut not_derived = held.clone();
        not_derived.id = new_id();
        let mut with_notes = held.clone();
        with_notes.id = kadian_domain::records::observation_case_id_for_declaration(new_id());
        with_notes.origin_id = None;
        let other_declaration = new_id();
        let mut staff_fields = held.clone();
        staff_fields.id =
            kadian_domain::records::observation_case_id_for_declaration(other_declaration);
        staff_fields.origin_id = Some(other_declaration);
        staff_fields.notes = Some("同住：妻子".into());
        let mut other_compound = staff_fields.clone();
        other_compound.notes = None;
        other_compound.compound = s.compound_b.clone();
        other_compound.community_code = s.community_b.clone();
        // Derived from a declaration the server does not hold: nothing to open it from.
        let ghost = new_id();
        let mut no_declaration = held.clone();
        no_declaration.id = kadian_domain::records::observation_case_id_for_declaration(ghost);
        no_declaration.origin_id = Some(ghost);
        no_declaration.responsible = None;
        assert_eq!(
            refusal(&tablet, "observation_case", &no_declaration)
                .await
                .as_deref(),
            Some("unknown_target")
        );
        // A real declaration of the tablet's, but the case names someone else.
        let again = tablet
            .core
            .register_passage(
                &held.person_id.to_string(),
                "out",
                "36.5",
                Some(&TravelInput {
                    places: vec!["4403".into()],
                    from_date: None,
                    to_date: None,
                    transport: None,
                    transport_ref: None,
                }),
            )
            .expect("declared");
        tablet.sync().await.expect("the declaration goes up");
        let declared: uuid::Uuid = again.travel_id.expect("declared").parse().expect("uuid");
        let mut someone_else = held.clone();
        someone_else.id = kadian_domain::records::observation_case_id_for_declaration(declared);
        someone_else.origin_id = Some(declared);
        someone_else.person_id = new_id();
        someone_else.responsible = None;
        for bad in [
            not_derived,
            with_notes,
            staff_fields,
            other_compound,
            someone_else,
        ] {
            assert_eq!(
                refusal(&tablet, "observation_case", &bad).await.as_deref(),
                Some("not_allowed"),
                "{bad:?}"
            );
        }
        elsewhere.sync().await.expect("sync");
        assert!(elsewhere
            .core
            .store()
            .observation_case(&case_id)
            .expect("read")
            .is_none());
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_release_and_a_referral_made_apart_reach_both_laptops_conflict_lists() {
    for b in backends() {
        eprintln!("backend: {b}");
        let s = TestServer::start(b).await;
        let a = TestDevice::enrolled(&s, Role::Compound, &s.compound_a).await;
        let other = TestDevice::enrolled(&s, Role::Compound, &s.compound_a).await;
        let c = case_in(&s, today() - chrono::Days::new(14));
        a.core
            .store()
            .save_observation_case(&c, Source::User)
            .expect("case");
        a.sync().await.expect("push");
        other.sync().await.expect("pull");
        // Offline, one laptop releases the person, the other refers them.
        a.core
            .store()
            .record_case_transition(&transition(&c, TransitionKind::Release), Source::User)
            .expect("release");
        std::thread::sleep(std::time::Duration::from_millis(5));
        other
            .core
            .store()
            .record_case_transition(&transition(&c, TransitionKind::Refer), Source::User)
            .expect("refer");
        for d in [&a, &other, &a] {
            d.sync().await.expect("sync");
        }
        for d in [&a, &other] {
            let list = d.core.conflicts().expect("conflicts");
            let clash: Vec<(&str, &str, &str)> = list
                .iter()
                .filter(|c| c.field == "status")
                .map(|c| (c.record_id.as_str(), c.kept.as_str(), c.lost.as_str()))
                .collect();
            assert_eq!(
                clash,
                [(c.id.to_string().as_str(), "release", "refer")],
                "released first: the referral did not apply, on both laptops"
            );
        }
    }
}

/// Today's figures of the device's whole scope, from its own store (概况).
fn day_figures(d: &TestDevice) -> kadian_domain::figures::Figures {
    d.core
        .dashboard(&kadian_device::areas::dashboard::DashboardQuery {
            date: today().to_string(),
            community: None,
            compound: None,
            zone: None,
        })
        .expect("dashboard")
        .unit
        .figures
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_fever_at_the_gate_under_observation_reaches_the_street_group_and_two_outcomes_clash() {
    use kadian_device::areas::gate::{TravelInput, VisitorInput};
    use kadian_device::areas::observation::DisposeInput;
    use kadian_domain::records::{Disposition, ReferralStatus};
    for b in backends() {
        eprintln!("backend: {b}");
        let s = TestServer::start(b).await;
        s.db.put_observation_setting(&hubei_opens())
            .await
            .expect("setting");
        let laptop = TestDevice::enrolled(&s, Role::Compound, &s.compound_a).await;
        let tablet = TestDevice::enrolled(&s, Role::Volunteer, &s.checkpoint_a).await;
        let street = TestDevice::enrolled(&s, Role::Street, "411402001").await;
        let elsewhere = TestDevice::enrolled(&s, Role::Community, &s.community_b).await;
        laptop.sync().await.expect("the laptop learns its compound");
        let v = laptop
            .core
            .volunteer_save(None, "王志愿", "2468")
            .expect("volunteer");
        laptop.sync().await.expect("laptop");
        tablet.sync().await.expect("tablet");
        tablet.core.sign_in(&v.id, "2468").expect("sign in");
        let r = tablet
            .core
            .register_visitor(&VisitorInput {
                name: "赵六".into(),
                document_type: "resident_id".into(),
                document_number: "11010519491231002X".into(),
                phone: "13900139000".into(),
                destination: "3号楼2单元301".into(),
                purpose: "返乡".into(),
                plate: String::new(),
                companions: 0,
                direction: "in".into(),
                temperature: "38.6".into(),
                travel: Some(TravelInput {
                    places: vec!["420106".into()],
                    from_date: None,
                    to_date: None,
                    transport: None,
                    transport_ref: None,
                }),
            })
            .expect("registered");
        assert!(r.reading.fever);
        assert!(r.warnings.iter().any(|w| w.code == "referral_raised"));
        tablet.sync().await.expect("the tablet pushes");
        assert_eq!(s.db.count("referral").await.expect("count"), 1);
        // The day's report counts it in the gate's 转应急处置组, where the case is; the street
        // laptop's dashboard the same, from its own store.
        let report = kadian_server::report::daily(
            s.db.as_ref(),
            today(),
            kadian_domain::FeverThreshold::default(),
        )
        .await
        .expect("report");
        assert_eq!(report.total.gate_referrals, 1, "{b}");
        assert_eq!(
            report
                .rows
                .iter()
                .find(|r| r.community_code == s.community_a)
                .map(|r| r.figures.gate_referrals),
            Some(1),
            "{b}"
        );
        street.sync().await.expect("street");
        assert_eq!(day_figures(&street).gate_referrals, 1, "{b}");

        // The street's group sees it and takes it; the compound laptop sees who took it.
        street.sync().await.expect("street");
        let waiting = street.core.observation_referrals(true).expect("list");
        assert_eq!(waiting.len(), 1);
        assert_eq!(waiting[0].name, "赵六");
        assert_eq!(waiting[0].celsius, Some(38.6));
        let id = waiting[0].id.clone();
        street
            .core
            .observation_referral_take(&id, Some("张医生"))
            .expect("take");
        street.sync().await.expect("push");
        laptop.sync().await.expect("pull");
        let seen = laptop.core.observation_referrals(true).expect("list");
        assert_eq!(seen[0].status, ReferralStatus::Taken);
        assert!(seen[0]
            .taken
            .as_deref()
            .is_some_and(|t| t.ends_with("张医生")));
        // Taking it referred the case (on the street laptop, synced to the compound's).
        let case_id = seen[0].case_id.clone().expect("case");
        assert_eq!(
            laptop
                .core
                .observation_entry(&case_id)
                .expect("entry")
                .status,
            CaseStatus::Referred
        );

        // Offline, the group records the fever clinic, the compound laptop "cleared".
        street
            .core
            .observation_referral_dispose(&DisposeInput {
                referral_id: id.clone(),
                disposition: Disposition::FeverClinic,
                note: Some("市一院".into()),
                by: None,
            })
            .expect("clinic");
        laptop
            .core
            .observation_referral_dispose(&DisposeInput {
                referral_id: id.clone(),
                disposition: Disposition::Cleared,
                note: None,
                by: None,
            })
            .expect("cleared");
        street.sync().await.expect("first");
        laptop
            .sync()
            .await
            .expect("second: merged, the group's outcome kept");
        let conflicts = laptop.core.conflicts().expect("conflicts");
        let clash = conflicts
            .iter()
            .find(|c| c.record_kind == "referral" && c.field == "disposition")
            .expect("the two outcomes on the conflict list");
        assert_eq!(
            (clash.who.as_str(), clash.kept.as_str(), clash.lost.as_str()),
            ("赵六", "fever_clinic", "cleared")
        );
        assert!(!clash.can_keep_lost);
        street.sync().await.expect("pull");
        for d in [&street, &laptop] {
            assert_eq!(
                d.core.observation_referrals(false).expect("list")[0].disposition,
                Some(Disposition::FeverClinic),
                "the same outcome on both after the merge"
            );
        }

        // A tablet raises no other referral; another community never sees it.
        let (mut hostile, _) = laptop
            .core
            .store()
            .referral(&id)
            .expect("read")
            .expect("held");
        // A real reading of the tablet's (normal), sent on as a fever of someone else.
        let normal = tablet
            .core
            .register_passage(&hostile.person_id.to_string(), "out", "36.5", None)
            .expect("out");
        tablet.sync().await.expect("the reading goes up");
        let reading: uuid::Uuid = normal.reading.reading_id.parse().expect("uuid");
        let mut made_up = hostile.clone();
        made_up.source_id = reading;
        made_up.id = kadian_domain::records::referral_id_for(reading);
        made_up.taken_at = None;
        made_up.taken_by = None;
        made_up.disposition = None;
        made_up.disposed_at = None;
        made_up.disposed_by = None;
        made_up.note = None;
        made_up.celsius = Some(kadian_domain::Celsius::from_tenths(395));
        assert_eq!(
            refusal(&tablet, "referral", &made_up).await.as_deref(),
            Some("not_allowed"),
            "a normal reading is no fever"
        );
        hostile.source_id = new_id();
        hostile.id = kadian_domain::records::referral_id_for(hostile.source_id);
        hostile.taken_at = None;
        hostile.taken_by = None;
        hostile.disposition = None;
        hostile.disposed_at = None;
        hostile.disposed_by = None;
        hostile.note = None;
        let mut from_visit = hostile.clone();
        from_visit.source = kadian_domain::records::ReferralSource::Visit;
        let mut disposed = hostile.clone();
        disposed.disposition = Some(Disposition::Cleared);
        disposed.disposed_at = Some(Instant::now_cst());
        disposed.disposed_by = Some("王志愿".into());
        // From a reading the server does not hold.
        assert_eq!(
            refusal(&tablet, "referral", &hostile).await.as_deref(),
            Some("unknown_target")
        );
        // The tablet never gets referrals back (who was sent on, and what became of them).
        tablet.sync().await.expect("tablet pulls");
        let on_tablet = tablet.core.store().referrals().expect("referrals");
        assert_eq!(on_tablet.len(), 1, "only the one it raised itself");
        assert_eq!(
            (on_tablet[0].0.taken_at, on_tablet[0].0.disposition),
            (None, None),
            "as it raised it: who took it and what became of it stay off the gate"
        );
        for bad in [from_visit, disposed] {
            assert_eq!(
                refusal(&tablet, "referral", &bad).await.as_deref(),
                Some("not_allowed"),
                "{bad:?}"
            );
        }
        elsewhere.sync().await.expect("sync");
        assert!(elsewhere
            .core
            .observation_referrals(false)
            .expect("list")
            .is_empty());
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_tablet_gets_a_cases_visits_and_changes_whatever_their_age() {
    for b in backends() {
        eprintln!("backend: {b}");
        let s = TestServer::start(b).await;
        let laptop = TestDevice::enrolled(&s, Role::Compound, &s.compound_a).await;
        let tablet = TestDevice::enrolled(&s, Role::Volunteer, &s.checkpoint_a).await;
        let start = today() - chrono::Days::new(20);
        let c = case_in(&s, start);
        laptop
            .core
            .store()
            .save_observation_case(&c, Source::User)
            .expect("case");
        // Recorded 18 days ago: outside a tablet's 14-day window of gate events.
        let long_ago = Instant {
            utc: chrono::Utc::now() - chrono::Duration::days(18),
            offset_minutes: 480,
        };
        let mut v = visit(&c, start + chrono::Days::new(2), "李红梅");
        v.at = long_ago;
        let mut t = transition(&c, TransitionKind::Refer);
        t.effective = start + chrono::Days::new(2);
        t.at = long_ago;
        laptop
            .core
            .store()
            .record_follow_up_visit(&v, Source::User)
            .expect("visit");
        laptop
            .core
            .store()
            .record_case_transition(&t, Source::User)
            .expect("refer");
        laptop.sync().await.expect("push");
        tablet.sync().await.expect("pull");
        let (visits, transitions) = tablet
            .core
            .store()
            .case_facts(&c.id.to_string())
            .expect("facts");
        assert_eq!((visits.len(), transitions.len()), (1, 1));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_breach_at_the_gate_reaches_the_responsible_laptop_at_the_top_of_todays_list() {
    use kadian_device::areas::observation::{OpenCase, TodayGroup};
    use kadian_domain::records::{Person, PersonCategory};
    for b in backends() {
        eprintln!("backend: {b}");
        let s = TestServer::start(b).await;
        let laptop = TestDevice::enrolled(&s, Role::Compound, &s.compound_a).await;
        let tablet = TestDevice::enrolled(&s, Role::Volunteer, &s.checkpoint_a).await;
        laptop.sync().await.expect("the laptop learns its compound");
        let mut ids = Vec::new();
        for (name, room) in [("在家的", "101"), ("出门的", "102")] {
            let mut p = Person::new(name, PersonCategory::Resident);
            p.community_code = Some(s.community_a.clone());
            p.compound = Some("八一新苑".into());
            p.building = Some("3".into());
            p.room = Some(room.into());
            laptop
                .core
                .store()
                .upsert_person(&p, Source::User)
                .expect("person");
            laptop
                .core
                .observation_open(&OpenCase {
                    person_id: p.id.to_string(),
                    reason: ObservationReason::ReturneeElsewhere,
                    start_date: (today() - chrono::Days::new(3)).to_string(),
                    declaration_id: None,
                    responsible: Some("李红梅".into()),
                })
                .expect("open");
            ids.push(p.id);
        }
        let v = laptop
            .core
            .volunteer_save(None, "王志愿", "2468")
            .expect("volunteer");
        laptop.sync().await.expect("push");
        tablet.sync().await.expect("the tablet gets the cases");
        tablet.core.sign_in(&v.id, "2468").expect("sign in");
        // The person under observation goes out: the tablet warns, the volunteer records it.
        let out = tablet
            .core
            .register_passage(&ids[1].to_string(), "out", "36.5", None)
            .expect("out");
        assert!(out.warnings.iter().any(|w| w.code == "under_observation"));
        tablet.sync().await.expect("push");
        laptop.sync().await.expect("pull");
        let list = laptop.core.observation_today(None).expect("today");
        assert_eq!(list.entries[0].name, "出门的");
        assert_eq!(list.entries[0].group, TodayGroup::WentOut);
        assert!(list.entries[1..].iter().all(|e| !e.went_out_today));
        // The day's 外出违规: one case, on the server and on the laptop alike; voided at the
        // gate (a wrong person picked), none.
        let breaches = || async {
            kadian_server::report::daily(
                s.db.as_ref(),
                today(),
                kadian_domain::FeverThreshold::default(),
            )
            .await
            .expect("report")
            .total
            .observation_breaches
        };
        assert_eq!(breaches().await, 1, "{b}");
        assert_eq!(day_figures(&laptop).observation_breaches, 1, "{b}");
        tablet
            .core
            .void_passage(&out.passage_id, "选错了人")
            .expect("void");
        tablet.sync().await.expect("push the correction");
        laptop.sync().await.expect("pull it");
        assert_eq!(breaches().await, 0, "{b}");
        assert_eq!(day_figures(&laptop).observation_breaches, 0, "{b}");
    }
}
