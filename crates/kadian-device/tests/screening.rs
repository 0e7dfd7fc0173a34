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
        let (core, _dir) = laptop();
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
