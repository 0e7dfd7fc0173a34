//! A checked register (kadian-registers' batch) stored in one transaction.

use kadian_domain::records::{Person, RecordKind, Source};
use serde::Serialize;
use uuid::Uuid;

use super::error::Result;
use super::households::put_household_tx;
use super::observation::{insert_transition_tx, upsert_case_tx};
use super::passages::insert_passage;
use super::persons::{person_unchanged, upsert_person_tx};
use super::readings::insert_reading;
use super::travels::insert_travel;
use super::{table_of, Store};
use ts_rs::TS;

/// What a commit stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[ts(export)]
pub struct ImportCommitted {
    /// Persons created or updated.
    pub persons: u32,
    /// Travel declarations.
    pub travel: u32,
    /// Passages.
    pub passages: u32,
    /// Readings (with passages and on their own).
    pub readings: u32,
    /// Observation cases opened (a home-observation register).
    pub cases: u32,
    /// Households (户) created or changed (a roster by household, or by building, unit and
    /// room).
    pub households: u32,
    /// Rows of the register that were on this device already, unchanged (a register imported
    /// again): left as they were, not sent again. A row counts by its main record (a gate-log
    /// row's passage, a returnee row's declaration, an observation row's case, a roster row's
    /// person).
    pub already_here: u32,
}

impl Store {
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
    ) -> Result<ImportCommitted> {
        let mut persons: Vec<&Person> = batch.persons.iter().collect();
        persons.sort_by_key(|p| p.id);
        let count = |n: usize| u32::try_from(n).unwrap_or(u32::MAX);
        self.write(|tx| {
            let (mut stored_persons, mut travel, mut passages, mut readings) = (0, 0, 0, 0);
            let (mut cases, mut here_cases) = (0, 0usize);
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
            // Households before the persons that name them.
            let mut households = 0;
            for h in &batch.households {
                if put_household_tx(tx, h, Source::Import)? > 0 {
                    households += 1;
                }
            }
            for p in &persons {
                if person_unchanged(tx, p)? {
                    here_persons += 1;
                } else {
                    upsert_person_tx(tx, p, Source::Import)?;
                    stored_persons += 1;
                }
            }
            for t in &batch.travel {
                if here(table_of(RecordKind::TravelDeclaration), t.id)? {
                    here_travel += 1;
                } else {
                    insert_travel(tx, t, Source::Import)?;
                    travel += 1;
                }
            }
            for p in &batch.passages {
                if here(table_of(RecordKind::Passage), p.passage.id)? {
                    here_passages += 1;
                } else {
                    insert_passage(tx, &p.passage, Source::Import)?;
                    passages += 1;
                }
                if let Some(r) = &p.reading {
                    if !here(table_of(RecordKind::TemperatureReading), r.id)? {
                        insert_reading(tx, r, Source::Import)?;
                        readings += 1;
                    }
                }
            }
            for r in &batch.readings {
                if !here(table_of(RecordKind::TemperatureReading), r.id)? {
                    insert_reading(tx, r, Source::Import)?;
                    readings += 1;
                }
            }
            // Cases after their persons and declarations (a case names both).
            for c in &batch.cases {
                if here(table_of(RecordKind::ObservationCase), c.id)? {
                    here_cases += 1;
                } else {
                    upsert_case_tx(tx, c, Source::Import, None)?;
                    cases += 1;
                }
            }
            for t in &batch.transitions {
                if !here(table_of(RecordKind::CaseTransition), t.id)? {
                    insert_transition_tx(tx, t, Source::Import)?;
                }
            }
            // A row is already here when its main record is: the passage of a gate-log row,
            // the case of an observation row, the declaration of a returnee row, the person of
            // a roster row.
            let already_here = if !batch.passages.is_empty() {
                here_passages
            } else if !batch.cases.is_empty() {
                here_cases
            } else if !batch.travel.is_empty() {
                here_travel
            } else {
                here_persons
            };
            Ok(ImportCommitted {
                persons: count(stored_persons),
                travel: count(travel),
                passages: count(passages),
                readings: count(readings),
                cases: count(cases),
                households: count(households),
                already_here: count(already_here),
            })
        })
    }
}
