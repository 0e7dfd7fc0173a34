//! The household table (户): entities with a version, written with their outbox row in the same
//! transaction; each person names their household in `person.household_id`.

use kadian_domain::records::{self, Household, HouseholdPlace, RecordKind, Source};
use rusqlite::{params, OptionalExtension, Transaction};

use super::error::{Result, StoreError};
use super::outbox::{enqueue, enqueue_entity};
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
fn walking_order(place: &HouseholdPlace) -> String {
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
        "INSERT INTO household (id, community_code, compound, sort_key, vacant, body, version, source)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)
         ON CONFLICT (id) DO UPDATE SET community_code = excluded.community_code,
             compound = excluded.compound, sort_key = excluded.sort_key,
             vacant = excluded.vacant, body = excluded.body, version = excluded.version",
    )?
    .execute(params![
        id,
        h.community_code,
        h.compound,
        walking_order(&h.place),
        h.kind == Some(kadian_domain::records::HouseholdKind::Vacant),
        serde_json::to_string(h)?,
        version.unwrap_or_else(|| held.unwrap_or(0)),
        source.as_str(),
    ])?;
    enqueue_entity(tx, RecordKind::Household, h.id, held, h, source)
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

    /// The households of one compound held here, in walking order (building, unit, room or
    /// group, door number).
    pub fn households_of(&self, compound: &str) -> Result<Vec<Household>> {
        self.bodies(
            "SELECT body FROM household WHERE compound = ?1 ORDER BY sort_key",
            [compound],
        )
    }

    /// Every household held here as coverage counts it, in walking order: (id, compound,
    /// community code, confirmed vacant). Columns only, read in the table's order and sorted
    /// here (a street laptop holds 45,000: an index walk would look each one up).
    pub fn household_facts(&self) -> Result<Vec<(uuid::Uuid, String, String, bool)>> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT id, compound, community_code, vacant, sort_key FROM household",
        )?;
        let rows = stmt.query_map([], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, String>(2)?,
                r.get::<_, bool>(3)?,
                r.get::<_, String>(4)?,
            ))
        })?;
        let mut all = Vec::new();
        for row in rows {
            let (id, compound, community, vacant, sort_key) = row?;
            if let Ok(id) = uuid::Uuid::parse_str(&id) {
                all.push((compound, sort_key, id, community, vacant));
            }
        }
        all.sort_unstable();
        Ok(all
            .into_iter()
            .map(|(compound, _, id, community, vacant)| (id, compound, community, vacant))
            .collect())
    }

    /// How many households are held here.
    pub fn household_count(&self) -> Result<i64> {
        Ok(self
            .conn
            .query_row("SELECT count(*) FROM household", [], |r| r.get(0))?)
    }
}

/// A resident as screening coverage reads them: (person id, compound, community, household,
/// living here).
pub type ResidentRow = (
    uuid::Uuid,
    Option<String>,
    Option<String>,
    Option<uuid::Uuid>,
    Option<bool>,
);

impl Store {
    /// Every resident held here (persons who are not visitors), as coverage reads them.
    pub fn residents(&self) -> Result<Vec<ResidentRow>> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT id, compound, community_code, household_id, living_here FROM person
             WHERE category <> 'visitor'",
        )?;
        let rows = stmt.query_map([], |r| {
            let id: String = r.get(0)?;
            let household: Option<String> = r.get(3)?;
            Ok((
                uuid::Uuid::parse_str(&id).ok(),
                r.get::<_, Option<String>>(1)?,
                r.get::<_, Option<String>>(2)?,
                household.and_then(|h| uuid::Uuid::parse_str(&h).ok()),
                r.get::<_, Option<bool>>(4)?,
            ))
        })?;
        let mut out = Vec::new();
        for row in rows {
            let (id, compound, community, household, living) = row?;
            if let Some(id) = id {
                out.push((id, compound, community, household, living));
            }
        }
        Ok(out)
    }

    /// The persons with evidence between two instants (`from` inclusive, `to` exclusive, UTC)
    /// and on the China days `first..=last`: a passage not voided, a screening that named them,
    /// or a household visit or follow-up visit of those days that saw them (a screening or
    /// household visit only for members of the household it is of).
    pub fn seen_between(
        &self,
        from: chrono::DateTime<chrono::Utc>,
        to: chrono::DateTime<chrono::Utc>,
        first: chrono::NaiveDate,
        last: chrono::NaiveDate,
    ) -> Result<std::collections::HashSet<uuid::Uuid>> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT DISTINCT p.person_id FROM passage p
             WHERE p.at_utc >= ?1 AND p.at_utc < ?2 AND p.person_id IS NOT NULL
               AND NOT EXISTS (SELECT 1 FROM correction c WHERE c.target_id = p.id)
             UNION
             SELECT c.person_id FROM follow_up_visit v JOIN observation_case c ON c.id = v.case_id
             WHERE v.date >= ?3 AND v.date <= ?4 AND v.outcome IN ('seen_well', 'seen_unwell')
             UNION
             SELECT m.person_id FROM screened_member m
               JOIN screening s ON s.id = m.screening_id
               JOIN person p ON p.id = m.person_id AND p.household_id = s.household_id
             WHERE m.at_utc >= ?1 AND m.at_utc < ?2
             UNION
             SELECT h.person_id FROM visited_member h
               JOIN household_visit v ON v.id = h.visit_id
               JOIN person p ON p.id = h.person_id AND p.household_id = v.household_id
             WHERE h.date >= ?3 AND h.date <= ?4",
        )?;
        let ids = stmt.query_map(
            params![
                super::ts(from),
                super::ts(to),
                first.to_string(),
                last.to_string()
            ],
            |r| r.get::<_, String>(0),
        )?;
        let mut out = std::collections::HashSet::new();
        for id in ids {
            if let Ok(u) = uuid::Uuid::parse_str(&id?) {
                out.insert(u);
            }
        }
        Ok(out)
    }

    /// A household's members held here, by relation (the head first) and name.
    pub fn household_members(
        &self,
        household: &str,
    ) -> Result<Vec<kadian_domain::records::Person>> {
        let mut stmt = self
            .conn
            .prepare_cached(super::persons::SQL_HOUSEHOLD_MEMBERS)?;
        let rows = stmt.query_map([household], super::persons::person_from_row)?;
        let mut out = Vec::new();
        for r in rows {
            out.push(r?.0);
        }
        Ok(out)
    }

    /// Every household's members held here, each list by relation (the head first) and name:
    /// one read for a sheet of the whole street.
    pub fn members_by_household(
        &self,
    ) -> Result<std::collections::HashMap<String, Vec<kadian_domain::records::Person>>> {
        let mut stmt = self.conn.prepare_cached(super::persons::SQL_ALL_MEMBERS)?;
        let rows = stmt.query_map([], super::persons::person_from_row)?;
        let mut out: std::collections::HashMap<String, Vec<kadian_domain::records::Person>> =
            std::collections::HashMap::new();
        for r in rows {
            let (p, _) = r?;
            if let Some(h) = p.household {
                out.entry(h.to_string()).or_default().push(p);
            }
        }
        Ok(out)
    }

    /// When each person was last registered at a gate (passages not voided), UTC: one read.
    pub fn last_passages(
        &self,
    ) -> Result<std::collections::HashMap<String, chrono::DateTime<chrono::Utc>>> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT p.person_id, max(p.at_utc) FROM passage p WHERE p.person_id IS NOT NULL
               AND NOT EXISTS (SELECT 1 FROM correction c WHERE c.target_id = p.id)
             GROUP BY p.person_id",
        )?;
        let rows = stmt.query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)))?;
        let mut out = std::collections::HashMap::new();
        for row in rows {
            let (person, at) = row?;
            if let Ok(at) = chrono::DateTime::parse_from_rfc3339(&at) {
                out.insert(person, at.with_timezone(&chrono::Utc));
            }
        }
        Ok(out)
    }

    /// Each household's latest screening held here: one read.
    pub fn latest_screenings(
        &self,
    ) -> Result<std::collections::HashMap<String, kadian_domain::records::Screening>> {
        let all: Vec<kadian_domain::records::Screening> =
            self.bodies("SELECT body FROM screening ORDER BY at_utc, id", [])?;
        Ok(all
            .into_iter()
            .map(|s| (s.household_id.to_string(), s))
            .collect())
    }

    /// When a person was last registered at a gate (a passage not voided), UTC.
    pub fn last_passage_at(&self, person: &str) -> Result<Option<chrono::DateTime<chrono::Utc>>> {
        let at: Option<String> = self
            .conn
            .prepare_cached(
                "SELECT max(p.at_utc) FROM passage p WHERE p.person_id = ?1
                   AND NOT EXISTS (SELECT 1 FROM correction c WHERE c.target_id = p.id)",
            )?
            .query_row([person], |r| r.get(0))?;
        Ok(at.and_then(|s| {
            chrono::DateTime::parse_from_rfc3339(&s)
                .ok()
                .map(|d| d.with_timezone(&chrono::Utc))
        }))
    }
}

/// Stores a screening once, each member it names as a row of `screened_member`, with its outbox
/// row (none for a pulled one). Returns the outbox rows written (0: held already). Errors: the
/// screening's rules.
pub(crate) fn insert_screening_tx(
    tx: &Transaction<'_>,
    s: &kadian_domain::records::Screening,
    source: Source,
) -> Result<usize> {
    records::check_screening(s).map_err(StoreError::Invalid)?;
    let at = super::ts(s.at.utc);
    let inserted = tx
        .prepare_cached(
            "INSERT OR IGNORE INTO screening (id, household_id, at_utc, body, source)
             VALUES (?1, ?2, ?3, ?4, ?5)",
        )?
        .execute(params![
            s.id.to_string(),
            s.household_id.to_string(),
            at,
            serde_json::to_string(s)?,
            source.as_str(),
        ])?;
    if inserted == 0 {
        return Ok(0);
    }
    for m in &s.members {
        let status = serde_json::to_value(&m.status)?;
        tx.prepare_cached(
            "INSERT OR IGNORE INTO screened_member (screening_id, person_id, status, at_utc)
             VALUES (?1, ?2, ?3, ?4)",
        )?
        .execute(params![
            s.id.to_string(),
            m.person_id.to_string(),
            status["status"].as_str().unwrap_or_default(),
            at,
        ])?;
    }
    enqueue(tx, RecordKind::Screening, s.id, "create", None, s, source)
}

impl Store {
    /// Records a screening with the persons it changes (found living there anew, created or
    /// moved into the household; moved out or deceased, no longer living there), the travel
    /// declarations of the returnees it found and the cases they open, in one transaction. Errors: `NotFound` for a household not held here; the records' rules
    /// (nothing is written then).
    pub fn record_screening(
        &mut self,
        s: &kadian_domain::records::Screening,
        new_persons: &[kadian_domain::records::Person],
        travels: &[kadian_domain::records::TravelDeclaration],
        cases: &[kadian_domain::records::ObservationCase],
        source: Source,
    ) -> Result<crate::Recorded> {
        self.write(|tx| {
            if held_household_version(tx, &s.household_id.to_string())?.is_none() {
                return Err(StoreError::NotFound {
                    kind: RecordKind::Household.as_str(),
                    id: s.household_id.to_string(),
                });
            }
            let mut ids = Vec::new();
            let mut rows = 0;
            for p in new_persons {
                let w = super::persons::upsert_person_tx(tx, p, source)?;
                ids.push(w.id);
                rows += 1;
            }
            rows += insert_screening_tx(tx, s, source)?;
            ids.push(s.id);
            for t in travels {
                rows += super::travels::insert_travel(tx, t, source)?;
                ids.push(t.id);
            }
            for c in cases {
                let written = super::observation::open_case_once_tx(tx, c, source)?;
                if written > 0 {
                    ids.push(c.id);
                }
                rows += written;
            }
            Ok(crate::Recorded {
                ids,
                outbox_rows: rows,
            })
        })
    }

    /// A household's screenings held here, the latest first.
    pub fn screenings_of(&self, household: &str) -> Result<Vec<kadian_domain::records::Screening>> {
        self.bodies(
            "SELECT body FROM screening WHERE household_id = ?1 ORDER BY at_utc DESC, id",
            [household],
        )
    }
}

/// The version held of a key area, if it is held.
pub(crate) fn held_key_area_version(tx: &Transaction<'_>, id: &str) -> Result<Option<i64>> {
    Ok(tx
        .query_row("SELECT version FROM key_area WHERE id = ?1", [id], |r| {
            r.get(0)
        })
        .optional()?)
}

/// Writes a key area: a new one or a change of one held here (on the version held). Pulled
/// ones take the server's version and queue nothing. Errors: the key area's rules.
pub(crate) fn upsert_key_area_tx(
    tx: &Transaction<'_>,
    k: &kadian_domain::records::KeyArea,
    source: Source,
    version: Option<i64>,
) -> Result<usize> {
    records::check_key_area(k).map_err(StoreError::Invalid)?;
    let id = k.id.to_string();
    let held = held_key_area_version(tx, &id)?;
    tx.prepare_cached(
        "INSERT INTO key_area (id, compound, body, version, source) VALUES (?1, ?2, ?3, ?4, ?5)
         ON CONFLICT (id) DO UPDATE SET compound = excluded.compound, body = excluded.body,
             version = excluded.version",
    )?
    .execute(params![
        id,
        k.compound,
        serde_json::to_string(k)?,
        version.unwrap_or_else(|| held.unwrap_or(0)),
        source.as_str(),
    ])?;
    enqueue_entity(tx, RecordKind::KeyArea, k.id, held, k, source)
}

/// Stores a key area's change once. Errors: the change's rules.
pub(crate) fn insert_key_area_change_tx(
    tx: &Transaction<'_>,
    c: &kadian_domain::records::KeyAreaChange,
    source: Source,
) -> Result<usize> {
    records::check_key_area_change(c).map_err(StoreError::Invalid)?;
    let inserted = tx
        .prepare_cached(
            "INSERT OR IGNORE INTO key_area_change (id, key_area_id, effective, body, source)
             VALUES (?1, ?2, ?3, ?4, ?5)",
        )?
        .execute(params![
            c.id.to_string(),
            c.key_area_id.to_string(),
            c.effective.to_string(),
            serde_json::to_string(c)?,
            source.as_str(),
        ])?;
    if inserted == 0 {
        return Ok(0);
    }
    enqueue(
        tx,
        RecordKind::KeyAreaChange,
        c.id,
        "create",
        None,
        c,
        source,
    )
}

/// Stores a household visit once, each member it saw as a row of `visited_member`. Errors: the
/// visit's rules.
pub(crate) fn insert_household_visit_tx(
    tx: &Transaction<'_>,
    v: &kadian_domain::records::HouseholdVisit,
    source: Source,
) -> Result<usize> {
    records::check_household_visit(v).map_err(StoreError::Invalid)?;
    let inserted = tx
        .prepare_cached(
            "INSERT OR IGNORE INTO household_visit (id, household_id, date, at_utc, body, source)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        )?
        .execute(params![
            v.id.to_string(),
            v.household_id.to_string(),
            v.date.to_string(),
            super::ts(v.at.utc),
            serde_json::to_string(v)?,
            source.as_str(),
        ])?;
    if inserted == 0 {
        return Ok(0);
    }
    for m in &v.seen {
        tx.prepare_cached(
            "INSERT OR IGNORE INTO visited_member (visit_id, person_id, date) VALUES (?1, ?2, ?3)",
        )?
        .execute(params![
            v.id.to_string(),
            m.person_id.to_string(),
            v.date.to_string()
        ])?;
    }
    enqueue(
        tx,
        RecordKind::HouseholdVisit,
        v.id,
        "create",
        None,
        v,
        source,
    )
}

impl Store {
    /// Saves a key area (new or changed here). Errors: its rules.
    pub fn save_key_area(
        &mut self,
        k: &kadian_domain::records::KeyArea,
        source: Source,
    ) -> Result<usize> {
        self.write(|tx| upsert_key_area_tx(tx, k, source, None))
    }

    /// Records a key area's change. Errors: `NotFound` for an area not held here; its rules.
    pub fn record_key_area_change(
        &mut self,
        c: &kadian_domain::records::KeyAreaChange,
        source: Source,
    ) -> Result<usize> {
        self.write(|tx| {
            if held_key_area_version(tx, &c.key_area_id.to_string())?.is_none() {
                return Err(StoreError::NotFound {
                    kind: RecordKind::KeyArea.as_str(),
                    id: c.key_area_id.to_string(),
                });
            }
            insert_key_area_change_tx(tx, c, source)
        })
    }

    /// Records a household visit. Errors: `NotFound` for a household not held here; its rules.
    pub fn record_household_visit(
        &mut self,
        v: &kadian_domain::records::HouseholdVisit,
        source: Source,
    ) -> Result<usize> {
        self.write(|tx| {
            if held_household_version(tx, &v.household_id.to_string())?.is_none() {
                return Err(StoreError::NotFound {
                    kind: RecordKind::Household.as_str(),
                    id: v.household_id.to_string(),
                });
            }
            insert_household_visit_tx(tx, v, source)
        })
    }

    /// Every key area held here with its changes.
    #[allow(clippy::type_complexity)]
    pub fn key_areas(
        &self,
    ) -> Result<(
        Vec<kadian_domain::records::KeyArea>,
        Vec<kadian_domain::records::KeyAreaChange>,
    )> {
        Ok((
            self.bodies("SELECT body FROM key_area ORDER BY compound, id", [])?,
            self.bodies(
                "SELECT body FROM key_area_change ORDER BY effective, id",
                [],
            )?,
        ))
    }

    /// A household's visits held here, the latest first.
    pub fn household_visits_of(
        &self,
        household: &str,
    ) -> Result<Vec<kadian_domain::records::HouseholdVisit>> {
        self.bodies(
            "SELECT body FROM household_visit WHERE household_id = ?1
             ORDER BY date DESC, at_utc DESC, id",
            [household],
        )
    }

    /// The household visits of the China days `first..=last` held here, oldest first (one
    /// day: `first == last`).
    pub fn household_visits_between(
        &self,
        first: chrono::NaiveDate,
        last: chrono::NaiveDate,
    ) -> Result<Vec<kadian_domain::records::HouseholdVisit>> {
        self.bodies(
            "SELECT body FROM household_visit WHERE date >= ?1 AND date <= ?2
             ORDER BY at_utc, id",
            [first.to_string(), last.to_string()],
        )
    }
}
