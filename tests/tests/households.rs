//! Households (户) and screening coverage through the server, on every backend: both roster
//! shapes import into households; a gate passage accounts for a resident and partly screens
//! their household, the same on the server's report and on the village laptop; a tablet never
//! writes or receives a household; a household is merged field by field.

use kadian_device::areas::screening::{CoverageQuery, MemberInput, ScreeningInput};
use kadian_domain::coverage::HouseholdState;
use kadian_domain::places::PlaceWrite;
use kadian_domain::records::{Household, HouseholdKind, HouseholdPlace, RecordKind};
use kadian_domain::sync::{ReceiptStatus, Role};
use kadian_registers::RegisterKind;
use kadian_server::admin::import_register;
use kadian_tests::harness::{backends, push_raw, TestDevice, TestServer};

fn fixture(name: &str) -> std::path::PathBuf {
    kadian_tests::shared_dir()
        .join("fixtures/registers")
        .join(name)
}

fn today() -> chrono::NaiveDate {
    kadian_server::china_time::china_today()
}

/// The village 季庄村 in community B, with a gate.
async fn village(s: &TestServer) -> (String, String) {
    let id =
        s.db.put_place(&PlaceWrite::Compound {
            community: s.community_b.clone(),
            name: "季庄村".into(),
        })
        .await
        .expect("village");
    let gate =
        s.db.put_place(&PlaceWrite::Checkpoint {
            compound: id.clone(),
            name: "村口".into(),
        })
        .await
        .expect("gate");
    (id, gate)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn both_roster_shapes_make_households_and_a_gate_passage_accounts_for_a_resident() {
    for b in backends() {
        eprintln!("backend: {b}");
        let s = TestServer::start(b).await;
        let db = s.db.as_ref();
        let (village_id, gate) = village(&s).await;
        // The village roster by household: 27 households, 113 persons.
        let r = import_register(
            db,
            &fixture("季庄村_居民花名册_gbk.csv"),
            RegisterKind::Roster,
            Some(&s.community_b),
            Some(&village_id),
            false,
        )
        .await
        .expect("village roster");
        assert_eq!(r.report.kind, RegisterKind::HouseholdRoster, "{b}");
        assert_eq!((r.report.households, r.report.persons_created), (27, 113));
        assert!(r.refused.is_empty(), "{b}: {:?}", r.refused);
        assert_eq!(db.count("household").await.expect("count"), 27, "{b}");
        // The compound roster: households by building, unit and room.
        let c = import_register(
            db,
            &fixture("八一社区_居民花名册.xlsx"),
            RegisterKind::Roster,
            Some(&s.community_a),
            Some(&s.compound_a),
            false,
        )
        .await
        .expect("compound roster");
        assert!(c.report.households > 200, "{b}: {}", c.report.households);
        assert_eq!(
            c.stored,
            236 + c.report.households,
            "{b}: each person and household once"
        );
        assert_eq!(
            db.count("household").await.expect("count") as usize,
            27 + c.report.households
        );
        // Imported again: nothing new.
        let again = import_register(
            db,
            &fixture("季庄村_居民花名册_gbk.csv"),
            RegisterKind::Roster,
            Some(&s.community_b),
            Some(&village_id),
            false,
        )
        .await
        .expect("again");
        assert_eq!(again.stored, 0, "{b}");

        // Nobody seen yet: every household silent; those living away are not waited for.
        let report = kadian_server::coverage::coverage(db, today(), Some(&s.community_b))
            .await
            .expect("coverage");
        let row = report
            .rows
            .iter()
            .find(|r| r.compound == "季庄村")
            .expect("village row");
        let v = row.coverage;
        assert_eq!(
            (
                v.households_registered,
                v.households_silent,
                v.households_screened
            ),
            (27, 27, 0),
            "{b}"
        );
        assert_eq!(v.persons_registered + v.persons_away, 113, "{b}");
        assert_eq!(v.persons_accounted, 0);
        assert!(v.persons_away >= 8, "{b}: {v:?}");

        // The village laptop holds the same, offline from its store.
        let laptop = TestDevice::enrolled(&s, Role::Compound, &village_id).await;
        laptop.sync().await.expect("laptop");
        let query = CoverageQuery {
            date: today().to_string(),
            compound: None,
        };
        let mine = laptop
            .core
            .screening_coverage(&query)
            .expect("laptop coverage");
        assert_eq!(mine.rows.len(), 1, "{b}");
        assert_eq!(
            mine.rows[0].coverage, v,
            "{b}: the laptop counts as the server"
        );

        // A tablet at the village gate registers 季诺强 going out: accounted for, and 1组9号
        // partly screened (her two children are still to see).
        let tablet = TestDevice::enrolled(&s, Role::Volunteer, &gate).await;
        let pin = laptop
            .core
            .volunteer_save(None, "王志愿", "2468")
            .expect("volunteer");
        laptop.sync().await.expect("push volunteer");
        tablet.sync().await.expect("tablet");
        tablet.core.sign_in(&pin.id, "2468").expect("sign in");
        let found = tablet.core.search("季诺强").expect("search");
        let person = found.first().expect("季诺强 on the tablet").id.clone();
        tablet
            .core
            .register_passage(&person, "out", "36.5", None)
            .expect("out");
        tablet.sync().await.expect("push");
        let after = kadian_server::coverage::coverage(db, today(), Some(&s.community_b))
            .await
            .expect("coverage");
        let v = after
            .rows
            .iter()
            .find(|r| r.compound == "季庄村")
            .expect("row")
            .coverage;
        assert_eq!(
            (
                v.persons_accounted,
                v.households_partial,
                v.households_silent
            ),
            (1, 1, 26),
            "{b}: {v:?}"
        );
        laptop.sync().await.expect("pull the passage");
        let mine = laptop.core.screening_coverage(&query).expect("coverage");
        assert_eq!(mine.rows[0].coverage, v, "{b}");
        let partly = mine
            .households
            .iter()
            .find(|h| h.state == HouseholdState::Partial)
            .expect("1组9号 partly seen");
        assert_eq!(partly.address, "1组9号");
        assert_eq!((partly.accounted, partly.members), (1, 2), "{b}");
        // Silent households come first on the door-knock list.
        assert_eq!(mine.households[0].state, HouseholdState::Silent);
        let page = laptop
            .core
            .screening_household(&partly.id, &today().to_string())
            .expect("page");
        assert_eq!(page.head.as_deref(), Some("季诺强"));
        let head = &page.members[0];
        assert_eq!((head.name.as_str(), head.accounted), ("季诺强", true));
        assert!(head.last_passage.is_some());
        // 季晓娟 works in 浙江温州: away, not waited for.
        assert!(page.members.iter().any(|m| m.name == "季晓娟"
            && m.away
            && m.away_place.as_deref() == Some("浙江省温州市")));

        // The tablet never received a household, and may not write one.
        assert_eq!(
            tablet.core.store().household_count().expect("count"),
            0,
            "{b}"
        );
        let (h, _) = laptop
            .core
            .store()
            .household(&partly.id)
            .expect("read")
            .expect("held");
        let receipts = push_raw(
            &tablet,
            vec![(
                RecordKind::Household.as_str(),
                serde_json::to_value(Household {
                    phone: Some("13800138000".into()),
                    ..h.clone()
                })
                .expect("json"),
            )],
        )
        .await;
        assert_eq!(receipts[0].status, ReceiptStatus::Rejected, "{b}");
        assert_eq!(
            receipts[0].error.as_ref().map(|e| e.code.as_str()),
            Some("not_allowed")
        );
        // Nor may a laptop place one in another community's compound.
        let elsewhere = push_raw(
            &laptop,
            vec![(
                RecordKind::Household.as_str(),
                serde_json::to_value(Household {
                    id: kadian_domain::records::new_id(),
                    community_code: s.community_a.clone(),
                    compound: s.compound_a.clone(),
                    ..h.clone()
                })
                .expect("json"),
            )],
        )
        .await;
        assert_eq!(elsewhere[0].status, ReceiptStatus::Rejected, "{b}");

        // A household whose id is another place's (or not derived at all) is refused: a device
        // may not squat on a household of another compound by its derived id.
        let squat = push_raw(
            &laptop,
            vec![(
                RecordKind::Household.as_str(),
                serde_json::to_value(Household {
                    place: HouseholdPlace::Village {
                        group: 9,
                        house_number: "99".into(),
                    },
                    ..h.clone()
                })
                .expect("json"),
            )],
        )
        .await;
        assert_eq!(
            squat[0].error.as_ref().map(|e| e.code.as_str()),
            Some("household_id"),
            "{b}"
        );
        // A screening of 1组9号 naming a resident of another household accounts for nobody
        // else, on the server and on the laptop.
        let outsider = mine
            .households
            .iter()
            .find(|x| x.id != partly.id)
            .expect("another household");
        let outsider_page = laptop
            .core
            .screening_household(&outsider.id, &today().to_string())
            .expect("page");
        let stranger_id = outsider_page.members[0].person_id.clone();
        let forger = TestDevice::enrolled(&s, Role::Community, &s.community_b).await;
        let forged = push_raw(
            &forger,
            vec![(
                RecordKind::Screening.as_str(),
                serde_json::json!({
                    "id": kadian_domain::records::new_id(),
                    "household_id": partly.id,
                    "community_code": s.community_b,
                    "compound": village_id,
                    "at": kadian_domain::records::Instant::now_cst(),
                    "method": "door",
                    "members": [{"person_id": stranger_id, "status": "present"}],
                    "note": null,
                    "recorded_by": "王芳",
                }),
            )],
        )
        .await;
        assert_eq!(forged[0].status, ReceiptStatus::Accepted, "{b}");
        laptop.sync().await.expect("pull the forged screening");
        let counted = kadian_server::coverage::coverage(db, today(), Some(&s.community_b))
            .await
            .expect("coverage")
            .total
            .persons_accounted;
        assert_eq!(counted, 1, "{b}: still only 季诺强");
        assert_eq!(
            laptop
                .core
                .screening_coverage(&query)
                .expect("coverage")
                .total
                .persons_accounted,
            1,
            "{b}"
        );
        // Two laptops change the household apart: the kind on one, the phone on the other;
        // both stay.
        let other = TestDevice::enrolled(&s, Role::Community, &s.community_b).await;
        other.sync().await.expect("community laptop");
        laptop
            .core
            .store()
            .save_household(
                &Household {
                    kind: Some(HouseholdKind::OwnerOccupied),
                    ..h.clone()
                },
                kadian_domain::records::Source::User,
            )
            .expect("kind");
        other
            .core
            .store()
            .save_household(
                &Household {
                    phone: Some("0370-1234567".into()),
                    ..h.clone()
                },
                kadian_domain::records::Source::User,
            )
            .expect("phone");
        laptop.sync().await.expect("first");
        other.sync().await.expect("second");
        laptop.sync().await.expect("pull the merge");
        let (merged, _) = laptop
            .core
            .store()
            .household(&partly.id)
            .expect("read")
            .expect("held");
        assert_eq!(merged.kind, Some(HouseholdKind::OwnerOccupied), "{b}");
        assert_eq!(merged.phone.as_deref(), Some("0370-1234567"), "{b}");
        assert!(matches!(
            merged.place,
            HouseholdPlace::Village { group: 1, .. }
        ));

        // Both laptops screen 1组9号 offline the same day: both screenings are kept, and the
        // household is screened on the server and on each laptop.
        let members = |d: &TestDevice| {
            d.core
                .screening_household(&partly.id, &today().to_string())
                .expect("page")
                .members
                .iter()
                .map(|m| MemberInput {
                    person_id: m.person_id.clone(),
                    status: if m.away { "away" } else { "present" }.into(),
                    away_place: String::new(),
                    returned: None,
                })
                .collect::<Vec<_>>()
        };
        other
            .sync()
            .await
            .expect("community laptop has the members");
        for d in [&laptop, &other] {
            d.core
                .screening_record(&ScreeningInput {
                    household_id: partly.id.clone(),
                    method: "door".into(),
                    members: members(d),
                    new_members: Vec::new(),
                    vacant: false,
                    note: String::new(),
                })
                .expect("screened");
        }
        laptop.sync().await.expect("one");
        other.sync().await.expect("two");
        laptop.sync().await.expect("pull");
        // (The forged one above, and these two.)
        assert_eq!(db.count("screening").await.expect("count"), 3, "{b}");
        let page = laptop
            .core
            .screening_household(&partly.id, &today().to_string())
            .expect("page");
        assert_eq!(page.screenings.len(), 3, "{b}: both kept");
        assert_eq!(page.state, HouseholdState::Screened);
        let server = kadian_server::coverage::coverage(db, today(), Some(&s.community_b))
            .await
            .expect("coverage")
            .rows
            .into_iter()
            .find(|r| r.compound == "季庄村")
            .expect("row")
            .coverage;
        assert_eq!(server.households_screened, 1, "{b}: {server:?}");
        assert_eq!(
            laptop
                .core
                .screening_coverage(&query)
                .expect("coverage")
                .rows[0]
                .coverage,
            server,
            "{b}"
        );
        // The daily report's 排查 columns and the laptop's 概况 count the same.
        let daily =
            kadian_server::report::daily(db, today(), kadian_domain::FeverThreshold::default())
                .await
                .expect("report");
        let row = daily
            .rows
            .iter()
            .find(|r| r.community_code == s.community_b)
            .expect("row")
            .figures;
        assert_eq!(
            (
                row.households_registered,
                row.households_screened,
                row.persons_registered,
                row.persons_accounted
            ),
            (
                server.households_registered,
                server.households_screened,
                server.persons_registered,
                server.persons_accounted
            ),
            "{b}"
        );
        let sheet = kadian_server::report::daily_sheet(&daily, "王芳", "0370-1234567");
        let cells = &sheet
            .rows
            .iter()
            .find(|r| r.unit == "季庄社区")
            .expect("季庄社区")
            .values;
        assert_eq!(cells[30], Some(27.0));
        assert_eq!(cells[32], Some(3.7), "1 of 27 households: 3.7 %");
        let board = laptop
            .core
            .dashboard(&kadian_device::areas::dashboard::DashboardQuery {
                date: today().to_string(),
                community: None,
                compound: None,
                zone: None,
            })
            .expect("dashboard");
        assert_eq!(board.unit.figures.households_screened, 1, "{b}");
        assert!(!board.not_built.contains(&"screening".to_owned()));
        // A screening of a household of another community is refused.
        let stranger = push_raw(
            &laptop,
            vec![(
                RecordKind::Screening.as_str(),
                serde_json::json!({
                    "id": kadian_domain::records::new_id(),
                    "household_id": kadian_domain::records::new_id(),
                    "community_code": s.community_a,
                    "compound": s.compound_a,
                    "at": kadian_domain::records::Instant::now_cst(),
                    "method": "door",
                    "members": [{"person_id": kadian_domain::records::new_id(), "status": "present"}],
                    "note": null,
                    "recorded_by": "王芳",
                }),
            )],
        )
        .await;
        assert_eq!(stranger[0].status, ReceiptStatus::Rejected, "{b}");
        // A tablet receives no screening.
        tablet.sync().await.expect("tablet");
        assert_eq!(tablet.core.store().count("screening").expect("count"), 0);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_key_areas_households_visited_apart_and_a_lift_made_apart_lose_nothing() {
    use kadian_device::areas::screening::{HouseholdVisitInput, KeyAreaInput, MemberSeenInput};
    for b in backends() {
        eprintln!("backend: {b}");
        let s = TestServer::start(b).await;
        let db = s.db.as_ref();
        let (village_id, _) = village(&s).await;
        import_register(
            db,
            &fixture("季庄村_居民花名册_gbk.csv"),
            RegisterKind::Roster,
            Some(&s.community_b),
            Some(&village_id),
            false,
        )
        .await
        .expect("village roster");
        let laptop = TestDevice::enrolled(&s, Role::Compound, &village_id).await;
        let community = TestDevice::enrolled(&s, Role::Community, &s.community_b).await;
        laptop.sync().await.expect("laptop");
        // The community declares group 1 a key area; the village laptop gets it.
        let area = {
            community.sync().await.expect("community");
            community
                .core
                .key_area_declare(&KeyAreaInput {
                    compound: village_id.clone(),
                    parts: "1".into(),
                    reason: "close_contacts".into(),
                    declared_by: "community".into(),
                    from: today().to_string(),
                    review: (today() + chrono::Days::new(14)).to_string(),
                    note: "1组有密接".into(),
                })
                .expect("declared")
        };
        community.sync().await.expect("push");
        laptop.sync().await.expect("pull");
        let day = laptop
            .core
            .key_area_day(&area.id, &today().to_string())
            .expect("the laptop holds it");
        assert!(day.area.households >= 8, "{b}: {}", day.area.households);
        assert!(day.households.iter().all(|h| h.address.starts_with("1组")));
        // Offline, both visit the first household; the community laptop lifts the area while
        // the village laptop visits another.
        let visit = |h: &kadian_device::areas::screening::KeyAreaHousehold| HouseholdVisitInput {
            household_id: h.id.clone(),
            key_area_id: Some(area.id.clone()),
            method: "door".into(),
            outcome: "all_well".into(),
            seen: h
                .members
                .iter()
                .map(|m| MemberSeenInput {
                    person_id: m.person_id.clone(),
                    temperature: "36.6".into(),
                    symptoms: Vec::new(),
                })
                .collect(),
            needs: vec!["food".into()],
            note: String::new(),
        };
        laptop
            .core
            .household_visit_record(&visit(&day.households[0]))
            .expect("visit one");
        community
            .core
            .household_visit_record(&visit(&day.households[0]))
            .expect("visit one again");
        community
            .core
            .key_area_change(&area.id, "lift", None, "14 天无新增病例")
            .expect("lift");
        laptop
            .core
            .household_visit_record(&visit(&day.households[1]))
            .expect("visit two");
        laptop.sync().await.expect("laptop");
        community.sync().await.expect("community");
        laptop.sync().await.expect("laptop again");
        assert_eq!(db.count("household_visit").await.expect("count"), 3, "{b}");
        assert_eq!(db.count("key_area_change").await.expect("count"), 1, "{b}");
        for d in [&laptop, &community] {
            let after = d
                .core
                .key_area_day(&area.id, &today().to_string())
                .expect("day");
            assert!(!after.area.active, "{b}: lifted everywhere");
            assert_eq!(after.area.visited, 2, "{b}: both households' visits kept");
            assert_eq!(after.area.needs, 2);
        }
        // Who the visits saw is accounted for, on the server too.
        let seen = kadian_server::coverage::coverage(db, today(), Some(&s.community_b))
            .await
            .expect("coverage")
            .total
            .persons_accounted;
        let expected = (day.households[0].members.len() + day.households[1].members.len()) as u32;
        assert_eq!(seen, expected, "{b}");
    }
}

/// The 日报's 重点区域 columns, on the server as on the laptops: the compound with a key area in
/// force, the households it covers, those visited that day and those where someone was unwell.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_key_areas_day_is_counted_in_the_daily_report_as_the_laptops_count_it() {
    use kadian_device::areas::screening::{HouseholdVisitInput, KeyAreaInput, MemberSeenInput};
    for b in backends() {
        eprintln!("backend: {b}");
        let s = TestServer::start(b).await;
        let db = s.db.as_ref();
        let (village_id, _) = village(&s).await;
        import_register(
            db,
            &fixture("季庄村_居民花名册_gbk.csv"),
            RegisterKind::Roster,
            Some(&s.community_b),
            Some(&village_id),
            false,
        )
        .await
        .expect("village roster");
        let laptop = TestDevice::enrolled(&s, Role::Compound, &village_id).await;
        laptop.sync().await.expect("laptop");
        let area = laptop
            .core
            .key_area_declare(&KeyAreaInput {
                compound: village_id.clone(),
                parts: "1".into(),
                reason: "close_contacts".into(),
                declared_by: "community".into(),
                from: today().to_string(),
                review: (today() + chrono::Days::new(14)).to_string(),
                note: String::new(),
            })
            .expect("declared");
        let day = laptop
            .core
            .key_area_day(&area.id, &today().to_string())
            .expect("day");
        let visit =
            |h: &kadian_device::areas::screening::KeyAreaHousehold, outcome: &str, t: &str| {
                HouseholdVisitInput {
                    household_id: h.id.clone(),
                    key_area_id: Some(area.id.clone()),
                    method: "door".into(),
                    outcome: outcome.into(),
                    seen: h
                        .members
                        .iter()
                        .take(1)
                        .map(|m| MemberSeenInput {
                            person_id: m.person_id.clone(),
                            temperature: t.into(),
                            symptoms: Vec::new(),
                        })
                        .collect(),
                    needs: Vec::new(),
                    note: String::new(),
                }
            };
        laptop
            .core
            .household_visit_record(&visit(&day.households[0], "all_well", "36.5"))
            .expect("one");
        laptop
            .core
            .household_visit_record(&visit(&day.households[1], "someone_unwell", "38.1"))
            .expect("two");
        let r = laptop.sync().await.expect("push");
        assert_eq!(r.rejected, 0, "{b}");
        let daily =
            kadian_server::report::daily(db, today(), kadian_domain::FeverThreshold::default())
                .await
                .expect("daily");
        let row = daily
            .rows
            .iter()
            .find(|r| r.community_code == s.community_b)
            .expect("季庄社区")
            .figures;
        let key = |f: &kadian_domain::figures::Figures| {
            (
                f.key_area_compounds,
                f.key_area_households,
                f.key_area_visited,
                f.key_area_unwell,
            )
        };
        assert_eq!(key(&row), (1, day.area.households, 2, 1), "{b}");
        assert!(
            !daily.not_built.iter().any(|c| c.contains("key areas")),
            "{b}: {:?}",
            daily.not_built
        );
        let board = laptop
            .core
            .dashboard(&kadian_device::areas::dashboard::DashboardQuery {
                date: today().to_string(),
                community: None,
                compound: None,
                zone: None,
            })
            .expect("dashboard");
        assert_eq!(
            key(&board.unit.figures),
            key(&row),
            "{b}: the laptop says the same"
        );
        assert!(!board.not_built.contains(&"key_areas".to_owned()));
    }
}

/// The duplicate review through the server: a visitor record the gate keeps using for a
/// resident is linked to the resident on the village laptop; the server then counts that
/// passage for the resident, as the laptop does, and an undo takes it back. A tablet neither
/// receives nor writes links; a laptop cannot link to a person outside its scope or unknown.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_visitor_record_linked_to_a_resident_accounts_for_them_on_the_server_and_can_be_undone() {
    use kadian_device::areas::screening::duplicates::DuplicateDecision;
    use kadian_domain::records::{new_id, Instant, Person, PersonCategory, Source};
    for b in backends() {
        eprintln!("backend: {b}");
        let s = TestServer::start(b).await;
        let db = s.db.as_ref();
        let (village_id, gate) = village(&s).await;
        import_register(
            db,
            &fixture("季庄村_居民花名册_gbk.csv"),
            RegisterKind::Roster,
            Some(&s.community_b),
            Some(&village_id),
            false,
        )
        .await
        .expect("village roster");
        let laptop = TestDevice::enrolled(&s, Role::Compound, &village_id).await;
        laptop.sync().await.expect("laptop");
        // 季诺强 was registered at the gate once as a visitor: her name and phone, no ID number.
        let mut visitor = Person::new("季诺强", PersonCategory::Visitor);
        visitor.phone = Some("15969967537".into());
        visitor.community_code = Some(s.community_b.clone());
        visitor.compound = Some(village_id.clone());
        laptop
            .core
            .store()
            .upsert_person(&visitor, Source::User)
            .expect("visitor record");
        let pin = laptop
            .core
            .volunteer_save(None, "王志愿", "2468")
            .expect("volunteer");
        laptop.sync().await.expect("push");
        let tablet = TestDevice::enrolled(&s, Role::Volunteer, &gate).await;
        tablet.sync().await.expect("tablet");
        tablet.core.sign_in(&pin.id, "2468").expect("sign in");
        tablet
            .core
            .register_passage(&visitor.id.to_string(), "in", "36.4", None)
            .expect("passage of the visitor record");
        tablet.sync().await.expect("push the passage");
        let accounted = || async {
            kadian_server::coverage::coverage(db, today(), Some(&s.community_b))
                .await
                .expect("coverage")
                .total
        };
        let before = accounted().await;
        assert_eq!(
            before.persons_accounted, 0,
            "{b}: a visitor record is no resident"
        );

        // The village laptop's review pairs them; staff say one person.
        laptop.sync().await.expect("pull the passage");
        let review = laptop.core.duplicate_review().expect("review");
        let pair = review
            .candidates
            .iter()
            .find(|p| p.repeat.person_id == visitor.id.to_string())
            .expect("a candidate");
        let resident = pair.kept.person_id.clone();
        laptop
            .core
            .duplicate_decide(&DuplicateDecision {
                person_id: visitor.id.to_string(),
                same_as: resident.clone(),
                verdict: "same".into(),
                note: "电话核实".into(),
            })
            .expect("linked");
        laptop.sync().await.expect("push the link");
        let after = accounted().await;
        assert_eq!(
            after.persons_accounted, 1,
            "{b}: her passage counts for her"
        );
        assert_eq!(after.persons_registered, before.persons_registered, "{b}");
        let query = CoverageQuery {
            date: today().to_string(),
            compound: None,
        };
        assert_eq!(
            laptop
                .core
                .screening_coverage(&query)
                .expect("laptop")
                .total,
            after,
            "{b}: the laptop counts as the server"
        );
        // The tablet never receives a link, and may not write one.
        tablet.sync().await.expect("tablet pull");
        assert!(
            tablet
                .core
                .store()
                .person_links()
                .expect("links")
                .is_empty(),
            "{b}"
        );
        let link = |same_as: &str| {
            serde_json::json!({
                "id": new_id(),
                "person_id": visitor.id,
                "same_as": same_as,
                "verdict": "same",
                "note": null,
                "at": Instant::now_cst(),
                "recorded_by": "王芳",
            })
        };
        let refused = push_raw(&tablet, vec![("person_link", link(&resident))]).await;
        assert_eq!(
            refused[0].error.as_ref().map(|e| e.code.as_str()),
            Some("not_allowed"),
            "{b}"
        );
        // A laptop of another community cannot link to her; nobody can link to a person the
        // server does not hold.
        let elsewhere = TestDevice::enrolled(&s, Role::Community, &s.community_a).await;
        let out = push_raw(&elsewhere, vec![("person_link", link(&resident))]).await;
        assert_eq!(
            out[0].error.as_ref().map(|e| e.code.as_str()),
            Some("out_of_scope"),
            "{b}"
        );
        // It may link a record of its own to her visitor record, later than the village's word:
        // a link across compounds counts for nothing, so the village's figures stay.
        let mut own = Person::new("季诺强", PersonCategory::Resident);
        own.community_code = Some(s.community_a.clone());
        own.compound = Some(s.compound_a.clone());
        elsewhere
            .core
            .store()
            .upsert_person(&own, Source::User)
            .expect("own record");
        elsewhere.sync().await.expect("push own record");
        let across = push_raw(
            &elsewhere,
            vec![(
                "person_link",
                serde_json::json!({
                    "id": new_id(),
                    "person_id": visitor.id,
                    "same_as": own.id,
                    "verdict": "same",
                    "note": null,
                    "at": Instant::now_cst(),
                    "recorded_by": "别处",
                }),
            )],
        )
        .await;
        assert_eq!(across[0].status, ReceiptStatus::Accepted, "{b}");
        let unknown = push_raw(&laptop, vec![("person_link", link(&new_id().to_string()))]).await;
        assert_eq!(
            unknown[0].error.as_ref().map(|e| e.code.as_str()),
            Some("unknown_target"),
            "{b}"
        );
        assert_eq!(accounted().await.persons_accounted, 1, "{b}");

        // Undone on the laptop: the server counts her apart from the passage again.
        laptop
            .core
            .duplicate_decide(&DuplicateDecision {
                person_id: visitor.id.to_string(),
                same_as: resident.clone(),
                verdict: "undone".into(),
                note: String::new(),
            })
            .expect("undone");
        laptop.sync().await.expect("push the undo");
        assert_eq!(accounted().await.persons_accounted, 0, "{b}");
        // A second laptop of the community holds both words, and counts alike.
        let community = TestDevice::enrolled(&s, Role::Community, &s.community_b).await;
        community.sync().await.expect("community laptop");
        assert_eq!(
            community.core.store().person_links().expect("links").len(),
            2,
            "{b}"
        );
        assert_eq!(
            community
                .core
                .screening_coverage(&query)
                .expect("community")
                .total
                .persons_accounted,
            0,
            "{b}"
        );
    }
}
