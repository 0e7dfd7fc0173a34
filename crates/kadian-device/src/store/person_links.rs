//! The person_link table (查重关联): staff's words on pairs of person records, events written
//! with their outbox row in the same transaction. Both person rows stay whole.

use kadian_domain::records::{self, PersonLink, RecordKind, Source};
use rusqlite::{params, Transaction};

use super::error::{Result, StoreError};
use super::outbox::enqueue;
use super::Store;

/// Stores a link once, with its outbox row (none for a pulled one). Returns the outbox rows
/// written (0: held already). Errors: the link's rules.
pub(crate) fn insert_person_link_tx(
    tx: &Transaction<'_>,
    l: &PersonLink,
    source: Source,
) -> Result<usize> {
    records::check_person_link(l).map_err(StoreError::Invalid)?;
    let inserted = tx
        .prepare_cached(
            "INSERT OR IGNORE INTO person_link (id, person_id, same_as, at_utc, body, source)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        )?
        .execute(params![
            l.id.to_string(),
            l.person_id.to_string(),
            l.same_as.to_string(),
            super::ts(l.at.utc),
            serde_json::to_string(l)?,
            source.as_str(),
        ])?;
    if inserted == 0 {
        return Ok(0);
    }
    enqueue(tx, RecordKind::PersonLink, l.id, "create", None, l, source)
}

/// A person as the duplicate search reads them (see [`Store::person_keys`]).
#[derive(Debug, Clone, PartialEq)]
pub struct PersonKeyRow {
    /// Person id.
    pub id: uuid::Uuid,
    /// Name.
    pub name: String,
    /// Phone.
    pub phone: Option<String>,
    /// Household.
    pub household: Option<uuid::Uuid>,
    /// The compound they are placed by (an id, or a name within `community`).
    pub compound: Option<String>,
    /// Their community's code.
    pub community: Option<String>,
}

impl Store {
    /// Records a word on two persons held here. Errors: `NotFound` for a person not held here;
    /// the link's rules.
    pub fn record_person_link(&mut self, l: &PersonLink, source: Source) -> Result<usize> {
        self.write(|tx| {
            for id in [l.person_id, l.same_as] {
                let held: i64 = tx.query_row(
                    "SELECT count(*) FROM person WHERE id = ?1",
                    [id.to_string()],
                    |r| r.get(0),
                )?;
                if held == 0 {
                    return Err(StoreError::NotFound {
                        kind: RecordKind::Person.as_str(),
                        id: id.to_string(),
                    });
                }
            }
            insert_person_link_tx(tx, l, source)
        })
    }

    /// Every person held here as the duplicate search reads them (columns only): id, name,
    /// phone, household, and the place they name — their household's compound and community
    /// when they have one, else their own compound (an id or a name) and community.
    pub fn person_keys(&self) -> Result<Vec<PersonKeyRow>> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT p.id, p.name, p.phone, p.household_id,
                    CASE WHEN h.id IS NULL THEN p.compound ELSE h.compound END,
                    CASE WHEN h.id IS NULL THEN p.community_code ELSE h.community_code END
             FROM person p LEFT JOIN household h ON h.id = p.household_id",
        )?;
        let rows = stmt.query_map([], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, Option<String>>(2)?,
                r.get::<_, Option<String>>(3)?,
                r.get::<_, Option<String>>(4)?,
                r.get::<_, Option<String>>(5)?,
            ))
        })?;
        let mut out = Vec::new();
        for row in rows {
            let (id, name, phone, household, compound, community) = row?;
            if let Ok(id) = uuid::Uuid::parse_str(&id) {
                out.push(PersonKeyRow {
                    id,
                    name,
                    phone,
                    household: household.and_then(|h| uuid::Uuid::parse_str(&h).ok()),
                    compound,
                    community,
                });
            }
        }
        Ok(out)
    }

    /// Every link held here, oldest first.
    pub fn person_links(&self) -> Result<Vec<PersonLink>> {
        self.bodies("SELECT body FROM person_link ORDER BY at_utc, id", [])
    }
}
