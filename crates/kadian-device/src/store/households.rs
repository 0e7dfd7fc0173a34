//! The household table (户): entities with a version, written with their outbox row in the same
//! transaction; each person names their household in `person.household_id`.

use kadian_domain::records::{self, Household, HouseholdPlace, RecordKind, Source};
use rusqlite::{params, OptionalExtension, Transaction};

use super::error::{Result, StoreError};
use super::outbox::enqueue;
use super::Store;

/// The version held of a household, if it is held.
pub(crate) fn held_household_version(tx: &Transaction<'_>, id: &str) -> Result<Option<i64>> {
    Ok(tx
        .query_row("SELECT version FROM household WHERE id = ?1", [id], |r| {
            r.get(0)
        })
        .optional()?)
}

/// The walking order of a household within its compound: building, unit, room (a village:
/// group, door number), each number padded so that `2` comes before `10`.
pub fn walking_order(place: &HouseholdPlace) -> String {
    let pad = |s: &str| {
        let digits: String = s.chars().take_while(char::is_ascii_digit).collect();
        match digits.parse::<u32>() {
            Ok(n) => format!("{n:08}{}", &s[digits.len()..]),
            Err(_) => format!("~{s}"),
        }
    };
    match place {
        HouseholdPlace::Compound {
            building,
            unit,
            room,
        } => [building, unit, room]
            .iter()
            .map(|p| pad(p.as_deref().unwrap_or("")))
            .collect::<Vec<_>>()
            .join("|"),
        HouseholdPlace::Village {
            group,
            house_number,
        } => format!("{group:04}|{}", pad(house_number)),
    }
}

/// Writes a household: a new one (`create`) or a change of one held here (`update`, on the
/// version held). Pulled ones (`Source::Sync`) take the server's version and queue nothing.
/// Errors: the household's rules.
pub(crate) fn upsert_household_tx(
    tx: &Transaction<'_>,
    h: &Household,
    source: Source,
    version: Option<i64>,
) -> Result<usize> {
    records::check_household(h).map_err(StoreError::Invalid)?;
    let id = h.id.to_string();
    let held = held_household_version(tx, &id)?;
    tx.prepare_cached(
        "INSERT INTO household (id, community_code, compound, sort_key, body, version, source)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
         ON CONFLICT (id) DO UPDATE SET community_code = excluded.community_code,
             compound = excluded.compound, sort_key = excluded.sort_key, body = excluded.body,
             version = excluded.version",
    )?
    .execute(params![
        id,
        h.community_code,
        h.compound,
        walking_order(&h.place),
        serde_json::to_string(h)?,
        version.unwrap_or_else(|| held.unwrap_or(0)),
        source.as_str(),
    ])?;
    let (op, base) = match held {
        // As for a person: 0 means this device's create has not been acknowledged yet, and
        // that create becomes version 1.
        Some(v) => ("update", Some(v.max(1))),
        None => ("create", None),
    };
    enqueue(tx, RecordKind::Household, h.id, op, base, h, source)
}

/// Stores a household unless this device holds it with the same body already (an import run
/// again changes nothing). Returns the outbox rows written.
pub(crate) fn put_household_tx(
    tx: &Transaction<'_>,
    h: &Household,
    source: Source,
) -> Result<usize> {
    let held: Option<String> = tx
        .query_row(
            "SELECT body FROM household WHERE id = ?1",
            [h.id.to_string()],
            |r| r.get(0),
        )
        .optional()?;
    if held.is_some_and(|b| serde_json::from_str::<Household>(&b).ok().as_ref() == Some(h)) {
        return Ok(0);
    }
    upsert_household_tx(tx, h, source, None)
}

impl Store {
    /// Saves a household (new or changed here). Errors: the household's rules.
    pub fn save_household(&mut self, h: &Household, source: Source) -> Result<usize> {
        self.write(|tx| upsert_household_tx(tx, h, source, None))
    }

    /// One household held here, with its version.
    pub fn household(&self, id: &str) -> Result<Option<(Household, i64)>> {
        let row: Option<(String, i64)> = self
            .conn
            .query_row(
                "SELECT body, version FROM household WHERE id = ?1",
                [id],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()?;
        row.map(|(body, v)| Ok((serde_json::from_str(&body)?, v)))
            .transpose()
    }

    /// The households held here, of one compound or all, in walking order (compound, then
    /// building, unit, room or group, door number).
    pub fn households(&self, compound: Option<&str>) -> Result<Vec<Household>> {
        let bodies: Vec<String> = match compound {
            Some(c) => self
                .conn
                .prepare_cached(
                    "SELECT body FROM household WHERE compound = ?1 ORDER BY compound, sort_key",
                )?
                .query_map([c], |r| r.get(0))?
                .collect::<rusqlite::Result<_>>()?,
            None => self
                .conn
                .prepare_cached("SELECT body FROM household ORDER BY compound, sort_key")?
                .query_map([], |r| r.get(0))?
                .collect::<rusqlite::Result<_>>()?,
        };
        bodies
            .into_iter()
            .map(|b| Ok(serde_json::from_str(&b)?))
            .collect()
    }

    /// How many households are held here.
    pub fn household_count(&self) -> Result<i64> {
        Ok(self
            .conn
            .query_row("SELECT count(*) FROM household", [], |r| r.get(0))?)
    }
}
