//! Home observation on a laptop's store, without a server: a case opened, visits and status
//! changes recorded and pulled, the day grid computed from what the store holds.

mod common;

use chrono::NaiveDate;
use kadian_domain::observation::{
    day_grid, CaseStatus, DayState, ObservationPolicy, TransitionKind, VisitOutcome,
};
use kadian_domain::records::{
    new_id, CaseTransition, FollowUpVisit, Instant, ObservationCase, ObservationReason, Source,
    Symptom, VisitAction, VisitMethod, VisitSlot,
};
use kadian_domain::sync::Role;
use kadian_domain::Celsius;

fn date(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").expect("date")
}

fn case(start: &str) -> ObservationCase {
    ObservationCase {
        id: new_id(),
        person_id: new_id(),
        community_code: "411402001018".into(),
        compound: common::COMPOUND.into(),
        address: Some("3号楼2单元301".into()),
        reason: ObservationReason::ReturneeElsewhere,
        origin_id: None,
        start_date: date(start),
        followed_from: None,
        policy: ObservationPolicy::default(),
        responsible: Some("李红梅".into()),
        responsible_phone: None,
        backup: None,
        notes: None,
    }
}

fn visit(
    case: &ObservationCase,
    day: &str,
    outcome: VisitOutcome,
    tenths: Option<i16>,
) -> FollowUpVisit {
    FollowUpVisit {
        id: new_id(),
        case_id: case.id,
        date: date(day),
        slot: VisitSlot::Any,
        at: Instant::now_cst(),
        method: VisitMethod::Door,
        outcome,
        celsius: tenths.map(Celsius::from_tenths),
        remeasure_of: None,
        symptoms: Vec::new(),
        action: VisitAction::None,
        recorded_by: "李红梅".into(),
    }
}

/// China's today (Asia/Shanghai, +08:00).
fn today() -> NaiveDate {
    (chrono::Utc::now() + chrono::Duration::hours(8)).date_naive()
}

fn code(e: kadian_device::StoreError) -> String {
    match e {
        kadian_device::StoreError::Invalid(n) => n.code,
        other => other.code().to_owned(),
    }
}

#[test]
fn a_case_its_visits_and_a_referral_make_the_day_grid_and_are_queued_for_the_server() {
    let dir = tempfile::tempdir().expect("tmp");
    let mut store = common::enrolled(&dir, Role::Compound, None);
    let start = today() - chrono::Days::new(3);
    let c = case(&start.to_string());
    store
        .save_observation_case(&c, Source::User)
        .expect("open the case");
    let day1 = (start + chrono::Days::new(1)).to_string();
    let day2 = (start + chrono::Days::new(2)).to_string();
    // Two staff visit on day 1; day 2 the person has a fever.
    for v in [
        visit(&c, &day1, VisitOutcome::SeenWell, Some(365)),
        visit(&c, &day1, VisitOutcome::SeenWell, Some(366)),
        visit(&c, &day2, VisitOutcome::SeenWell, Some(381)),
    ] {
        store
            .record_follow_up_visit(&v, Source::User)
            .expect("visit");
    }
    assert_eq!(
        store.pending_count().expect("pending"),
        4,
        "a case and three visits"
    );
    let (visits, transitions) = store.case_facts(&c.id.to_string()).expect("facts");
    let grid = day_grid(
        &c.policy,
        c.start_date,
        &visits,
        &transitions,
        today(),
        today(),
    );
    let states: Vec<DayState> = grid.days.iter().map(|d| d.state).collect();
    assert_eq!(
        states[..4],
        [
            DayState::Seen,
            DayState::SeenUnwell,
            DayState::Due,
            DayState::Future
        ]
    );
    assert_eq!(grid.days[1].celsius, Some(Celsius::from_tenths(381)));

    store
        .record_case_transition(
            &CaseTransition {
                id: new_id(),
                case_id: c.id,
                kind: TransitionKind::Refer,
                effective: today(),
                reason: "发热 38.1".into(),
                at: Instant::now_cst(),
                recorded_by: "李红梅".into(),
            },
            Source::User,
        )
        .expect("refer");
    let (visits, transitions) = store.case_facts(&c.id.to_string()).expect("facts");
    let grid = day_grid(
        &c.policy,
        c.start_date,
        &visits,
        &transitions,
        today(),
        today(),
    );
    assert_eq!(grid.status, CaseStatus::Referred);
    assert_eq!(
        grid.due_today(today()).map(|d| d.day),
        Some(3),
        "still visited"
    );
}

#[test]
fn a_visit_of_a_case_not_held_here_or_that_contradicts_itself_is_refused_and_nothing_queued() {
    let dir = tempfile::tempdir().expect("tmp");
    let mut store = common::enrolled(&dir, Role::Compound, None);
    let c = case(&today().to_string());
    let err = store
        .record_follow_up_visit(
            &visit(&c, &today().to_string(), VisitOutcome::SeenWell, None),
            Source::User,
        )
        .expect_err("no such case");
    assert_eq!(code(err), "not_found");
    store.save_observation_case(&c, Source::User).expect("case");
    let mut absent_with_a_reading =
        visit(&c, &today().to_string(), VisitOutcome::Absent, Some(365));
    let err = store
        .record_follow_up_visit(&absent_with_a_reading, Source::User)
        .expect_err("not seen, no temperature");
    assert_eq!(code(err), "temperature_without_visit");
    absent_with_a_reading.celsius = None;
    absent_with_a_reading.symptoms = vec![Symptom::Cough, Symptom::Cough];
    let err = store
        .record_follow_up_visit(&absent_with_a_reading, Source::User)
        .expect_err("a symptom twice");
    assert_eq!(code(err), "symptom_repeated");
    let mut bad = case(&today().to_string());
    bad.community_code = "4114".into();
    assert_eq!(
        code(
            store
                .save_observation_case(&bad, Source::User)
                .expect_err("code")
        ),
        "invalid_community"
    );
    assert_eq!(store.pending_count().expect("pending"), 1, "only the case");
}

#[test]
fn a_pulled_case_takes_the_servers_newer_version_and_pulled_visits_are_kept_once() {
    use kadian_domain::sync::Change;
    let dir = tempfile::tempdir().expect("tmp");
    let mut store = common::enrolled(&dir, Role::Compound, None);
    let mut c = case(&today().to_string());
    let as_change = |kind: &str, id: String, version: i64, body: serde_json::Value| Change {
        kind: kind.into(),
        id,
        version,
        deleted: false,
        body,
    };
    let v = visit(&c, &today().to_string(), VisitOutcome::SeenWell, Some(365));
    let page = vec![
        as_change(
            "observation_case",
            c.id.to_string(),
            1,
            serde_json::to_value(&c).expect("json"),
        ),
        as_change(
            "follow_up_visit",
            v.id.to_string(),
            1,
            serde_json::to_value(&v).expect("json"),
        ),
        as_change(
            "follow_up_visit",
            v.id.to_string(),
            1,
            serde_json::to_value(&v).expect("json"),
        ),
    ];
    assert_eq!(store.apply_pull(&page, 3).expect("pull"), 3);
    c.responsible = Some("王强".into());
    let newer = vec![as_change(
        "observation_case",
        c.id.to_string(),
        2,
        serde_json::to_value(&c).expect("json"),
    )];
    store.apply_pull(&newer, 4).expect("pull");
    let (held, version) = store
        .observation_case(&c.id.to_string())
        .expect("read")
        .expect("held");
    assert_eq!((held.responsible.as_deref(), version), (Some("王强"), 2));
    let (visits, _) = store.case_facts(&c.id.to_string()).expect("facts");
    assert_eq!(visits.len(), 1);
    assert_eq!(
        store.pending_count().expect("pending"),
        0,
        "nothing pulled goes back"
    );
    // An older version does not undo the newer one.
    c.responsible = Some("旧的".into());
    let older = vec![as_change(
        "observation_case",
        c.id.to_string(),
        1,
        serde_json::to_value(&c).expect("json"),
    )];
    store.apply_pull(&older, 5).expect("pull");
    assert_eq!(
        store
            .observation_case(&c.id.to_string())
            .expect("read")
            .expect("held")
            .0
            .responsible
            .as_deref(),
        Some("王强")
    );
}

mod today_list_support {
    use super::*;
    use kadian_device::areas::observation::{OpenCase, VisitInput};
    use kadian_device::AppCore;
    use kadian_domain::records::{Person, PersonCategory};

    pub fn laptop(role: Role) -> (AppCore, tempfile::TempDir) {
        let dir = tempfile::tempdir().expect("tmp");
        let mut store = common::enrolled(&dir, role, Some(common::CHECKPOINT));
        store
            .apply_pull(
                &[common::change(
                    "compound",
                    common::COMPOUND,
                    serde_json::json!({"id": common::COMPOUND, "name": "八一花园", "community": "411402001018"}),
                )],
                1,
            )
            .expect("compound");
        (AppCore::open_store(dir.path(), store), dir)
    }

    pub fn resident(core: &AppCore, name: &str, building: &str, room: &str) -> String {
        let mut p = Person::new(name, PersonCategory::Resident);
        p.community_code = Some("411402001018".into());
        p.compound = Some("八一花园".into());
        p.building = Some(building.into());
        p.unit = Some("1单元".into());
        p.room = Some(room.into());
        core.store()
            .upsert_person(&p, Source::User)
            .expect("person");
        p.id.to_string()
    }

    pub fn open(core: &AppCore, person: &str, days_ago: u64) -> String {
        core.observation_open(&OpenCase {
            person_id: person.into(),
            reason: ObservationReason::ReturneeElsewhere,
            start_date: (today() - chrono::Days::new(days_ago)).to_string(),
            declaration_id: None,
            responsible: Some("李红梅".into()),
        })
        .expect("open")
        .case_id
    }

    pub fn seen(case_id: &str, celsius: Option<f64>) -> VisitInput {
        VisitInput {
            case_id: case_id.into(),
            outcome: VisitOutcome::SeenWell,
            celsius,
            method: None,
            symptoms: vec![],
            action: None,
            visited_by: Some("李红梅".into()),
        }
    }
}

mod today_list {
    use super::today_list_support::*;
    use super::*;
    use kadian_device::areas::observation::{OpenCase, TodayGroup};

    #[test]
    fn todays_list_puts_the_unwell_first_then_yesterdays_missed_then_the_rest_in_walking_order() {
        let (core, _d) = laptop(Role::Compound);
        let hot = open(&core, &resident(&core, "发热者", "9号楼", "101"), 5);
        open(&core, &resident(&core, "漏访者", "12号楼", "101"), 5);
        let far = open(&core, &resident(&core, "远处的", "12号楼", "502"), 5);
        let near = open(&core, &resident(&core, "近处的", "3号楼", "301"), 5);
        let yesterday = today() - chrono::Days::new(1);
        // Yesterday: a fever for one, a visit for the two in walking order, none for one.
        let mut store = core.store();
        for (case, tenths) in [(&hot, 381), (&far, 365), (&near, 364)] {
            let c = kadian_domain::records::canonical_uuid(case).expect("id");
            let mut v = super::visit(
                &ObservationCase {
                    id: c,
                    ..super::case(&today().to_string())
                },
                &yesterday.to_string(),
                VisitOutcome::SeenWell,
                Some(tenths),
            );
            v.case_id = c;
            store
                .record_follow_up_visit(&v, Source::User)
                .expect("visit");
        }
        // The laptop synced today: yesterday is judged (missed, not unknown).
        store.set_last_sync_now().expect("synced");
        drop(store);
        let list = core.observation_today(None).expect("today");
        let order: Vec<&str> = list.entries.iter().map(|e| e.name.as_str()).collect();
        assert_eq!(order, ["发热者", "漏访者", "近处的", "远处的"]);
        assert_eq!(list.entries[0].group, TodayGroup::Unwell);
        assert_eq!(list.entries[1].group, TodayGroup::MissedYesterday);
        assert_eq!(list.entries[1].missed_in_a_row, 4, "days 1 to 4");
        assert_eq!(list.entries[2].address, "3号楼1单元301");
        assert_eq!((list.due, list.done), (4, 0));
        assert_eq!(list.entries[2].day, 5);

        // One tap: seen, well, 36.5: done today, at the end of the list, queued for the server.
        let e = core
            .observation_visit(&seen(&near, Some(36.5)))
            .expect("visit");
        assert_eq!(e.group, TodayGroup::Done);
        assert_eq!(e.last_celsius, Some(36.5));
        let list = core.observation_today(None).expect("today");
        assert_eq!(list.entries.last().map(|e| e.name.as_str()), Some("近处的"));
        assert_eq!((list.due, list.done), (3, 1));
        // Only mine: nobody else's.
        assert_eq!(
            core.observation_today(Some("王强"))
                .expect("mine")
                .entries
                .len(),
            0
        );
    }

    #[test]
    fn a_visit_is_taken_as_typed_and_a_case_from_one_declaration_is_opened_once() {
        let (core, _d) = laptop(Role::Compound);
        let person = resident(&core, "返乡者", "3号楼", "301");
        let declaration = new_id().to_string();
        let input = OpenCase {
            person_id: person.clone(),
            reason: ObservationReason::ReturneeHubei,
            start_date: today().to_string(),
            declaration_id: Some(declaration.clone()),
            responsible: None,
        };
        let first = core.observation_open(&input).expect("open");
        let again = core.observation_open(&input).expect("open again");
        assert_eq!(first.case_id, again.case_id);
        assert_eq!(core.observation_list().expect("list").len(), 1);
        // 366 is not read as 36.6 here, nor 100.4 as °F: refused at the field.
        for wrong in [366.0, 100.4, 3.0, f64::NAN] {
            let e = core
                .observation_visit(&seen(&first.case_id, Some(wrong)))
                .expect_err("refused");
            assert_eq!(
                (e.code.as_str(), e.field.as_deref()),
                ("temperature_out_of_range", Some("celsius"))
            );
        }
        let mut absent = seen(&first.case_id, Some(36.5));
        absent.outcome = VisitOutcome::Absent;
        let e = core
            .observation_visit(&absent)
            .expect_err("a reading for nobody seen");
        assert_eq!(e.notices[0].code, "temperature_without_visit");
        let bad_date = OpenCase {
            start_date: "03/01/2026".into(),
            ..input
        };
        assert_eq!(
            core.observation_open(&bad_date).expect_err("date").code,
            "invalid_date"
        );
    }

    #[test]
    fn a_visitor_put_under_observation_is_visited_where_they_said_they_were_going() {
        use kadian_domain::records::{
            Direction, Person, PersonCategory, TravelDeclaration, TravelPlace,
        };
        let (core, _d) = laptop(Role::Compound);
        let mut visitor = Person::new("访客", PersonCategory::Visitor);
        visitor.community_code = Some("411402001018".into());
        visitor.compound = Some("八一花园".into());
        core.store()
            .upsert_person(&visitor, Source::User)
            .expect("person");
        let mut passage = common::passage(Some(&visitor), Direction::In, None);
        passage.destination = Some("3号楼2单元301".into());
        let travel = TravelDeclaration {
            id: new_id(),
            person_id: Some(visitor.id),
            passage_id: Some(passage.id),
            places: vec![TravelPlace {
                division_code: Some("4403".into()),
                text: None,
            }],
            from_date: None,
            to_date: Some(today()),
            transport: None,
            transport_ref: None,
            declared_at: Instant::now_cst(),
            recorded_by: "volunteer-1".into(),
        };
        core.store()
            .apply_pull(
                &[
                    common::change(
                        "passage",
                        &passage.id.to_string(),
                        serde_json::to_value(&passage).expect("json"),
                    ),
                    common::change(
                        "travel_declaration",
                        &travel.id.to_string(),
                        serde_json::to_value(&travel).expect("json"),
                    ),
                ],
                5,
            )
            .expect("pulled");
        let entry = core
            .observation_open(&OpenCase {
                person_id: visitor.id.to_string(),
                reason: ObservationReason::ReturneeElsewhere,
                start_date: today().to_string(),
                declaration_id: Some(travel.id.to_string()),
                responsible: None,
            })
            .expect("open");
        assert_eq!(entry.address, "3号楼2单元301");
    }

    #[test]
    fn no_new_case_is_opened_in_a_compound_the_street_retired() {
        let dir = tempfile::tempdir().expect("tmp");
        let mut store = common::enrolled(&dir, Role::Compound, Some(common::CHECKPOINT));
        store
            .apply_pull(
                &[common::change(
                    "compound",
                    common::COMPOUND,
                    serde_json::json!({"id": common::COMPOUND, "name": "八一花园", "community": "411402001018", "retired_at": "2026-12-06T08:00:00Z"}),
                )],
                1,
            )
            .expect("compound");
        let core = kadian_device::AppCore::open_store(dir.path(), store);
        let person = resident(&core, "返乡者", "3号楼", "301");
        let e = core
            .observation_open(&OpenCase {
                person_id: person,
                reason: ObservationReason::ReturneeHubei,
                start_date: today().to_string(),
                declaration_id: None,
                responsible: None,
            })
            .expect_err("retired compound");
        assert_eq!(e.code, "place_retired");
        assert!(e.message.starts_with("八一花园 已停用"), "{}", e.message);
        assert_eq!(
            core.store().pending_count().expect("pending"),
            1,
            "the person only"
        );
    }

    #[test]
    fn a_gate_tablet_has_no_observation_list() {
        let (tablet, _d) = laptop(Role::Volunteer);
        assert_eq!(
            tablet.observation_today(None).expect_err("tablet").code,
            "not_staff"
        );
    }
}

mod arrival_day {
    use super::today_list_support::*;
    use super::*;

    #[test]
    fn a_case_that_arrived_today_is_due_a_first_visit_and_done_once_it_is_made() {
        let (core, _d) = laptop(Role::Compound);
        let case = open(&core, &resident(&core, "今天到的", "3号楼", "101"), 0);
        let list = core.observation_today(None).expect("today");
        assert_eq!((list.due, list.done), (1, 0));
        assert_eq!(list.entries[0].day, 0);
        core.observation_visit(&seen(&case, Some(36.6)))
            .expect("visit");
        let list = core.observation_today(None).expect("today");
        assert_eq!((list.due, list.done), (0, 1));
        assert_eq!(
            list.entries[0].group,
            kadian_device::areas::observation::TodayGroup::Done
        );
    }
}

mod breach {
    use super::today_list_support::*;
    use super::*;
    use kadian_device::areas::observation::TodayGroup;

    #[test]
    fn a_person_under_observation_who_went_out_today_heads_the_laptops_list() {
        let (core, _d) = laptop(Role::Compound);
        open(&core, &resident(&core, "在家的", "3号楼", "101"), 3);
        let person = resident(&core, "出门的", "9号楼", "101");
        open(&core, &person, 3);
        // A tablet's passage out, as the laptop pulls it.
        let mut out = common::passage(None, kadian_domain::records::Direction::Out, None);
        out.person_id = Some(uuid::Uuid::parse_str(&person).expect("id"));
        out.walk_in_name = None;
        core.store()
            .apply_pull(
                &[common::change(
                    "passage",
                    &out.id.to_string(),
                    serde_json::to_value(&out).expect("json"),
                )],
                9,
            )
            .expect("passage");
        let list = core.observation_today(None).expect("today");
        assert_eq!(list.entries[0].name, "出门的");
        assert!(list.entries[0].went_out_today);
        assert_eq!(list.entries[0].group, TodayGroup::WentOut);
        assert!(!list.entries[1].went_out_today);
    }
}

mod case_page {
    use super::today_list_support::*;
    use super::*;
    use kadian_device::areas::observation::MAX_SHEET_DAYS;

    fn record(core: &kadian_device::AppCore, case_id: &str, day: NaiveDate, tenths: i16) {
        let id = kadian_domain::records::canonical_uuid(case_id).expect("id");
        let outcome = if tenths >= 373 {
            VisitOutcome::SeenUnwell
        } else {
            VisitOutcome::SeenWell
        };
        let mut v = super::visit(
            &ObservationCase {
                id,
                ..super::case(&today().to_string())
            },
            &day.to_string(),
            outcome,
            Some(tenths),
        );
        v.case_id = id;
        core.store()
            .record_follow_up_visit(&v, Source::User)
            .expect("visit");
    }

    fn change(core: &kadian_device::AppCore, case_id: &str, kind: TransitionKind, who: &str) {
        core.store()
            .record_case_transition(
                &CaseTransition {
                    id: new_id(),
                    case_id: kadian_domain::records::canonical_uuid(case_id).expect("id"),
                    kind,
                    effective: today(),
                    reason: "发热".into(),
                    at: Instant::now_cst(),
                    recorded_by: who.into(),
                },
                Source::User,
            )
            .expect("transition");
        // Distinct recording instants: the fold orders a day's changes by them.
        std::thread::sleep(std::time::Duration::from_millis(5));
    }

    #[test]
    fn a_visit_without_a_staff_name_is_recorded_as_the_laptops() {
        let (core, _dir) = laptop(Role::Compound);
        let case = open(&core, &resident(&core, "张三", "3号楼", "301"), 0);
        let mut visit = seen(&case, Some(36.6));
        visit.visited_by = None;
        core.observation_visit(&visit).expect("visit");
        let page = core.observation_case_page(&case).expect("page");
        assert_eq!(
            page.visits[0].recorded_by, "党支部笔记本",
            "not the device's id"
        );
    }

    #[test]
    fn a_cases_page_shows_its_days_visits_and_changes_and_the_daily_sheet_marks_every_day() {
        let (core, dir) = laptop(Role::Compound);
        let zhang = open(&core, &resident(&core, "张三", "3号楼", "301"), 3);
        open(&core, &resident(&core, "李四", "1号楼", "101"), 1);
        let (d1, d2) = (
            today() - chrono::Days::new(2),
            today() - chrono::Days::new(1),
        );
        record(&core, &zhang, d1, 365);
        record(&core, &zhang, d2, 381);
        core.store().set_last_sync_now().expect("synced");
        // Released on one laptop; a referral typed on another before anyone knew clashes.
        change(&core, &zhang, TransitionKind::Release, "王强");
        change(&core, &zhang, TransitionKind::Refer, "李红梅");

        let page = core.observation_case_page(&zhang).expect("page");
        assert_eq!(page.start, (today() - chrono::Days::new(3)).to_string());
        assert_eq!(page.policy_days, 14);
        let days: Vec<(DayState, Option<f64>)> =
            page.days.iter().map(|d| (d.state, d.celsius)).collect();
        assert_eq!(
            days,
            [
                (DayState::Seen, Some(36.5)),
                (DayState::SeenUnwell, Some(38.1)),
                (DayState::Due, None),
            ],
            "released today: the grid ends today"
        );
        assert_eq!(page.visits.len(), 2);
        assert_eq!(page.visits[1].celsius, Some(38.1));
        let changes: Vec<(TransitionKind, bool)> =
            page.changes.iter().map(|c| (c.kind, c.applied)).collect();
        assert_eq!(
            changes,
            [
                (TransitionKind::Release, true),
                (TransitionKind::Refer, false)
            ],
            "a referral of a released person does not apply and is shown as such"
        );
        assert_eq!(page.entry.status, CaseStatus::Released);

        // The daily sheet over the last five days: 李四 (1号楼) before 张三 (3号楼); a day
        // outside the period is –, a seen day ✓ with its reading, a fever !, today still empty.
        let out = dir.path().join("exports");
        let from = (today() - chrono::Days::new(4)).to_string();
        let sheet = core
            .observation_export(&from, &today().to_string(), "csv", &out)
            .expect("sheet");
        assert_eq!(sheet.rows, 2);
        let text = std::fs::read_to_string(&sheet.path).expect("csv");
        let lines: Vec<Vec<&str>> = text
            .trim_start_matches('\u{feff}')
            .lines()
            .map(|l| l.split(',').collect())
            .collect();
        assert_eq!(lines[0][0], "姓名");
        assert_eq!(lines[0].len(), 8 + 5);
        assert!(
            lines[0][8].ends_with('日') && lines[0][8].contains('月'),
            "{:?}",
            lines[0]
        );
        assert_eq!(lines[1][0], "李四");
        assert_eq!(&lines[2][..1], ["张三"]);
        assert_eq!(lines[2][6], "已解除");
        assert_eq!(&lines[2][8..], ["–", "–", "✓36.5", "!38.1", ""]);

        let too_long = (today() - chrono::Days::new(MAX_SHEET_DAYS as u64)).to_string();
        assert_eq!(
            core.observation_export(&too_long, &today().to_string(), "csv", &out)
                .expect_err("too long")
                .code,
            "range_too_long"
        );
        assert_eq!(
            core.observation_export("2026-13-01", &today().to_string(), "csv", &out)
                .expect_err("date")
                .code,
            "invalid_date"
        );
    }
}

mod release_in_one_step {
    use super::today_list_support::*;
    use super::*;
    use kadian_device::areas::observation::TodayGroup;

    #[test]
    fn the_days_cases_seen_on_their_last_day_are_released_in_one_step_and_no_others() {
        let (core, _d) = laptop(Role::Compound);
        let last_day = open(&core, &resident(&core, "期满者", "3号楼", "101"), 14);
        let unseen = open(&core, &resident(&core, "未访者", "3号楼", "102"), 14);
        let midway = open(&core, &resident(&core, "观察中", "3号楼", "103"), 5);
        core.observation_visit(&seen(&last_day, Some(36.4)))
            .expect("visit");
        core.observation_visit(&seen(&midway, Some(36.5)))
            .expect("visit");
        let groups: Vec<(String, TodayGroup)> = core
            .observation_today(None)
            .expect("today")
            .entries
            .into_iter()
            .map(|e| (e.name, e.group))
            .collect();
        assert!(
            groups.contains(&("期满者".into(), TodayGroup::ReleaseToday)),
            "{groups:?}"
        );
        let outbox_before = core.store().outbox("pending", 1000).expect("outbox").len();

        // Staff confirmed the one shown, and (by mistake) one not due: only the due one goes.
        let released = core
            .observation_release_due(&[last_day.clone(), unseen.clone()])
            .expect("release");
        assert_eq!(released, ["期满者"]);
        let status = |id: &str| core.observation_entry(id).expect("entry").status;
        assert_eq!(status(&last_day), CaseStatus::Released);
        assert_eq!(
            status(&unseen),
            CaseStatus::Open,
            "its last day is not seen"
        );
        assert_eq!(status(&midway), CaseStatus::Open);
        // One release transition each, queued for the server; a second step finds none.
        assert_eq!(
            core.store().outbox("pending", 1000).expect("outbox").len(),
            outbox_before + 1
        );
        assert!(core
            .observation_release_due(std::slice::from_ref(&last_day))
            .expect("again")
            .is_empty());
        // A case that became due after the list was shown is not released unconfirmed.
        let other = open(&core, &resident(&core, "后来的", "5号楼", "101"), 14);
        core.observation_visit(&seen(&other, Some(36.4)))
            .expect("visit");
        assert!(core
            .observation_release_due(std::slice::from_ref(&last_day))
            .expect("not confirmed")
            .is_empty());
        assert_eq!(status(&other), CaseStatus::Open);
    }
}

mod clashes {
    use super::today_list_support::*;
    use super::*;

    /// A status change made on another laptop, pulled: recorded `minutes` after now.
    fn pulled(core: &kadian_device::AppCore, case_id: &str, kind: TransitionKind, minutes: i64) {
        let t = CaseTransition {
            id: new_id(),
            case_id: kadian_domain::records::canonical_uuid(case_id).expect("id"),
            kind,
            effective: today(),
            reason: "联系不上".into(),
            at: Instant {
                utc: chrono::Utc::now() + chrono::Duration::minutes(minutes),
                offset_minutes: 480,
            },
            recorded_by: "王强".into(),
        };
        core.store()
            .apply_pull(
                &[common::change(
                    "case_transition",
                    &t.id.to_string(),
                    serde_json::to_value(&t).expect("json"),
                )],
                99,
            )
            .expect("pull");
    }

    #[test]
    fn two_laptops_changing_a_status_apart_reach_the_conflict_list_and_the_other_change_can_be_taken(
    ) {
        let (core, _dir) = laptop(Role::Compound);
        let case = open(&core, &resident(&core, "张三", "3号楼", "301"), 14);
        core.observation_transition(&case, TransitionKind::Release, "")
            .expect("released here");
        pulled(&core, &case, TransitionKind::Lose, 1);
        let list = core.conflicts().expect("conflicts");
        assert_eq!(list.len(), 1, "{list:?}");
        let c = &list[0];
        assert_eq!(
            (
                c.who.as_str(),
                c.field.as_str(),
                c.kept.as_str(),
                c.lost.as_str()
            ),
            ("张三", "status", "release", "lose")
        );
        assert!(c
            .lost_detail
            .as_deref()
            .is_some_and(|d| d.ends_with("王强")));
        assert!(c.can_keep_lost, "a released case can be reopened and lost");
        let before = core.store().outbox("pending", 100).expect("outbox").len();
        core.settle_conflict(&c.id, true).expect("take the other");
        assert!(core.conflicts().expect("conflicts").is_empty());
        let entry = core.observation_entry(&case).expect("entry");
        assert_eq!(entry.status, kadian_domain::observation::CaseStatus::Lost);
        assert_eq!(
            core.store().outbox("pending", 100).expect("outbox").len(),
            before + 2,
            "reopened and lost, queued for the server"
        );
        // Pulled again (another page, a re-pull): a settled clash stays settled.
        pulled(&core, &case, TransitionKind::Cancel, 2);
        let list = core.conflicts().expect("conflicts");
        assert_eq!(
            list.iter().map(|c| c.lost.as_str()).collect::<Vec<_>>(),
            ["cancel"],
            "only the new clash"
        );
        // Keeping the status reached records nothing.
        let before = core.store().outbox("pending", 100).expect("outbox").len();
        core.settle_conflict(&list[0].id, false).expect("keep");
        assert!(core.conflicts().expect("conflicts").is_empty());
        assert_eq!(
            core.store().outbox("pending", 100).expect("outbox").len(),
            before
        );
    }
}

mod referrals {
    use super::today_list_support::*;
    use super::*;
    use kadian_device::areas::observation::DisposeInput;
    use kadian_domain::records::{Disposition, ReferralStatus};

    #[test]
    fn a_fever_or_a_referral_at_a_visit_reaches_the_groups_list_and_the_case_is_referred() {
        let (core, _dir) = laptop(Role::Compound);
        let hot = open(&core, &resident(&core, "发热者", "3号楼", "301"), 3);
        let sent = open(&core, &resident(&core, "咳嗽者", "5号楼", "502"), 3);
        let well = open(&core, &resident(&core, "正常者", "7号楼", "701"), 3);
        core.observation_visit(&seen(&hot, Some(38.2)))
            .expect("fever");
        let mut cough = seen(&sent, Some(36.8));
        cough.outcome = VisitOutcome::SeenUnwell;
        cough.symptoms = vec![Symptom::Cough];
        cough.action = Some(VisitAction::Referred);
        core.observation_visit(&cough).expect("referred");
        core.observation_visit(&seen(&well, Some(36.5)))
            .expect("well");
        let list = core.observation_referrals(true).expect("list");
        assert_eq!(
            list.iter()
                .map(|r| (r.name.as_str(), r.celsius, r.status))
                .collect::<Vec<_>>(),
            [
                ("发热者", Some(38.2), ReferralStatus::Open),
                ("咳嗽者", Some(36.8), ReferralStatus::Open)
            ],
            "the longest waiting first; a well visit raises none"
        );
        assert_eq!(list[0].address, "3号楼1单元301");
        assert_eq!(list[0].responsible.as_deref(), Some("李红梅"));
        for case in [&hot, &sent] {
            assert_eq!(
                core.observation_entry(case).expect("entry").status,
                kadian_domain::observation::CaseStatus::Referred
            );
        }
        // The group takes one; a second laptop's take is said, not repeated.
        let taken = core
            .observation_referral_take(&list[0].id, Some("张医生"))
            .expect("take");
        assert_eq!(taken.status, ReferralStatus::Taken);
        assert!(taken
            .taken
            .as_deref()
            .is_some_and(|t| t.ends_with("张医生")));
        let again = core
            .observation_referral_take(&list[0].id, None)
            .expect_err("taken already");
        assert_eq!(again.code, "already_taken");
        assert!(again.message.contains("张医生"), "{}", again.message);
        // Cleared: back under observation; the other goes to the fever clinic and stays
        // referred.
        let cleared = core
            .observation_referral_dispose(&DisposeInput {
                referral_id: list[0].id.clone(),
                disposition: Disposition::Cleared,
                note: Some("发热门诊复查 36.9".into()),
                by: None,
            })
            .expect("cleared");
        assert_eq!(
            cleared
                .disposed
                .as_deref()
                .map(|d| d.ends_with("党支部笔记本")),
            Some(true)
        );
        core.observation_referral_dispose(&DisposeInput {
            referral_id: list[1].id.clone(),
            disposition: Disposition::FeverClinic,
            note: None,
            by: Some("张医生".into()),
        })
        .expect("clinic");
        assert_eq!(
            core.observation_entry(&hot).expect("entry").status,
            kadian_domain::observation::CaseStatus::Open
        );
        assert_eq!(
            core.observation_entry(&sent).expect("entry").status,
            kadian_domain::observation::CaseStatus::Referred
        );
        assert!(core.observation_referrals(true).expect("list").is_empty());
        assert_eq!(core.observation_referrals(false).expect("list").len(), 2);
        // A note with a control character is refused at the note, and nothing changes.
        let bad = core
            .observation_referral_dispose(&DisposeInput {
                referral_id: list[1].id.clone(),
                disposition: Disposition::Hospitalised,
                note: Some("住院\u{0007}".into()),
                by: None,
            })
            .expect_err("control character");
        assert_eq!(bad.code, "invalid_input");
        assert_eq!(
            core.observation_referrals(false).expect("list")[0].disposition,
            Some(Disposition::FeverClinic)
        );
    }

    #[test]
    fn a_gate_tablet_has_no_referral_list() {
        let (tablet, _d) = laptop(Role::Volunteer);
        assert_eq!(
            tablet.observation_referrals(true).expect_err("tablet").code,
            "not_staff"
        );
    }
}
