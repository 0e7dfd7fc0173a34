//! The writes of a gate: each record and its outbox row in one `BEGIN IMMEDIATE` transaction,
//! so a record is either stored and queued for the server, or not stored at all. Events are only
//! ever inserted; persons are inserted or updated with a version.

use chrono::{SecondsFormat, Utc};
use kadian_domain::record_rules;
use kadian_domain::records::{
    Correction, Passage, Person, RecordKind, Source, TemperatureReading, TravelDeclaration,
};
use kadian_domain::volunteer::Volunteer;
use kadian_domain::{Field, Notice, Sex};
use rusqlite::{params, OptionalExtension, Transaction};
use serde::Serialize;
use sha2::{Digest, Sha256};
use uuid::Uuid;

use crate::error::{Result, StoreError};
use crate::search_keys::{full_pinyin, initials, reversed};
use crate::store::Store;

/// A registration at the gate: the passage, and the reading and travel declaration taken with it.
#[derive(Debug, Clone, PartialEq)]
pub struct PassageRegistration {
    /// The passage.
    pub passage: Passage,
    /// The temperature reading taken at it, if any.
    pub reading: Option<TemperatureReading>,
    /// The travel declaration made at it, if any.
    pub travel: Option<TravelDeclaration>,
}

/// What a registration stored.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Recorded {
    /// Ids written, in order.
    pub ids: Vec<Uuid>,
    /// Outbox rows written.
    pub outbox_rows: usize,
}

/// What a person write did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct PersonWrite {
    /// The stored person's id (an existing person's, when matched by document number).
    pub id: Uuid,
    /// The server's version the local copy is based on (0 until the server has acknowledged the
    /// person). Local edits do not change it; receipts and pulls do.
    pub version: i64,
    /// True when a new person was inserted.
    pub created: bool,
}

pub(crate) fn ts(at: chrono::DateTime<Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::Millis, true)
}

fn sex_str(s: Option<Sex>) -> Option<&'static str> {
    s.map(|s| match s {
        Sex::Male => "male",
        Sex::Female => "female",
    })
}

/// Appends one outbox row for `record` (skipped for writes that came from sync).
fn enqueue<T: Serialize>(
    tx: &Transaction<'_>,
    kind: RecordKind,
    id: Uuid,
    op: &str,
    base_version: Option<i64>,
    record: &T,
    source: Source,
) -> Result<usize> {
    if source == Source::Sync {
        return Ok(0);
    }
    let body = serde_json::to_string(record)?;
    let hash = hex::encode(Sha256::digest(body.as_bytes()));
    let now = ts(Utc::now());
    tx.prepare_cached(
        "INSERT INTO outbox (kind, record_id, op, base_version, body, hash, created_at, updated_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?7)",
    )?
    .execute(params![
        kind.as_str(),
        id.to_string(),
        op,
        base_version,
        body,
        hash,
        now
    ])?;
    Ok(1)
}

pub(crate) fn insert_passage(tx: &Transaction<'_>, p: &Passage, source: Source) -> Result<usize> {
    record_rules::check_passage(p).map_err(StoreError::Invalid)?;
    if source == Source::User {
        if let Some(person) = p.person_id {
            let known: bool = tx
                .prepare_cached("SELECT EXISTS (SELECT 1 FROM person WHERE id = ?1)")?
                .query_row([person.to_string()], |r| r.get(0))?;
            if !known {
                return Err(StoreError::NotFound {
                    kind: "person",
                    id: person.to_string(),
                });
            }
        }
    }
    tx.prepare_cached(
        "INSERT INTO passage (id, checkpoint_id, direction, at_utc, offset_minutes, person_id,
                              walk_in_name, plate, companions, purpose, recorded_by, source)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)",
    )?
    .execute(params![
        p.id.to_string(),
        p.checkpoint_id,
        p.direction.as_str(),
        ts(p.at.utc),
        p.at.offset_minutes,
        p.person_id.map(|u| u.to_string()),
        p.walk_in_name,
        p.plate,
        p.companions,
        p.purpose,
        p.recorded_by,
        source.as_str(),
    ])?;
    enqueue(tx, RecordKind::Passage, p.id, "create", None, p, source)
}

pub(crate) fn insert_reading(
    tx: &Transaction<'_>,
    r: &TemperatureReading,
    source: Source,
) -> Result<usize> {
    record_rules::check_reading(r).map_err(StoreError::Invalid)?;
    tx.prepare_cached(
        "INSERT INTO temperature_reading (id, passage_id, person_id, checkpoint_id, at_utc,
                 offset_minutes, celsius_tenths, fever, remeasure_of, recorded_by, source)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
    )?
    .execute(params![
        r.id.to_string(),
        r.passage_id.map(|u| u.to_string()),
        r.person_id.map(|u| u.to_string()),
        r.checkpoint_id,
        ts(r.at.utc),
        r.at.offset_minutes,
        r.celsius.tenths(),
        r.fever,
        r.remeasure_of.map(|u| u.to_string()),
        r.recorded_by,
        source.as_str(),
    ])?;
    enqueue(
        tx,
        RecordKind::TemperatureReading,
        r.id,
        "create",
        None,
        r,
        source,
    )
}

pub(crate) fn insert_travel(
    tx: &Transaction<'_>,
    t: &TravelDeclaration,
    source: Source,
) -> Result<usize> {
    record_rules::check_travel(t).map_err(StoreError::Invalid)?;
    let transport = t.transport.map(|m| {
        serde_json::to_value(m)
            .ok()
            .and_then(|v| v.as_str().map(str::to_owned))
            .unwrap_or_default()
    });
    tx.prepare_cached(
        "INSERT INTO travel_declaration (id, person_id, passage_id, from_date, to_date, transport,
                 transport_ref, declared_at_utc, offset_minutes, recorded_by, source)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
    )?
    .execute(params![
        t.id.to_string(),
        t.person_id.map(|u| u.to_string()),
        t.passage_id.map(|u| u.to_string()),
        t.from_date.map(|d| d.to_string()),
        t.to_date.map(|d| d.to_string()),
        transport,
        t.transport_ref,
        ts(t.declared_at.utc),
        t.declared_at.offset_minutes,
        t.recorded_by,
        source.as_str(),
    ])?;
    let mut place = tx.prepare_cached(
        "INSERT INTO travel_place (declaration_id, seq, division_code, text) VALUES (?1, ?2, ?3, ?4)",
    )?;
    for (i, p) in t.places.iter().enumerate() {
        place.execute(params![t.id.to_string(), i as i64, p.division_code, p.text])?;
    }
    enqueue(
        tx,
        RecordKind::TravelDeclaration,
        t.id,
        "create",
        None,
        t,
        source,
    )
}

/// True when the person (matched by id, else by document) is stored here with exactly these
/// fields: importing them again would change nothing.
fn person_unchanged(tx: &Transaction<'_>, p: &Person) -> Result<bool> {
    let by_id = tx
        .prepare_cached(crate::lookup::SQL_PERSON_BY_ID)?
        .query_row([p.id.to_string()], crate::lookup::person_from_row)
        .optional()?;
    let stored = match (by_id, &p.document_number) {
        (Some(s), _) => Some(s),
        (None, Some(number)) => tx
            .prepare_cached(crate::lookup::SQL_PERSON_BY_DOCUMENT)?
            .query_row(
                params![p.document_type.as_str(), number],
                crate::lookup::person_from_row,
            )
            .optional()?,
        (None, None) => None,
    };
    Ok(stored.is_some_and(|(mut s, _)| {
        s.id = p.id;
        s == *p
    }))
}

pub(crate) fn upsert_person_tx(
    tx: &Transaction<'_>,
    p: &Person,
    source: Source,
) -> Result<PersonWrite> {
    record_rules::check_person(p).map_err(StoreError::Invalid)?;
    let existing: Option<(String, i64)> = tx
        .prepare_cached("SELECT id, version FROM person WHERE id = ?1")?
        .query_row([p.id.to_string()], |r| Ok((r.get(0)?, r.get(1)?)))
        .optional()?;
    if source == Source::Sync {
        // The server's person is stored under the server's id, never folded into another local
        // person who holds the same document number: that is a duplicate for people to review.
        if let Some(number) = &p.document_number {
            let holder: Option<String> = tx
                .prepare_cached(
                    "SELECT id FROM person WHERE document_type = ?1 AND document_number = ?2 AND id <> ?3",
                )?
                .query_row(
                    params![p.document_type.as_str(), number, p.id.to_string()],
                    |r| r.get(0),
                )
                .optional()?;
            if holder.is_some() {
                return Err(StoreError::Invalid(Notice::error(
                    Field::IdNumber,
                    "document_number_in_use",
                    "该证件号码已登记在本机另一人名下",
                    "Another person on this device holds this document number",
                )));
            }
        }
    }
    let existing = match existing {
        Some(e) => Some(e),
        None if source == Source::Sync => None,
        None => match &p.document_number {
            Some(number) => tx
                .prepare_cached(
                    "SELECT id, version FROM person WHERE document_type = ?1 AND document_number = ?2",
                )?
                .query_row(params![p.document_type.as_str(), number], |r| {
                    Ok((r.get(0)?, r.get(1)?))
                })
                .optional()?,
            None => None,
        },
    };
    let now = ts(Utc::now());
    let values = params![
        p.name,
        initials(&p.name),
        p.document_type.as_str(),
        p.document_number,
        p.document_number.as_deref().map(reversed),
        p.phone,
        p.phone.as_deref().map(reversed),
        sex_str(p.sex),
        p.birth_date.map(|d| d.to_string()),
        p.community_code,
        p.compound,
        p.building,
        p.unit,
        p.room,
        p.category.as_str(),
        source.as_str(),
        now,
        full_pinyin(&p.name),
    ];
    match existing {
        None => {
            let mut stmt = tx.prepare_cached(
                "INSERT INTO person (name, name_initials, document_type, document_number,
                        document_rev, phone, phone_rev, sex, birth_date, community_code, compound,
                        building, unit, room, category, source, updated_at, name_pinyin, id, version)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, 0)",
            )?;
            let mut all: Vec<&dyn rusqlite::ToSql> = values.to_vec();
            let id = p.id.to_string();
            all.push(&id);
            stmt.execute(all.as_slice())?;
            enqueue(tx, RecordKind::Person, p.id, "create", None, p, source)?;
            Ok(PersonWrite {
                id: p.id,
                version: 0,
                created: true,
            })
        }
        Some((id, version)) => {
            let mut stmt = tx.prepare_cached(
                "UPDATE person SET name = ?1, name_initials = ?2, document_type = ?3,
                        document_number = ?4, document_rev = ?5, phone = ?6, phone_rev = ?7,
                        sex = ?8, birth_date = ?9, community_code = ?10, compound = ?11,
                        building = ?12, unit = ?13, room = ?14, category = ?15, source = ?16,
                        updated_at = ?17, name_pinyin = ?18
                 WHERE id = ?19",
            )?;
            let mut all: Vec<&dyn rusqlite::ToSql> = values.to_vec();
            all.push(&id);
            stmt.execute(all.as_slice())?;
            let uuid = Uuid::parse_str(&id).map_err(|_| StoreError::NotFound {
                kind: "person",
                id: id.clone(),
            })?;
            let mut stored = p.clone();
            stored.id = uuid;
            // The base is the server's version this edit was made on; 0 means our own create has
            // not been acknowledged yet, and that create becomes version 1.
            enqueue(
                tx,
                RecordKind::Person,
                uuid,
                "update",
                Some(version.max(1)),
                &stored,
                source,
            )?;
            Ok(PersonWrite {
                id: uuid,
                version,
                created: false,
            })
        }
    }
}

/// The table of an event kind that can be corrected.
pub(crate) fn correctable_table(kind: RecordKind) -> Option<&'static str> {
    match kind {
        RecordKind::Passage => Some("passage"),
        RecordKind::TemperatureReading => Some("temperature_reading"),
        RecordKind::TravelDeclaration => Some("travel_declaration"),
        _ => None,
    }
}

pub(crate) fn insert_correction(
    tx: &Transaction<'_>,
    c: &Correction,
    table: &str,
    source: Source,
) -> Result<usize> {
    record_rules::check_correction(c).map_err(StoreError::Invalid)?;
    if source == Source::User {
        let found: bool = tx.query_row(
            &format!("SELECT EXISTS (SELECT 1 FROM {table} WHERE id = ?1)"),
            [c.target_id.to_string()],
            |r| r.get(0),
        )?;
        if !found {
            return Err(StoreError::NotFound {
                kind: c.target_kind.as_str(),
                id: c.target_id.to_string(),
            });
        }
    }
    let action = match c.action {
        kadian_domain::records::CorrectionAction::Void => "void",
        kadian_domain::records::CorrectionAction::Amend => "amend",
    };
    tx.prepare_cached(
        "INSERT INTO correction (id, target_kind, target_id, action, replacement_id, reason,
                at_utc, offset_minutes, recorded_by, source)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
    )?
    .execute(params![
        c.id.to_string(),
        c.target_kind.as_str(),
        c.target_id.to_string(),
        action,
        c.replacement_id.map(|u| u.to_string()),
        c.reason.trim(),
        ts(c.at.utc),
        c.at.offset_minutes,
        c.recorded_by,
        source.as_str(),
    ])?;
    enqueue(tx, RecordKind::Correction, c.id, "create", None, c, source)
}

impl Store {
    /// Stores a registration at the gate (passage, optional reading, optional travel
    /// declaration) with one outbox row each, in one transaction. Returns once it is durable.
    ///
    /// Errors: [`StoreError::Invalid`] (no person and no name), [`StoreError::DiskFull`],
    /// foreign-key errors for an unknown person; nothing is written on error.
    pub fn record_passage(
        &mut self,
        reg: &PassageRegistration,
        source: Source,
    ) -> Result<Recorded> {
        self.write(|tx| {
            let mut ids = vec![reg.passage.id];
            let mut outbox_rows = insert_passage(tx, &reg.passage, source)?;
            if let Some(r) = &reg.reading {
                ids.push(r.id);
                outbox_rows += insert_reading(tx, r, source)?;
            }
            if let Some(t) = &reg.travel {
                ids.push(t.id);
                outbox_rows += insert_travel(tx, t, source)?;
            }
            Ok(Recorded { ids, outbox_rows })
        })
    }

    /// Stores many registrations in one transaction (imported gate logs, benchmarks): all or
    /// nothing.
    pub fn record_passages(
        &mut self,
        regs: &[PassageRegistration],
        source: Source,
    ) -> Result<usize> {
        self.write(|tx| {
            let mut rows = 0;
            for reg in regs {
                rows += insert_passage(tx, &reg.passage, source)?;
                if let Some(r) = &reg.reading {
                    rows += insert_reading(tx, r, source)?;
                }
                if let Some(t) = &reg.travel {
                    rows += insert_travel(tx, t, source)?;
                }
            }
            Ok(rows)
        })
    }

    /// Stores a temperature reading on its own (a re-measure, a reading without a passage).
    pub fn record_reading(&mut self, r: &TemperatureReading, source: Source) -> Result<Recorded> {
        self.write(|tx| {
            let outbox_rows = insert_reading(tx, r, source)?;
            Ok(Recorded {
                ids: vec![r.id],
                outbox_rows,
            })
        })
    }

    /// Stores a travel declaration on its own.
    pub fn record_travel(&mut self, t: &TravelDeclaration, source: Source) -> Result<Recorded> {
        self.write(|tx| {
            let outbox_rows = insert_travel(tx, t, source)?;
            Ok(Recorded {
                ids: vec![t.id],
                outbox_rows,
            })
        })
    }

    /// Voids or amends an earlier event with a reason: a new correction event; the target stays.
    ///
    /// Errors: [`StoreError::Invalid`] for an empty reason or a target kind that is not an
    /// event; [`StoreError::NotFound`] when the target does not exist here.
    pub fn record_correction(&mut self, c: &Correction, source: Source) -> Result<Recorded> {
        // The kind's rule names what is wrong (`reason_missing`, `not_correctable`, ...).
        record_rules::check_correction(c).map_err(StoreError::Invalid)?;
        let Some(table) = correctable_table(c.target_kind) else {
            return Err(StoreError::EventImmutable);
        };
        self.write(|tx| {
            let outbox_rows = insert_correction(tx, c, table, source)?;
            Ok(Recorded {
                ids: vec![c.id],
                outbox_rows,
            })
        })
    }

    /// Stores a volunteer of a compound's sign-in list as compound staff set it (new, a new PIN,
    /// or retired) and queues it for the server, or folds it into the change of the same
    /// volunteer still waiting in the outbox. Like a person's edit, the change is based on the
    /// server's version this device last had; our own create not yet acknowledged counts as
    /// version 1.
    pub fn put_volunteer(&mut self, v: &Volunteer) -> Result<()> {
        record_rules::check_volunteer(v).map_err(StoreError::Invalid)?;
        self.write(|tx| {
            let id = v.id.to_string();
            let version: Option<i64> = tx
                .query_row(
                    "SELECT version FROM reference WHERE kind = 'volunteer' AND id = ?1",
                    [&id],
                    |r| r.get(0),
                )
                .optional()?;
            tx.execute(
                "INSERT INTO reference (kind, id, version, body) VALUES ('volunteer', ?1, 0, ?2)
                 ON CONFLICT (kind, id) DO UPDATE SET body = excluded.body",
                params![id, serde_json::to_string(v)?],
            )?;
            // A change still waiting in the outbox takes this one's body: the server gets the
            // latest state once. (Queued one after another, a later change equal to an earlier
            // one in the same series would look to the server like a resend of it.)
            let body = serde_json::to_string(v)?;
            let merged = tx.execute(
                "UPDATE outbox SET body = ?2, hash = ?3, updated_at = ?4
                 WHERE seq = (SELECT max(seq) FROM outbox
                              WHERE kind = 'volunteer' AND record_id = ?1 AND state = 'pending')",
                params![
                    id,
                    body,
                    hex::encode(Sha256::digest(body.as_bytes())),
                    ts(Utc::now())
                ],
            )?;
            if merged == 0 {
                let (op, base) = match version {
                    None => ("create", None),
                    Some(known) => ("update", Some(known.max(1))),
                };
                enqueue(tx, RecordKind::Volunteer, v.id, op, base, v, Source::User)?;
            }
            Ok(())
        })
    }

    /// Inserts a person, or updates the one with the same id (or, failing that, the same
    /// document type and number), raising its version; queues the change.
    pub fn upsert_person(&mut self, p: &Person, source: Source) -> Result<PersonWrite> {
        self.write(|tx| upsert_person_tx(tx, p, source))
    }

    /// Loads many persons (a roster) in one transaction: all or nothing. They are written in id
    /// order: imported persons carry name-derived (UUIDv5) ids, and inserting those in file
    /// order would scatter writes over the whole person table.
    pub fn import_persons<'a>(
        &mut self,
        persons: impl IntoIterator<Item = &'a Person>,
        source: Source,
    ) -> Result<Vec<PersonWrite>> {
        let mut ordered: Vec<&Person> = persons.into_iter().collect();
        ordered.sort_by_key(|p| p.id);
        self.write(|tx| {
            ordered
                .into_iter()
                .map(|p| upsert_person_tx(tx, p, source))
                .collect()
        })
    }

    /// Stores a checked register (kadian-registers' batch) in one transaction: persons in id
    /// order, travel declarations, passages with their readings, lone readings, each with its
    /// outbox row and `Source::Import`. Nothing is written on error.
    ///
    /// A register imported again stores nothing twice: a record whose id is already here (the
    /// ids of imported records come from their content) and a person whose stored fields are the
    /// same are left as they are and get no outbox row; `already_here` counts the register's
    /// rows whose main record was here (the passage of a gate-log row, the declaration of a
    /// returnee row, the person of a roster row).
    pub fn record_import(
        &mut self,
        batch: &kadian_registers::import::ImportBatch,
    ) -> Result<crate::register_import::ImportCommitted> {
        let mut persons: Vec<&Person> = batch.persons.iter().collect();
        persons.sort_by_key(|p| p.id);
        let count = |n: usize| u32::try_from(n).unwrap_or(u32::MAX);
        self.write(|tx| {
            let (mut stored_persons, mut travel, mut passages, mut readings) = (0, 0, 0, 0);
            // Records already here, by kind: the rows of a register are counted by their main
            // record below.
            let (mut here_persons, mut here_travel, mut here_passages) = (0usize, 0usize, 0usize);
            let here = |table: &str, id: Uuid| -> Result<bool> {
                Ok(tx.query_row(
                    &format!("SELECT EXISTS (SELECT 1 FROM {table} WHERE id = ?1)"),
                    [id.to_string()],
                    |r| r.get(0),
                )?)
            };
            for p in &persons {
                if person_unchanged(tx, p)? {
                    here_persons += 1;
                } else {
                    upsert_person_tx(tx, p, Source::Import)?;
                    stored_persons += 1;
                }
            }
            for t in &batch.travel {
                if here("travel_declaration", t.id)? {
                    here_travel += 1;
                } else {
                    insert_travel(tx, t, Source::Import)?;
                    travel += 1;
                }
            }
            for p in &batch.passages {
                if here("passage", p.passage.id)? {
                    here_passages += 1;
                } else {
                    insert_passage(tx, &p.passage, Source::Import)?;
                    passages += 1;
                }
                if let Some(r) = &p.reading {
                    if !here("temperature_reading", r.id)? {
                        insert_reading(tx, r, Source::Import)?;
                        readings += 1;
                    }
                }
            }
            for r in &batch.readings {
                if !here("temperature_reading", r.id)? {
                    insert_reading(tx, r, Source::Import)?;
                    readings += 1;
                }
            }
            // A row is already here when its main record is: the passage of a gate-log row,
            // the declaration of a returnee row, the person of a roster row.
            let already_here = if !batch.passages.is_empty() {
                here_passages
            } else if !batch.travel.is_empty() {
                here_travel
            } else {
                here_persons
            };
            Ok(crate::register_import::ImportCommitted {
                persons: count(stored_persons),
                travel: count(travel),
                passages: count(passages),
                readings: count(readings),
                already_here: count(already_here),
            })
        })
    }
}
