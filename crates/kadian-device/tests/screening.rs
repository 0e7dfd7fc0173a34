//! 入户排查 on a compound laptop, without a window or a server: the roster imported makes its
//! households; a gate passage or a screening accounts for residents; a screening finds members
//! away, a newborn, or the household vacant; bad input is refused with its field.

mod common;

use common::{enrolled, COMPOUND};
use kadian_device::areas::screening::{CoverageQuery, MemberInput, NewMemberInput, ScreeningInput};
use kadian_device::AppCore;
use kadian_domain::coverage::HouseholdState;
use kadian_domain::sync::{Change, Role};

fn fixture(name: &str) -> Vec<u8> {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/fixtures/registers")
        .join(name);
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// A compound laptop of 八一新苑 in 八一社区, with the roster imported.
fn laptop() -> (AppCore, tempfile::TempDir) {
    let dir = tempfile::tempdir().expect("tmp");
    let store = enrolled(&dir, Role::Compound, None);
    let core = AppCore::open_store(dir.path(), store);
    let place = |kind: &str, id: &str, body: serde_json::Value| Change {
        kind: kind.into(),
        id: id.into(),
        version: 1,
        deleted: false,
        body,
    };
    core.store()
        .apply_pull(
            &[
                place(
                    "community",
                    "411402001018",
                    serde_json::json!({"code": "411402001018", "name": "八一社区", "street": "411402001"}),
                ),
                place(
                    "compound",
                    COMPOUND,
                    serde_json::json!({"id": COMPOUND, "name": "八一新苑", "community": "411402001018"}),
                ),
            ],
            1,
        )
        .expect("places");
    let name = "八一社区_居民花名册.xlsx";
    let preview = core
        .import_preview(name, &fixture(name), None)
        .expect("preview");
    let done = core.import_commit(&preview.token).expect("import");
    assert!(done.households > 200, "{done:?}");
    (core, dir)
}

fn today() -> String {
    kadian_domain::figures::china_date(chrono::Utc::now()).to_string()
}

fn coverage(core: &AppCore) -> kadian_device::areas::screening::CoverageView {
    core.screening_coverage(&CoverageQuery {
        date: today(),
        compound: None,
    })
    .expect("coverage")
}

#[test]
fn a_screening_accounts_for_every_member_it_names_and_adds_a_newborn_to_the_household() {
    let (core, _dir) = laptop();
    let before = coverage(&core);
    let row = &before.rows[0];
    assert_eq!(row.compound, "八一新苑");
    assert_eq!(row.coverage.persons_registered, 236);
    assert_eq!(row.coverage.households_screened, 0);
    assert_eq!(
        row.coverage.households_silent,
        row.coverage.households_registered
    );
    // The first household to knock on, in walking order.
    let first = before.households[0].clone();
    let page = core.screening_household(&first.id, &today()).expect("page");
    let members: Vec<MemberInput> = page
        .members
        .iter()
        .enumerate()
        .map(|(i, m)| MemberInput {
            person_id: m.person_id.clone(),
            status: if i == 0 { "present" } else { "away" }.into(),
            away_place: if i == 0 {
                String::new()
            } else {
                "湖北武汉".into()
            },
            returned: None,
        })
        .collect();
    let n = members.len() as u32;
    let after = core
        .screening_record(&ScreeningInput {
            household_id: first.id.clone(),
            method: "door".into(),
            members,
            new_members: vec![NewMemberInput {
                name: "王小宝".into(),
                relation: "grandchild".into(),
                id_number: String::new(),
                phone: String::new(),
                returned: None,
            }],
            vacant: false,
            note: "新生儿未办身份证".into(),
        })
        .expect("screened");
    assert_eq!(after.state, HouseholdState::Screened);
    assert!(after.members.iter().all(|m| m.accounted));
    assert!(after.members.iter().any(|m| m.name == "王小宝"));
    assert_eq!(after.screenings.len(), 1);
    assert_eq!(after.screenings[0].new, 1);
    assert_eq!(after.screenings[0].present, 2);
    let now = coverage(&core);
    let c = now.rows[0].coverage;
    assert_eq!(c.households_screened, 1);
    assert_eq!(c.persons_registered, 237, "the newborn is on the register");
    assert_eq!(c.persons_accounted, n + 1);
    assert!(now.households.iter().all(|h| h.id != first.id));
}

/// A CSV export's rows (UTF-8 with BOM; no cell of these sheets holds a comma).
fn csv_lines(path: &str) -> Vec<Vec<String>> {
    std::fs::read_to_string(path)
        .expect("csv")
        .trim_start_matches('\u{feff}')
        .lines()
        .map(|l| l.split(',').map(str::to_owned).collect())
        .collect()
}

#[test]
fn the_screening_register_lists_every_member_in_walking_order_with_their_evidence_masked() {
    let (core, dir) = laptop();
    let first = coverage(&core).households[0].clone();
    let page = core.screening_household(&first.id, &today()).expect("page");
    core.screening_record(&ScreeningInput {
        household_id: first.id.clone(),
        method: "phone".into(),
        members: page
            .members
            .iter()
            .map(|m| MemberInput {
                person_id: m.person_id.clone(),
                status: "present".into(),
                away_place: String::new(),
                returned: None,
            })
            .collect(),
        new_members: Vec::new(),
        vacant: false,
        note: String::new(),
    })
    .expect("screened");
    let out = dir.path().join("exports");
    let sheet = core
        .screening_export(&today(), Some(COMPOUND), "csv", &out)
        .expect("sheet");
    // Every resident of the roster has a row (236 living here, and those living away).
    let lines = csv_lines(&sheet.path);
    assert_eq!(lines.len() as u32, sheet.rows + 1);
    assert!(sheet.rows >= 236, "{}", sheet.rows);
    assert_eq!(lines[0][5], "户状态");
    assert_eq!(lines[0][12], "是否掌握");
    // The household screened by phone: its members accounted for, 电话, 在家.
    let mine: Vec<&Vec<String>> = lines.iter().filter(|l| l[2] == first.address).collect();
    assert_eq!(mine.len(), page.members.len());
    for l in &mine {
        assert_eq!(
            (
                l[5].as_str(),
                l[12].as_str(),
                l[15].as_str(),
                l[17].as_str()
            ),
            ("已排查", "是", "电话", "在家")
        );
    }
    // Nothing in full: ID numbers and phones are masked.
    for l in &lines[1..] {
        assert!(l[9].is_empty() || l[9].contains("**********"), "{:?}", l[9]);
        assert!(l[10].is_empty() || l[10].contains("****"), "{:?}", l[10]);
    }
    // Another household, not seen: 未见, 否.
    let other = lines
        .iter()
        .find(|l| l[2] != first.address && l[5] == "未见")
        .expect("a silent household");
    assert_eq!(other[12], "否");
    assert_eq!(
        core.screening_export(&today(), Some("no-such"), "csv", &out)
            .expect_err("compound")
            .field
            .as_deref(),
        Some("compound")
    );
}

#[test]
fn a_household_found_vacant_is_screened_and_no_longer_to_knock_on() {
    let (core, _dir) = laptop();
    let first = coverage(&core).households[0].clone();
    let page = core
        .screening_record(&ScreeningInput {
            household_id: first.id.clone(),
            method: "door".into(),
            members: Vec::new(),
            new_members: Vec::new(),
            vacant: true,
            note: String::new(),
        })
        .expect("vacant");
    assert_eq!(page.state, HouseholdState::Vacant);
    let c = coverage(&core).rows[0].coverage;
    assert_eq!((c.households_vacant, c.households_screened), (1, 1));
}

#[test]
fn a_screening_that_cannot_be_read_says_which_field_and_stores_nothing() {
    let (core, _dir) = laptop();
    let first = coverage(&core).households[0].clone();
    let page = core.screening_household(&first.id, &today()).expect("page");
    let input = |status: &str, place: &str| ScreeningInput {
        household_id: first.id.clone(),
        method: "door".into(),
        members: vec![MemberInput {
            person_id: page.members[0].person_id.clone(),
            status: status.into(),
            away_place: place.into(),
            returned: None,
        }],
        new_members: Vec::new(),
        vacant: false,
        note: String::new(),
    };
    let waiting = core.store().pending_count().expect("outbox");
    let e = core
        .screening_record(&input("away", "火星"))
        .expect_err("place");
    assert_eq!(e.field.as_deref(), Some("away_place"));
    let e = core
        .screening_record(&input("sleeping", ""))
        .expect_err("status");
    assert_eq!(e.field.as_deref(), Some("status"));
    // A member of another household, a newborn with an impossible ID number, nobody at all.
    let mut other = input("present", "");
    other.members[0].person_id = uuid::Uuid::now_v7().to_string();
    assert_eq!(
        core.screening_record(&other).expect_err("stranger").code,
        "not_found"
    );
    let mut newborn = input("present", "");
    newborn.new_members.push(NewMemberInput {
        name: "王小宝".into(),
        relation: "grandchild".into(),
        id_number: "411402202613310000".into(),
        phone: String::new(),
        returned: None,
    });
    assert_eq!(
        core.screening_record(&newborn)
            .expect_err("bad id")
            .field
            .as_deref(),
        Some("id_number")
    );
    let mut nobody = input("present", "");
    nobody.members.clear();
    assert_eq!(
        core.screening_record(&nobody).expect_err("nobody").code,
        "invalid_input"
    );
    assert_eq!(core.store().pending_count().expect("outbox"), waiting);
    assert_eq!(
        core.screening_household(&first.id, &today())
            .expect("page")
            .screenings
            .len(),
        0
    );
}

#[test]
fn a_gate_tablet_has_no_screening() {
    let dir = tempfile::tempdir().expect("tmp");
    let store = enrolled(
        &dir,
        Role::Volunteer,
        Some("0190a1b2-0000-7000-8000-000000000002"),
    );
    let core = AppCore::open_store(dir.path(), store);
    let e = core
        .screening_coverage(&CoverageQuery {
            date: today(),
            compound: None,
        })
        .expect_err("tablet");
    assert_eq!(e.code, "not_staff");
}

mod key_areas {
    use super::*;
    use kadian_device::areas::screening::{HouseholdVisitInput, KeyAreaInput, MemberSeenInput};

    fn declare(core: &AppCore, parts: &str) -> kadian_device::areas::screening::KeyAreaView {
        core.key_area_declare(&KeyAreaInput {
            compound: COMPOUND.into(),
            parts: parts.into(),
            reason: "close_contacts".into(),
            declared_by: "community".into(),
            from: today(),
            review: today(),
            note: String::new(),
        })
        .expect("declared")
    }

    #[test]
    fn a_key_areas_day_lists_its_households_and_a_visit_accounts_for_who_it_saw() {
        let (core, dir) = laptop();
        let area = declare(&core, "11号楼、4");
        assert_eq!(area.parts, ["11", "4"]);
        assert!(area.active);
        let day = core.key_area_day(&area.id, &today()).expect("day");
        assert!(day.area.households > 0);
        assert_eq!(day.area.visited, 0);
        assert!(day
            .households
            .iter()
            .all(|h| h.address.starts_with("11号楼") || h.address.starts_with("4号楼")));
        // One tap: everyone well.
        let first = &day.households[0];
        core.household_visit_record(&HouseholdVisitInput {
            household_id: first.id.clone(),
            key_area_id: Some(area.id.clone()),
            method: "door".into(),
            outcome: "all_well".into(),
            seen: first
                .members
                .iter()
                .map(|m| MemberSeenInput {
                    person_id: m.person_id.clone(),
                    temperature: String::new(),
                    symptoms: Vec::new(),
                })
                .collect(),
            needs: Vec::new(),
            note: String::new(),
        })
        .expect("all well");
        // Another: someone with a fever, and they need medicine.
        let second = &day.households[1];
        core.household_visit_record(&HouseholdVisitInput {
            household_id: second.id.clone(),
            key_area_id: Some(area.id.clone()),
            method: "door".into(),
            outcome: "someone_unwell".into(),
            seen: vec![MemberSeenInput {
                person_id: second.members[0].person_id.clone(),
                temperature: "38.2".into(),
                symptoms: vec!["cough".into()],
            }],
            needs: vec!["medicine".into()],
            note: "需要退烧药".into(),
        })
        .expect("unwell");
        let after = core.key_area_day(&area.id, &today()).expect("day");
        assert_eq!(
            (after.area.visited, after.area.unwell, after.area.needs),
            (2, 1, 1)
        );
        // The day's 重点区域入户随访表: one row per household, those not visited first, the
        // feverish member with their reading and symptom, the need, who visited.
        let out = dir.path().join("exports");
        let sheet = core
            .key_area_export(&area.id, &today(), "csv", &out)
            .expect("sheet");
        assert_eq!(sheet.rows, after.area.households);
        assert!(sheet.file_name.starts_with("重点区域入户随访表_八一新苑_"));
        let lines = csv_lines(&sheet.path);
        assert_eq!(
            lines[0][..6],
            ["日期", "重点区域", "住址", "户主", "在住人数", "随访情况"]
        );
        assert_eq!(lines[1][5], "未随访");
        let fever = lines
            .iter()
            .find(|l| l[2] == second.address)
            .expect("the unwell household");
        assert_eq!(fever[5], "已随访");
        assert_eq!(fever[8], "有人异常");
        assert_eq!(
            fever[9],
            format!("{} 38.2℃（咳嗽）", second.members[0].name)
        );
        assert_eq!(fever[10], "药品");
        assert_eq!(fever[11], "需要退烧药");
        assert_eq!(
            core.key_area_export(&area.id, &today(), "pdf", &out)
                .expect_err("format")
                .code,
            "invalid_format"
        );
        // The household's page lists its visit, with the highest reading.
        let page = core
            .screening_household(&second.id, &today())
            .expect("page");
        assert_eq!(page.visits.len(), 1);
        assert_eq!(page.visits[0].highest, Some(38.2));
        assert_eq!(page.visits[0].seen, 1);
        // The needs list: the household that needs medicine, until a later visit reports none.
        let needs = core.household_needs(&today()).expect("needs");
        assert_eq!(needs.len(), 1, "{needs:?}");
        assert_eq!(needs[0].address, second.address);
        assert_eq!(
            needs[0].needs,
            [kadian_domain::records::HouseholdNeed::Medicine]
        );
        assert_eq!(needs[0].note.as_deref(), Some("需要退烧药"));
        // Nobody answered the next knock: that says nothing of the need.
        core.household_visit_record(&HouseholdVisitInput {
            household_id: second.id.clone(),
            key_area_id: Some(area.id.clone()),
            method: "door".into(),
            outcome: "no_answer".into(),
            seen: Vec::new(),
            needs: Vec::new(),
            note: String::new(),
        })
        .expect("no answer");
        assert_eq!(core.household_needs(&today()).expect("needs").len(), 1);
        core.household_visit_record(&HouseholdVisitInput {
            household_id: second.id.clone(),
            key_area_id: Some(area.id.clone()),
            method: "phone".into(),
            outcome: "all_well".into(),
            seen: Vec::new(),
            needs: Vec::new(),
            note: "药已送到".into(),
        })
        .expect("met");
        assert!(core.household_needs(&today()).expect("needs").is_empty());
        assert_eq!(
            core.household_needs("3月1日").expect_err("date").code,
            "invalid_date"
        );
        // The households still to visit come first.
        assert!(!after.households[0].visited);
        assert!(after.households.last().is_some_and(|h| h.visited));
        // Who a visit saw is accounted for.
        let c = coverage(&core).rows[0].coverage;
        assert_eq!(c.persons_accounted as usize, first.members.len() + 1);
    }

    #[test]
    fn a_key_area_is_lifted_and_reinstated_by_changes_and_bad_input_says_its_field() {
        let (core, _dir) = laptop();
        let area = declare(&core, "");
        assert!(!area.review_due);
        let lifted = core
            .key_area_change(&area.id, "lift", None, "14 天无新增病例")
            .expect("lift");
        assert!(!lifted.active);
        assert_eq!(lifted.lifted_on.as_deref(), Some(today().as_str()));
        let again = core
            .key_area_change(&area.id, "reinstate", None, "发现新的密接")
            .expect("reinstate");
        assert!(again.active);
        let e = core
            .key_area_change(&area.id, "extend", None, "延期")
            .expect_err("no review day");
        assert_eq!(e.field.as_deref(), Some("date"));
        let e = core
            .key_area_change(&area.id, "lift", None, " ")
            .expect_err("no reason");
        assert_eq!(e.code, "invalid_input");
        let e = core
            .key_area_declare(&KeyAreaInput {
                compound: COMPOUND.into(),
                parts: String::new(),
                reason: "rumour".into(),
                declared_by: "community".into(),
                from: today(),
                review: today(),
                note: String::new(),
            })
            .expect_err("reason");
        assert_eq!(e.field.as_deref(), Some("reason"));
        let day = core.key_area_day(&area.id, &today()).expect("day");
        let e = core
            .household_visit_record(&HouseholdVisitInput {
                household_id: day.households[0].id.clone(),
                key_area_id: Some(area.id.clone()),
                method: "door".into(),
                outcome: "no_answer".into(),
                seen: vec![MemberSeenInput {
                    person_id: day.households[0].members[0].person_id.clone(),
                    temperature: String::new(),
                    symptoms: Vec::new(),
                }],
                needs: Vec::new(),
                note: String::new(),
            })
            .expect_err("seen without answer");
        assert_eq!(e.code, "invalid_input");
        assert_eq!(core.key_areas(&today()).expect("list").len(), 1);
    }
}

#[test]
fn moved_out_deceased_and_vacant_leave_the_register_and_a_known_person_moves_in_whole() {
    let (core, _dir) = laptop();
    let households = coverage(&core).households;
    let (one, two) = (&households[0], &households[1]);
    let page = core.screening_household(&one.id, &today()).expect("page");
    let other = core.screening_household(&two.id, &today()).expect("page");
    // A member of the second household, known by ID number, is found living in the first.
    let mover = core
        .store()
        .person(other.members[0].person_id.parse().expect("id"))
        .expect("read")
        .expect("held")
        .0;
    let id_number = mover.document_number.clone().expect("an ID number");
    let before = coverage(&core).rows[0].coverage.persons_registered;
    let mut members: Vec<MemberInput> = page
        .members
        .iter()
        .map(|m| MemberInput {
            person_id: m.person_id.clone(),
            status: "present".into(),
            away_place: String::new(),
            returned: None,
        })
        .collect();
    members[0].status = "deceased".into();
    let after = core
        .screening_record(&ScreeningInput {
            household_id: one.id.clone(),
            method: "door".into(),
            members,
            new_members: vec![NewMemberInput {
                name: mover.name.clone(),
                relation: "other".into(),
                id_number: id_number.clone(),
                phone: String::new(),
                returned: None,
            }],
            vacant: false,
            note: String::new(),
        })
        .expect("screened");
    // The mover is the same person (no second record for their ID number), now of this
    // household; the deceased member is no longer waited for.
    let moved = core
        .store()
        .person(mover.id)
        .expect("read")
        .expect("held")
        .0;
    assert_eq!(moved.household.map(|h| h.to_string()), Some(one.id.clone()));
    assert_eq!(moved.phone, mover.phone, "what was on file stays");
    assert!(after
        .members
        .iter()
        .any(|m| m.person_id == mover.id.to_string() && m.accounted));
    assert!(after.members.iter().any(|m| m.away), "the deceased");
    assert_eq!(
        coverage(&core).rows[0].coverage.persons_registered,
        before - 1,
        "the deceased left the register; the mover only moved"
    );
    // The second household, found vacant: its members no longer live there.
    core.screening_record(&ScreeningInput {
        household_id: two.id.clone(),
        method: "door".into(),
        members: Vec::new(),
        new_members: Vec::new(),
        vacant: true,
        note: String::new(),
    })
    .expect("vacant");
    let page = core.screening_household(&two.id, &today()).expect("page");
    assert!(page.members.iter().all(|m| m.away));
}

#[test]
fn a_register_that_says_nothing_of_a_household_keeps_the_one_on_file() {
    let (core, _dir) = laptop();
    let first = coverage(&core).households[0].clone();
    let page = core.screening_household(&first.id, &today()).expect("page");
    let id: uuid::Uuid = page.members[0].person_id.parse().expect("id");
    let (mut p, _) = core.store().person(id).expect("read").expect("held");
    let household = p.household;
    assert!(household.is_some());
    // A returnee register's row for the same person: no household column.
    p.household = None;
    p.phone = Some("13912345678".into());
    core.store()
        .upsert_person(&p, kadian_domain::records::Source::Import)
        .expect("import");
    let (after, _) = core.store().person(id).expect("read").expect("held");
    assert_eq!(after.household, household);
    assert_eq!(after.phone.as_deref(), Some("13912345678"));
}

mod duplicates {
    use super::*;
    use kadian_device::areas::screening::duplicates::DuplicateDecision;
    use kadian_device::store::PassageRegistration;
    use kadian_domain::records::{Direction, Person, PersonCategory, Source};

    /// A roster resident, and the gate's visitor record of them: the same name and phone, no ID
    /// number, no household.
    fn resident_and_visitor_record(core: &AppCore) -> (String, Person) {
        let page = core
            .screening_household(&coverage(core).households[0].id, &today())
            .expect("page");
        let member = &page.members[0];
        let (resident, _) = core
            .store()
            .person(uuid::Uuid::parse_str(&member.person_id).expect("id"))
            .expect("read")
            .expect("held");
        // Recorded where the gate is, as a gate records a visitor.
        let mut visitor = Person::new(resident.name.clone(), PersonCategory::Visitor);
        visitor.community_code = Some("411402001018".into());
        visitor.compound = Some(COMPOUND.into());
        visitor.phone = Some(
            resident
                .phone
                .clone()
                .unwrap_or_else(|| "13800138000".into()),
        );
        if resident.phone.is_none() {
            let mut r = resident.clone();
            r.phone = visitor.phone.clone();
            core.store().upsert_person(&r, Source::User).expect("phone");
        }
        core.store()
            .upsert_person(&visitor, Source::User)
            .expect("visitor record");
        (member.person_id.clone(), visitor)
    }

    #[test]
    fn a_visitor_record_linked_to_a_resident_accounts_for_them_and_the_link_can_be_undone() {
        let (core, _dir) = laptop();
        let (resident, visitor) = resident_and_visitor_record(&core);
        let review = core.duplicate_review().expect("review");
        let pair = review
            .candidates
            .iter()
            .find(|p| p.repeat.person_id == visitor.id.to_string())
            .expect("the pair is a candidate");
        // The record kept is the resident on the register; the visitor's is the repeat.
        assert_eq!(pair.kept.person_id, resident);
        assert_eq!(pair.repeat.category, "visitor");
        // The gate registers the visitor record: the resident is not accounted for yet.
        let mut passage = common::passage(Some(&visitor), Direction::In, None);
        passage.checkpoint_id = "cp-1".into();
        core.store()
            .record_passage(
                &PassageRegistration {
                    passage,
                    reading: None,
                    travel: None,
                },
                Source::User,
            )
            .expect("passage");
        let accounted = |core: &AppCore| coverage(core).rows[0].coverage.persons_accounted;
        assert_eq!(accounted(&core), 0);
        let registered = coverage(&core).rows[0].coverage.persons_registered;
        // One person: the passage now accounts for the resident.
        let linked = core
            .duplicate_decide(&DuplicateDecision {
                person_id: visitor.id.to_string(),
                same_as: resident.clone(),
                verdict: "same".into(),
                note: "电话核实为同一人".into(),
            })
            .expect("linked");
        assert!(linked
            .candidates
            .iter()
            .all(|p| p.repeat.person_id != visitor.id.to_string()));
        assert_eq!(linked.answered.len(), 1);
        assert_eq!(linked.answered[0].verdict.as_deref(), Some("same"));
        assert_eq!(accounted(&core), 1);
        assert_eq!(
            coverage(&core).rows[0].coverage.persons_registered,
            registered
        );
        // Nothing merged: both records stay whole.
        assert!(core.store().person(visitor.id).expect("read").is_some());
        // Undone: a candidate again, and the resident no longer accounted for by it.
        let undone = core
            .duplicate_decide(&DuplicateDecision {
                person_id: visitor.id.to_string(),
                same_as: resident.clone(),
                verdict: "undone".into(),
                note: String::new(),
            })
            .expect("undone");
        assert!(undone.answered.is_empty());
        assert!(undone
            .candidates
            .iter()
            .any(|p| p.repeat.person_id == visitor.id.to_string()));
        assert_eq!(accounted(&core), 0);
        // Every word is an event for the server: two links in the outbox.
        let links = core
            .store()
            .outbox("pending", 100_000)
            .expect("outbox")
            .into_iter()
            .filter(|e| e.kind == "person_link")
            .count();
        assert_eq!(links, 2);
    }

    #[test]
    fn one_name_twice_in_a_household_is_counted_once_when_linked_and_bad_words_say_their_field() {
        let (core, _dir) = laptop();
        let page = core
            .screening_household(&coverage(&core).households[0].id, &today())
            .expect("page");
        let (first, _) = core
            .store()
            .person(uuid::Uuid::parse_str(&page.members[0].person_id).expect("id"))
            .expect("read")
            .expect("held");
        // The roster typed the head twice (a second row, no ID number).
        let mut twice = Person::new(first.name.clone(), PersonCategory::Resident);
        twice.household = first.household;
        twice.community_code = first.community_code.clone();
        twice.compound = first.compound.clone();
        core.store()
            .upsert_person(&twice, Source::User)
            .expect("twice");
        let registered = |core: &AppCore| coverage(core).rows[0].coverage.persons_registered;
        let before = registered(&core);
        let review = core.duplicate_review().expect("review");
        let pair = review
            .candidates
            .iter()
            .find(|p| p.repeat.person_id == twice.id.to_string())
            .expect("a candidate");
        assert_eq!(
            pair.reason,
            Some(kadian_domain::duplicates::DuplicateReason::TwiceInHousehold)
        );
        core.duplicate_decide(&DuplicateDecision {
            person_id: twice.id.to_string(),
            same_as: first.id.to_string(),
            verdict: "same".into(),
            note: String::new(),
        })
        .expect("linked");
        assert_eq!(registered(&core), before - 1, "one person, counted once");
        // Two people after all: counted apart again, and the pair stays answered.
        let review = core
            .duplicate_decide(&DuplicateDecision {
                person_id: twice.id.to_string(),
                same_as: first.id.to_string(),
                verdict: "different".into(),
                note: "同名不同人".into(),
            })
            .expect("different");
        assert_eq!(registered(&core), before);
        assert_eq!(review.answered[0].verdict.as_deref(), Some("different"));
        assert!(review
            .candidates
            .iter()
            .all(|p| p.repeat.person_id != twice.id.to_string()));
        // Bad words: each says its field, and nothing is stored.
        let bad = |person_id: &str, same_as: &str, verdict: &str, note: String| {
            core.duplicate_decide(&DuplicateDecision {
                person_id: person_id.into(),
                same_as: same_as.into(),
                verdict: verdict.into(),
                note,
            })
            .expect_err("refused")
        };
        let (a, b) = (twice.id.to_string(), first.id.to_string());
        assert_eq!(
            bad(&a, &b, "merge", String::new()).field.as_deref(),
            Some("verdict")
        );
        assert_eq!(
            bad(&a, &a, "same", String::new()).field.as_deref(),
            Some("same_as")
        );
        assert_eq!(
            bad(&a, &b, "same", "长".repeat(501)).field.as_deref(),
            Some("note")
        );
        let unknown = uuid::Uuid::now_v7().to_string();
        let e = bad(&a, &unknown, "same", String::new());
        assert_eq!(
            (e.code.as_str(), e.field.as_deref()),
            ("not_found", Some("same_as"))
        );
        assert_eq!(
            bad("x", &b, "same", String::new()).field.as_deref(),
            Some("person_id")
        );
        assert_eq!(core.store().person_links().expect("links").len(), 2);
    }
}

mod returnees {
    use super::*;
    use kadian_device::areas::screening::ReturnInput;

    fn days_ago(n: u64) -> String {
        (kadian_domain::figures::china_date(chrono::Utc::now()) - chrono::Days::new(n)).to_string()
    }

    /// The street's rule: a return from 湖北 opens a case.
    fn hubei_rule(core: &AppCore) {
        let setting = serde_json::json!({
            "policy": {"version": 2, "days": 14, "visits_per_day": 1, "fever": 37.3,
                       "extend_while_last_day_unseen": true},
            "gate_opens": {"rule": "provinces", "codes": ["42"]},
        });
        core.store()
            .apply_pull(
                &[Change {
                    kind: "observation_policy".into(),
                    id: "observation_policy".into(),
                    version: 1,
                    deleted: false,
                    body: setting,
                }],
                2,
            )
            .expect("setting");
    }

    fn screen(
        core: &AppCore,
        household: &str,
        returned: &[(usize, ReturnInput)],
        newcomer: Option<ReturnInput>,
    ) -> Result<kadian_device::areas::screening::HouseholdPage, kadian_device::AppError> {
        let page = core.screening_household(household, &today()).expect("page");
        // The members as first listed (a member found anew may sort before them later).
        let members: Vec<String> = {
            let mut ids: Vec<(String, String)> = page
                .members
                .iter()
                .map(|m| (m.name.clone(), m.person_id.clone()))
                .collect();
            ids.retain(|(name, _)| name != "季小军");
            ids.into_iter().map(|(_, id)| id).collect()
        };
        core.screening_record(&ScreeningInput {
            household_id: household.into(),
            method: "door".into(),
            members: page
                .members
                .iter()
                .map(|m| MemberInput {
                    person_id: m.person_id.clone(),
                    status: "present".into(),
                    away_place: String::new(),
                    returned: returned
                        .iter()
                        .find(|(n, _)| members[*n] == m.person_id)
                        .map(|(_, r)| r.clone()),
                })
                .collect(),
            new_members: newcomer
                .map(|r| NewMemberInput {
                    name: "季小军".into(),
                    relation: "son".into(),
                    id_number: String::new(),
                    phone: String::new(),
                    returned: Some(r),
                })
                .into_iter()
                .collect(),
            vacant: false,
            note: String::new(),
        })
    }

    #[test]
    fn a_returnee_found_at_the_door_is_declared_and_put_under_observation_by_the_streets_rule() {
        let (core, _dir) = laptop();
        hubei_rule(&core);
        let households = coverage(&core).households;
        let wuhan = ReturnInput {
            from_place: "湖北武汉".into(),
            arrived: days_ago(3),
        };
        let zhengzhou = ReturnInput {
            from_place: "河南郑州".into(),
            arrived: days_ago(2),
        };
        // The first member came back from 武汉 3 days ago; a son found living there anew came
        // back from 郑州 (the rule opens nothing for 河南).
        screen(
            &core,
            &households[0].id,
            &[(0, wuhan.clone())],
            Some(zhengzhou),
        )
        .expect("screened");
        let returnees = core.returnees().expect("returnees");
        assert_eq!(returnees.len(), 2, "{returnees:?}");
        let cases = core.observation_list().expect("cases");
        assert_eq!(cases.len(), 1, "{cases:?}");
        let case = &cases[0];
        assert_eq!(case.day, 3, "day 0 the arrival");
        assert_eq!(
            case.reason,
            kadian_domain::records::ObservationReason::ReturneeHubei
        );
        assert!(case.origin_id.is_some(), "opened from its declaration");
        // Found again the next screening: no second case.
        screen(&core, &households[0].id, &[(0, wuhan)], None).expect("again");
        assert_eq!(core.observation_list().expect("cases").len(), 1);
        assert_eq!(
            core.returnees().expect("returnees").len(),
            2,
            "declared once"
        );
        // Back from 武汉 20 days ago: the 14 days are over, declared but not observed.
        screen(
            &core,
            &households[1].id,
            &[(
                0,
                ReturnInput {
                    from_place: "湖北武汉".into(),
                    arrived: days_ago(20),
                },
            )],
            None,
        )
        .expect("long ago");
        assert_eq!(core.observation_list().expect("cases").len(), 1);
    }

    #[test]
    fn a_return_that_cannot_be_read_says_its_field_and_stores_nothing() {
        let (core, _dir) = laptop();
        let households = coverage(&core).households;
        let bad = |r: ReturnInput| {
            screen(&core, &households[0].id, &[(0, r)], None).expect_err("refused")
        };
        let e = bad(ReturnInput {
            from_place: "火星".into(),
            arrived: days_ago(1),
        });
        assert_eq!(e.field.as_deref(), Some("from_place"));
        let e = bad(ReturnInput {
            from_place: "湖北武汉".into(),
            arrived: days_ago(61),
        });
        assert_eq!(e.field.as_deref(), Some("arrived"));
        let e = bad(ReturnInput {
            from_place: "湖北武汉".into(),
            arrived: "2026/03/01".into(),
        });
        assert_eq!(e.field.as_deref(), Some("arrived"));
        assert!(core.returnees().expect("returnees").is_empty());
        assert!(core
            .store()
            .screenings_of(&households[0].id)
            .expect("screenings")
            .is_empty());
    }
}
