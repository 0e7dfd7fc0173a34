//! Shared fixtures of the device store tests: fake people, a store in a temporary folder.

#![allow(dead_code)]

use chrono::NaiveDate;
use kadian_device::{DbKey, Store, StoreOptions};
use kadian_domain::records::{
    new_id, Direction, Instant, Passage, Person, PersonCategory, TemperatureReading,
};
use kadian_domain::{Celsius, DocumentType, FeverThreshold, ResidentIdNumber};

pub const KEY: [u8; 32] = [7; 32];

pub fn open(dir: &tempfile::TempDir) -> Store {
    Store::open(
        &dir.path().join("kadian.db"),
        &StoreOptions::encrypted(DbKey::from_bytes(KEY)),
    )
    .expect("open store")
}

/// The compound of the enrolled test devices.
pub const COMPOUND: &str = "0190a1b2-0000-7000-8000-000000000001";

/// A store in `dir` enrolled (without a server) as `role` at the test compound of 八一社区, at
/// `checkpoint` for a gate tablet.
pub fn enrolled(
    dir: &tempfile::TempDir,
    role: kadian_domain::sync::Role,
    checkpoint: Option<&str>,
) -> Store {
    let mut store = open(dir);
    store
        .set_enrolment(&kadian_device::Enrolment {
            server_url: "http://127.0.0.1:9".into(),
            device_id: "device-1".into(),
            token: "t".into(),
            role,
            scope: kadian_domain::sync::Scope {
                street: "411402001".into(),
                community: Some("411402001018".into()),
                compound: Some(COMPOUND.into()),
                checkpoint: checkpoint.map(str::to_owned),
                zone: None,
            },
            cert_sha256: None,
            device_name: Some("党支部笔记本".into()),
            street_name: None,
        })
        .expect("enrol");
    store
}

pub fn today() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 11, 29).expect("date")
}

/// A fake resident with a valid (generated) ID number.
pub fn person(name: &str, id_number: &str, phone: &str) -> Person {
    let id = ResidentIdNumber::parse(id_number, today())
        .expect("valid fake ID")
        .value;
    let mut p = Person::new(name, PersonCategory::Resident);
    p.document_type = DocumentType::ResidentId;
    p.sex = Some(id.sex());
    p.birth_date = Some(id.birth_date());
    p.document_number = Some(id.as_str().to_owned());
    p.phone = Some(phone.to_owned());
    p.community_code = Some("411402001018".to_owned());
    p.compound = Some("八一花园".to_owned());
    p
}

pub fn passage(person: Option<&Person>, direction: Direction, plate: Option<&str>) -> Passage {
    Passage {
        id: new_id(),
        checkpoint_id: "cp-1".to_owned(),
        direction,
        at: Instant::now_cst(),
        person_id: person.map(|p| p.id),
        walk_in_name: if person.is_none() {
            Some("过路人".to_owned())
        } else {
            None
        },
        plate: plate.map(str::to_owned),
        companions: 0,
        purpose: None,
        destination: None,
        recorded_by: "volunteer-1".to_owned(),
    }
}

pub fn reading(p: &Passage, raw: &str) -> TemperatureReading {
    let celsius = Celsius::parse(raw).expect("reading").value;
    TemperatureReading {
        id: new_id(),
        passage_id: Some(p.id),
        person_id: p.person_id,
        checkpoint_id: p.checkpoint_id.clone(),
        at: p.at,
        celsius,
        fever: FeverThreshold::default().is_fever(celsius),
        remeasure_of: None,
        recorded_by: p.recorded_by.clone(),
    }
}

/// The gate tablets' checkpoint (东门 of the test compound).
pub const CHECKPOINT: &str = "0190a1b2-0000-7000-8000-000000000002";

/// A pulled change of `kind` at version 1, as the server sends it.
pub fn change(kind: &str, id: &str, body: serde_json::Value) -> kadian_domain::sync::Change {
    kadian_domain::sync::Change {
        kind: kind.into(),
        id: id.into(),
        version: 1,
        deleted: false,
        body,
    }
}

/// A volunteer of the test compound with `pin`, as pulled: (its id, the change).
pub fn pulled_volunteer(
    name: &str,
    pin: &str,
    retired: bool,
) -> (String, kadian_domain::sync::Change) {
    use kadian_domain::records::volunteer::{hash_pin, volunteer_id};
    let v = kadian_domain::records::Volunteer {
        id: volunteer_id(COMPOUND, name),
        name: name.into(),
        compound: COMPOUND.into(),
        pin_hash: hash_pin(pin).expect("hash"),
        retired,
    };
    let id = v.id.to_string();
    (
        id.clone(),
        change("volunteer", &id, serde_json::to_value(&v).expect("json")),
    )
}
