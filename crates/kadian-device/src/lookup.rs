//! The lookups a gate needs, each an index range scan (a test checks every plan): by ID number
//! or its last characters, by phone or its last 4 digits, by name prefix, by pinyin initials, by
//! plate; today's passages at a checkpoint; who is inside now.

use chrono::{DateTime, NaiveDate, Utc};
use kadian_domain::records::{Direction, Person, PersonCategory};
use kadian_domain::records::{Instant, TransportMode, TravelDeclaration, TravelPlace};
use kadian_domain::{DocumentType, Sex};
use rusqlite::{params, OptionalExtension, Row};
use serde::Serialize;
use unicode_normalization::UnicodeNormalization;
use uuid::Uuid;

use crate::error::Result;
use crate::search_keys::{prefix_upper, reversed};
use crate::store::Store;

/// How a person was found.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum MatchKind {
    /// Whole or trailing characters of the document number.
    IdNumber,
    /// Whole or trailing digits of the phone number.
    Phone,
    /// Name prefix.
    Name,
    /// Pinyin initials prefix (`zs` → 张三).
    Initials,
    /// Full pinyin prefix (`luohanx` → 罗汉晓).
    Pinyin,
    /// A plate seen with this person at a passage.
    Plate,
}

/// One search result.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PersonHit {
    /// The person as stored.
    pub person: Person,
    /// The stored version.
    pub version: i64,
    /// What matched.
    pub matched_by: MatchKind,
}

/// One passage as the gate's "today" list shows it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PassageRow {
    /// Passage id.
    pub id: Uuid,
    /// In or out.
    pub direction: Direction,
    /// When (UTC).
    pub at_utc: DateTime<Utc>,
    /// The person's id, if registered.
    pub person_id: Option<Uuid>,
    /// The person's or walk-in's name.
    pub name: String,
    /// Vehicle plate.
    pub plate: Option<String>,
    /// Companions.
    pub companions: i64,
    /// Latest reading at this passage, tenths of °C.
    pub celsius_tenths: Option<i64>,
    /// The first reading at this passage (not a re-measure), tenths of °C.
    pub first_celsius_tenths: Option<i64>,
    /// How many readings were taken at this passage (a re-measure makes two).
    pub readings: i64,
    /// Any reading at this passage was a fever.
    pub fever: bool,
    /// Voided by a correction.
    pub voided: bool,
    /// The checkpoint.
    pub checkpoint_id: String,
    /// The first reading at this passage (not a re-measure), if any.
    pub reading_id: Option<Uuid>,
    /// Who registered it (the volunteer's id).
    pub recorded_by: String,
    /// Purpose and destination, as typed.
    pub purpose: Option<String>,
}

/// Someone whose last passage (not voided) was in.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PresentPerson {
    /// Person id.
    pub person_id: Uuid,
    /// Name.
    pub name: String,
    /// When they came in (UTC).
    pub since_utc: DateTime<Utc>,
    /// At which checkpoint.
    pub checkpoint_id: String,
}

/// `SELECT <the person columns person_from_row reads> FROM person` followed by the rest.
macro_rules! select_person {
    ($rest:literal) => {
        concat!(
            "SELECT id, name, document_type, document_number, phone, sex, birth_date, ",
            "community_code, compound, building, unit, room, category, version FROM person ",
            $rest
        )
    };
}

pub(crate) const SQL_BY_DOCUMENT_SUFFIX: &str =
    select_person!("WHERE document_rev >= ?1 AND document_rev < ?2 ORDER BY document_rev LIMIT ?3");
pub(crate) const SQL_BY_PHONE_SUFFIX: &str =
    select_person!("WHERE phone_rev >= ?1 AND phone_rev < ?2 ORDER BY phone_rev LIMIT ?3");
pub(crate) const SQL_BY_NAME_PREFIX: &str =
    select_person!("WHERE name >= ?1 AND name < ?2 ORDER BY name LIMIT ?3");
pub(crate) const SQL_BY_INITIALS: &str = select_person!(
    "WHERE name_initials >= ?1 AND name_initials < ?2 ORDER BY name_initials LIMIT ?3"
);
pub(crate) const SQL_BY_PINYIN: &str =
    select_person!("WHERE name_pinyin >= ?1 AND name_pinyin < ?2 ORDER BY name_pinyin LIMIT ?3");
pub(crate) const SQL_BY_PLATE: &str = select_person!(
    "WHERE id IN (SELECT person_id FROM passage
                             WHERE plate >= ?1 AND plate < ?2 AND plate IS NOT NULL)
    LIMIT ?3"
);
pub(crate) const SQL_PERSON_BY_ID: &str = select_person!("WHERE id = ?1");
pub(crate) const SQL_PERSON_BY_DOCUMENT: &str =
    select_person!("WHERE document_type = ?1 AND document_number = ?2");
/// `SELECT <the passage columns passage_from_row reads>` followed by the rest.
macro_rules! select_passage {
    ($rest:literal) => {
        concat!(
            "SELECT p.id, p.direction, p.at_utc, p.person_id,
        coalesce(pe.name, p.walk_in_name, ''), p.plate, p.companions,
        (SELECT r.celsius_tenths FROM temperature_reading r WHERE r.passage_id = p.id
          ORDER BY r.at_utc DESC LIMIT 1),
        coalesce((SELECT max(r.fever) FROM temperature_reading r WHERE r.passage_id = p.id), 0),
        EXISTS (SELECT 1 FROM correction c WHERE c.target_id = p.id AND c.action = 'void'),
        p.checkpoint_id,
        (SELECT r.id FROM temperature_reading r WHERE r.passage_id = p.id AND r.remeasure_of IS NULL
          ORDER BY r.at_utc LIMIT 1),
        p.recorded_by, p.purpose,
        (SELECT r.celsius_tenths FROM temperature_reading r WHERE r.passage_id = p.id
          AND r.remeasure_of IS NULL ORDER BY r.at_utc LIMIT 1),
        (SELECT count(*) FROM temperature_reading r WHERE r.passage_id = p.id)
    FROM passage p LEFT JOIN person pe ON pe.id = p.person_id ",
            $rest
        )
    };
}

pub(crate) const SQL_PASSAGES_BETWEEN: &str = select_passage!(
    "WHERE p.checkpoint_id = ?1 AND p.at_utc >= ?2 AND p.at_utc < ?3 ORDER BY p.at_utc DESC"
);
pub(crate) const SQL_PASSAGES_RANGE: &str =
    select_passage!("WHERE p.at_utc >= ?1 AND p.at_utc < ?2 ORDER BY p.at_utc DESC LIMIT ?3");
pub(crate) const SQL_PASSAGES_OF_PERSON: &str =
    select_passage!("WHERE p.person_id = ?1 ORDER BY p.at_utc DESC LIMIT ?2");
pub(crate) const SQL_INSIDE_NOW: &str = "SELECT pe.id, pe.name, p.at_utc, p.checkpoint_id
    FROM passage p JOIN person pe ON pe.id = p.person_id
    WHERE p.direction = 'in'
      AND NOT EXISTS (SELECT 1 FROM correction c WHERE c.target_id = p.id AND c.action = 'void')
      AND p.at_utc = (SELECT max(q.at_utc) FROM passage q
                      WHERE q.person_id = p.person_id
                        AND NOT EXISTS (SELECT 1 FROM correction c2
                                        WHERE c2.target_id = q.id AND c2.action = 'void'))
    ORDER BY p.at_utc DESC";

pub(crate) fn passage_from_row(r: &Row<'_>) -> rusqlite::Result<PassageRow> {
    let direction: String = r.get(1)?;
    let uuid = |s: Option<String>| s.and_then(|s| Uuid::parse_str(&s).ok());
    Ok(PassageRow {
        id: Uuid::parse_str(&r.get::<_, String>(0)?).unwrap_or_default(),
        direction: if direction == "in" {
            Direction::In
        } else {
            Direction::Out
        },
        at_utc: parse_utc(&r.get::<_, String>(2)?),
        person_id: uuid(r.get(3)?),
        name: r.get(4)?,
        plate: r.get(5)?,
        companions: r.get(6)?,
        celsius_tenths: r.get(7)?,
        fever: r.get(8)?,
        voided: r.get(9)?,
        checkpoint_id: r.get(10)?,
        reading_id: uuid(r.get(11)?),
        recorded_by: r.get(12)?,
        purpose: r.get(13)?,
        first_celsius_tenths: r.get(14)?,
        readings: r.get(15)?,
    })
}

pub(crate) fn person_from_row(r: &Row<'_>) -> rusqlite::Result<(Person, i64)> {
    let parse_uuid = |s: String| Uuid::parse_str(&s).unwrap_or_default();
    let sex: Option<String> = r.get(5)?;
    let birth: Option<String> = r.get(6)?;
    let category: String = r.get(12)?;
    let person = Person {
        id: parse_uuid(r.get(0)?),
        name: r.get(1)?,
        document_type: DocumentType::parse(&r.get::<_, String>(2)?).unwrap_or(DocumentType::Other),
        document_number: r.get(3)?,
        phone: r.get(4)?,
        sex: sex
            .as_deref()
            .map(|s| if s == "male" { Sex::Male } else { Sex::Female }),
        birth_date: birth.and_then(|b| NaiveDate::parse_from_str(&b, "%Y-%m-%d").ok()),
        community_code: r.get(7)?,
        compound: r.get(8)?,
        building: r.get(9)?,
        unit: r.get(10)?,
        room: r.get(11)?,
        category: match category.as_str() {
            "tenant" => PersonCategory::Tenant,
            "visitor" => PersonCategory::Visitor,
            _ => PersonCategory::Resident,
        },
    };
    Ok((person, r.get(13)?))
}

fn parse_utc(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s)
        .map(|d| d.with_timezone(&Utc))
        .unwrap_or_default()
}

/// What the search box holds, after folding full-width characters and dropping spaces.
enum Query {
    Digits(String),
    Initials(String),
    Plate(String),
    Name(String),
}

fn classify(raw: &str) -> Option<Query> {
    let q: String = raw
        .nfkc()
        .filter(|c| !c.is_whitespace() && !matches!(c, '·' | '-'))
        .collect();
    let first = q.chars().next()?;
    let is_digits = q
        .char_indices()
        .all(|(i, c)| c.is_ascii_digit() || (i == q.len() - 1 && (c == 'x' || c == 'X')));
    Some(if is_digits {
        Query::Digits(q.to_ascii_uppercase())
    } else if q.chars().all(|c| c.is_ascii_alphabetic()) {
        Query::Initials(q.to_ascii_lowercase())
    } else if "京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青藏川宁琼".contains(first)
        && q.chars().nth(1).is_some_and(|c| c.is_ascii_alphabetic())
    {
        Query::Plate(q.to_ascii_uppercase())
    } else {
        Query::Name(q)
    })
}

impl Store {
    /// Finds people for the gate's search box, at most `limit`.
    ///
    /// Digits (with a final X): the document number ends with them (from 4 characters), and the
    /// phone ends with them (from 4 digits); a full 18-character ID or 11-digit phone is simply
    /// the longest suffix. ASCII letters: pinyin initials prefix (`zs`), then full pinyin prefix (`zhangs`). A plate (`豫N`…): people
    /// seen with that plate. Anything else: name prefix. Fewer than 4 digits finds nothing.
    pub fn find_people(&self, raw: &str, limit: usize) -> Result<Vec<PersonHit>> {
        let Some(query) = classify(raw) else {
            return Ok(Vec::new());
        };
        let limit = limit as i64;
        let run = |sql: &str, lo: String, kind: MatchKind| -> Result<Vec<PersonHit>> {
            let hi = prefix_upper(&lo);
            let mut stmt = self.conn.prepare_cached(sql)?;
            let rows = stmt
                .query_map(params![lo, hi, limit], person_from_row)?
                .map(|r| {
                    r.map(|(person, version)| PersonHit {
                        person,
                        version,
                        matched_by: kind,
                    })
                })
                .collect::<rusqlite::Result<Vec<_>>>()?;
            Ok(rows)
        };
        match query {
            Query::Digits(d) if d.len() < 4 => Ok(Vec::new()),
            Query::Digits(d) => {
                let mut hits = run(SQL_BY_DOCUMENT_SUFFIX, reversed(&d), MatchKind::IdNumber)?;
                if !d.ends_with('X') {
                    for hit in run(SQL_BY_PHONE_SUFFIX, reversed(&d), MatchKind::Phone)? {
                        if !hits.iter().any(|h| h.person.id == hit.person.id) {
                            hits.push(hit);
                        }
                    }
                }
                hits.truncate(limit as usize);
                Ok(hits)
            }
            Query::Initials(i) => {
                // `zs` are initials; `zhangsan` (or its start) is the full pinyin. Both are asked,
                // initials first.
                let mut hits = run(SQL_BY_INITIALS, i.clone(), MatchKind::Initials)?;
                if i.len() >= 2 {
                    for hit in run(SQL_BY_PINYIN, i, MatchKind::Pinyin)? {
                        if !hits.iter().any(|h| h.person.id == hit.person.id) {
                            hits.push(hit);
                        }
                    }
                }
                hits.truncate(limit as usize);
                Ok(hits)
            }
            Query::Plate(p) => run(SQL_BY_PLATE, p, MatchKind::Plate),
            Query::Name(n) => run(SQL_BY_NAME_PREFIX, n, MatchKind::Name),
        }
    }

    /// One person by id, with its version.
    pub fn person(&self, id: Uuid) -> Result<Option<(Person, i64)>> {
        use rusqlite::OptionalExtension;
        Ok(self
            .conn
            .prepare_cached(select_person!("WHERE id = ?1"))?
            .query_row([id.to_string()], person_from_row)
            .optional()?)
    }

    /// Passages at a checkpoint between two instants (`from` inclusive, `to` exclusive), newest
    /// first, voided ones flagged. For "today" pass the local day's bounds in UTC.
    pub fn passages_between(
        &self,
        checkpoint_id: &str,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> Result<Vec<PassageRow>> {
        let mut stmt = self.conn.prepare_cached(SQL_PASSAGES_BETWEEN)?;
        let rows = stmt
            .query_map(
                params![checkpoint_id, crate::write::ts(from), crate::write::ts(to)],
                passage_from_row,
            )?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        Ok(rows)
    }

    /// Passages at a checkpoint on a local calendar day, given the UTC offset in minutes
    /// (China: 480).
    pub fn passages_on_day(
        &self,
        checkpoint_id: &str,
        day: NaiveDate,
        offset_minutes: i32,
    ) -> Result<Vec<PassageRow>> {
        let start = day.and_hms_opt(0, 0, 0).unwrap_or_default().and_utc()
            - chrono::Duration::minutes(i64::from(offset_minutes));
        self.passages_between(checkpoint_id, start, start + chrono::Duration::days(1))
    }

    /// People whose last passage that was not voided is an entry: who is inside now.
    pub fn inside_now(&self) -> Result<Vec<PresentPerson>> {
        let mut stmt = self.conn.prepare_cached(SQL_INSIDE_NOW)?;
        let rows = stmt
            .query_map([], |r| {
                Ok(PresentPerson {
                    person_id: Uuid::parse_str(&r.get::<_, String>(0)?).unwrap_or_default(),
                    name: r.get(1)?,
                    since_utc: parse_utc(&r.get::<_, String>(2)?),
                    checkpoint_id: r.get(3)?,
                })
            })?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        Ok(rows)
    }

    /// The query plan of every lookup the gate runs, by name, with sample parameters: each
    /// must use an index (a test checks it).
    pub fn gate_query_plans(&self) -> Result<Vec<(&'static str, Vec<String>)>> {
        let lo = "4321".to_owned();
        let hi = prefix_upper(&lo);
        let n = 20i64;
        let mut out = Vec::new();
        for (name, sql) in [
            ("id_suffix", SQL_BY_DOCUMENT_SUFFIX),
            ("phone_suffix", SQL_BY_PHONE_SUFFIX),
            ("name_prefix", SQL_BY_NAME_PREFIX),
            ("pinyin_initials", SQL_BY_INITIALS),
            ("pinyin_full", SQL_BY_PINYIN),
            ("plate", SQL_BY_PLATE),
        ] {
            out.push((name, self.explain(sql, &[&lo, &hi, &n])?));
        }
        out.push((
            "passages_today",
            self.explain(SQL_PASSAGES_BETWEEN, &[&"cp", &lo, &hi])?,
        ));
        Ok(out)
    }
}

// ---- The review desk's queries (laptops): readings, travel declarations, re-measure links.

pub(crate) fn uuid_opt(s: Option<String>) -> Option<Uuid> {
    s.and_then(|s| Uuid::parse_str(&s).ok())
}

/// What a re-measure links to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReadingLinks {
    /// The first reading (not a re-measure).
    pub first: Uuid,
    /// Its passage.
    pub passage: Option<Uuid>,
    /// Its person.
    pub person: Option<Uuid>,
}

/// A reading as the lists read it from the store.
pub(crate) struct ReadingRow {
    pub(crate) id: String,
    pub(crate) at: DateTime<Utc>,
    pub(crate) person_id: Option<String>,
    pub(crate) name: String,
    pub(crate) tenths: i64,
    pub(crate) fever: bool,
    pub(crate) remeasure_of: Option<String>,
    pub(crate) checkpoint_id: String,
    pub(crate) recorded_by: String,
}

const SQL_READINGS: &str =
    "SELECT r.id, r.at_utc, r.person_id, coalesce(pe.name, p.walk_in_name, ''),
        r.celsius_tenths, r.fever, r.remeasure_of, r.checkpoint_id, r.recorded_by
    FROM temperature_reading r
    LEFT JOIN person pe ON pe.id = r.person_id
    LEFT JOIN passage p ON p.id = r.passage_id";

const SQL_TRAVELS: &str = "SELECT id, person_id, passage_id, from_date, to_date, transport,
        transport_ref, declared_at_utc, offset_minutes, recorded_by
    FROM travel_declaration";

impl Store {
    /// Ids of records of `kind` with a change the server has not taken: waiting (pending,
    /// sent) or refused (rejected, listed in the sync bar's panel).
    pub fn unsent_ids(&self, kind: &str) -> Result<std::collections::HashSet<String>> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT DISTINCT record_id FROM outbox WHERE kind = ?1 AND state IN ('pending', 'sent', 'rejected')",
        )?;
        let ids = stmt
            .query_map([kind], |r| r.get(0))?
            .collect::<rusqlite::Result<_>>()?;
        Ok(ids)
    }

    /// The reading a re-measure refers to: the first reading (a re-measure of a re-measure
    /// refers to the same first one), with its passage and person.
    pub fn reading_links(&self, id: Uuid) -> Result<Option<ReadingLinks>> {
        Ok(self
            .conn
            .prepare_cached(
                "SELECT id, passage_id, person_id, remeasure_of FROM temperature_reading WHERE id = ?1",
            )?
            .query_row([id.to_string()], |r| {
                let id: String = r.get(0)?;
                Ok(ReadingLinks {
                    first: uuid_opt(r.get(3)?)
                        .or_else(|| Uuid::parse_str(&id).ok())
                        .unwrap_or_default(),
                    passage: uuid_opt(r.get(1)?),
                    person: uuid_opt(r.get(2)?),
                })
            })
            .optional()?)
    }

    /// Passages at every checkpoint on this device between two instants, newest first, at most
    /// `limit`.
    pub fn passages_in_range(
        &self,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
        limit: usize,
    ) -> Result<Vec<PassageRow>> {
        Ok(self
            .conn
            .prepare_cached(SQL_PASSAGES_RANGE)?
            .query_map(
                params![crate::write::ts(from), crate::write::ts(to), limit as i64],
                passage_from_row,
            )?
            .collect::<rusqlite::Result<Vec<_>>>()?)
    }

    /// A person's passages, newest first, at most `limit`.
    pub fn passages_of_person(&self, id: Uuid, limit: usize) -> Result<Vec<PassageRow>> {
        Ok(self
            .conn
            .prepare_cached(SQL_PASSAGES_OF_PERSON)?
            .query_map(params![id.to_string(), limit as i64], passage_from_row)?
            .collect::<rusqlite::Result<Vec<_>>>()?)
    }

    /// Readings between two instants, newest first, at most `limit`.
    pub(crate) fn readings_between(
        &self,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
        limit: usize,
    ) -> Result<Vec<ReadingRow>> {
        let (f, t, n) = (crate::write::ts(from), crate::write::ts(to), limit as i64);
        self.readings_where(
            "WHERE r.at_utc >= ?1 AND r.at_utc < ?2 ORDER BY r.at_utc DESC LIMIT ?3",
            &[&f, &t, &n],
        )
    }

    /// A person's readings, newest first.
    pub(crate) fn readings_of_person(&self, id: Uuid) -> Result<Vec<ReadingRow>> {
        self.readings_where(
            "WHERE r.person_id = ?1 ORDER BY r.at_utc DESC",
            &[&id.to_string()],
        )
    }

    /// Travel declarations taken between two instants, newest first.
    pub fn travels_declared_between(
        &self,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> Result<Vec<TravelDeclaration>> {
        let (f, t) = (crate::write::ts(from), crate::write::ts(to));
        self.travels_where(
            "WHERE declared_at_utc >= ?1 AND declared_at_utc < ?2 ORDER BY declared_at_utc DESC",
            &[&f, &t],
        )
    }

    /// Travel declarations of arrivals on or after `day` (local date), latest arrival first.
    pub fn travels_arrived_since(&self, day: NaiveDate) -> Result<Vec<TravelDeclaration>> {
        self.travels_where(
            "WHERE to_date >= ?1 ORDER BY to_date DESC",
            &[&day.to_string()],
        )
    }

    /// A person's travel declarations, newest first.
    pub fn travels_of_person(&self, id: Uuid) -> Result<Vec<TravelDeclaration>> {
        self.travels_where(
            "WHERE person_id = ?1 ORDER BY declared_at_utc DESC",
            &[&id.to_string()],
        )
    }

    fn readings_where(
        &self,
        clause: &str,
        args: &[&dyn rusqlite::ToSql],
    ) -> Result<Vec<ReadingRow>> {
        let sql = format!("{SQL_READINGS} {clause}");
        Ok(self
            .conn
            .prepare_cached(&sql)?
            .query_map(args, |r| {
                Ok(ReadingRow {
                    id: r.get(0)?,
                    at: parse_utc(&r.get::<_, String>(1)?),
                    person_id: r.get(2)?,
                    name: r.get(3)?,
                    tenths: r.get(4)?,
                    fever: r.get(5)?,
                    remeasure_of: r.get(6)?,
                    checkpoint_id: r.get(7)?,
                    recorded_by: r.get(8)?,
                })
            })?
            .collect::<rusqlite::Result<Vec<_>>>()?)
    }

    fn travels_where(
        &self,
        clause: &str,
        args: &[&dyn rusqlite::ToSql],
    ) -> Result<Vec<TravelDeclaration>> {
        let sql = format!("{SQL_TRAVELS} {clause}");
        let mut list = self
            .conn
            .prepare_cached(&sql)?
            .query_map(args, |r| {
                let date = |s: Option<String>| {
                    s.and_then(|s| NaiveDate::parse_from_str(&s, "%Y-%m-%d").ok())
                };
                let transport: Option<String> = r.get(5)?;
                Ok(TravelDeclaration {
                    id: Uuid::parse_str(&r.get::<_, String>(0)?).unwrap_or_default(),
                    person_id: uuid_opt(r.get(1)?),
                    passage_id: uuid_opt(r.get(2)?),
                    places: Vec::new(),
                    from_date: date(r.get(3)?),
                    to_date: date(r.get(4)?),
                    transport: transport.and_then(|t| {
                        serde_json::from_value::<TransportMode>(serde_json::Value::String(t)).ok()
                    }),
                    transport_ref: r.get(6)?,
                    declared_at: Instant {
                        utc: parse_utc(&r.get::<_, String>(7)?),
                        offset_minutes: r.get(8)?,
                    },
                    recorded_by: r.get(9)?,
                })
            })?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        let mut places = self.conn.prepare_cached(
            "SELECT division_code, text FROM travel_place WHERE declaration_id = ?1 ORDER BY seq",
        )?;
        for t in &mut list {
            t.places = places
                .query_map([t.id.to_string()], |r| {
                    Ok(TravelPlace {
                        division_code: r.get(0)?,
                        text: r.get(1)?,
                    })
                })?
                .collect::<rusqlite::Result<Vec<_>>>()?;
        }
        Ok(list)
    }
}
