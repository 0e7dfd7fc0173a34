//! The person table: inserts and versioned updates (matched by id, else by document), and the
//! search box's lookups, each an index range scan (a test checks every plan): by ID number or its
//! last characters, by phone or its last 4 digits, by name prefix, by pinyin, by plate.

use chrono::{NaiveDate, Utc};
use kadian_domain::records;
use kadian_domain::records::{Person, PersonCategory, RecordKind, Source};
use kadian_domain::{DocumentType, Field, Notice, Sex};
use rusqlite::{params, OptionalExtension, Row, Transaction};
use serde::Serialize;
use unicode_normalization::UnicodeNormalization;
use uuid::Uuid;

use super::error::{Result, StoreError};
use super::outbox::enqueue;
use super::search_keys::{full_pinyin, initials, prefix_upper, reversed};
use super::{ts, Store};

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

/// `SELECT <the person columns person_from_row reads> FROM person` followed by the rest.
macro_rules! select_person {
    ($rest:literal) => {
        concat!(
            "SELECT id, name, document_type, document_number, phone, sex, birth_date, ",
            "community_code, compound, building, unit, room, category, version, ",
            "household_id, relation, registered_here, living_here, away_place_code FROM person ",
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

/// A household's members, the head first, then by name.
pub(crate) const SQL_HOUSEHOLD_MEMBERS: &str =
    select_person!("WHERE household_id = ?1 ORDER BY relation IS NOT 'head', name");

pub(crate) const SQL_ALL_MEMBERS: &str = select_person!(
    "WHERE household_id IS NOT NULL ORDER BY household_id, relation IS NOT 'head', name"
);

pub(crate) const SQL_PERSON_BY_DOCUMENT: &str =
    select_person!("WHERE document_type = ?1 AND document_number = ?2");

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
        household: r
            .get::<_, Option<String>>(14)?
            .and_then(|s| Uuid::parse_str(&s).ok()),
        relation: r
            .get::<_, Option<String>>(15)?
            .and_then(|s| serde_json::from_value(serde_json::Value::String(s)).ok()),
        registered_here: r.get(16)?,
        living_here: r.get(17)?,
        away_place_code: r.get(18)?,
    };
    Ok((person, r.get(13)?))
}

fn sex_str(s: Option<Sex>) -> Option<&'static str> {
    s.map(|s| match s {
        Sex::Male => "male",
        Sex::Female => "female",
    })
}

/// True when the person (matched by id, else by document) is stored here with exactly these
/// fields: importing them again would change nothing.
pub(super) fn person_unchanged(tx: &Transaction<'_>, p: &Person) -> Result<bool> {
    let by_id = tx
        .prepare_cached(SQL_PERSON_BY_ID)?
        .query_row([p.id.to_string()], person_from_row)
        .optional()?;
    let stored = match (by_id, &p.document_number) {
        (Some(s), _) => Some(s),
        (None, Some(number)) => tx
            .prepare_cached(SQL_PERSON_BY_DOCUMENT)?
            .query_row(params![p.document_type.as_str(), number], person_from_row)
            .optional()?,
        (None, None) => None,
    };
    Ok(stored.is_some_and(|(mut s, _)| {
        s.id = p.id;
        // What the register does not say of the household is kept as stored (see
        // `upsert_person_tx`): no change.
        if p.household.is_none() {
            s.household = None;
        }
        if p.relation.is_none() {
            s.relation = None;
        }
        if p.registered_here.is_none() {
            s.registered_here = None;
        }
        if p.living_here.is_none() {
            s.living_here = None;
        }
        if p.away_place_code.is_none() {
            s.away_place_code = None;
        }
        s == *p
    }))
}

pub(crate) fn upsert_person_tx(
    tx: &Transaction<'_>,
    p: &Person,
    source: Source,
) -> Result<PersonWrite> {
    records::check_person(p).map_err(StoreError::Invalid)?;
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
    // What a register or a form does not say of a person's household (a returnee register
    // knows nothing of it) is kept as stored, never cleared: the server's merge takes only the
    // fields a device sends, so a clear here would never reach it. A pulled person is the
    // server's, whole.
    type Kept = (
        Option<String>,
        Option<String>,
        Option<bool>,
        Option<bool>,
        Option<String>,
    );
    let kept: Kept = match (&existing, source) {
        (Some((id, _)), s) if s != Source::Sync => tx
            .prepare_cached(
                "SELECT household_id, relation, registered_here, living_here, away_place_code
                 FROM person WHERE id = ?1",
            )?
            .query_row([id], |r| {
                Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?))
            })
            .optional()?
            .unwrap_or_default(),
        _ => Kept::default(),
    };
    let household = p.household.map(|h| h.to_string()).or(kept.0);
    let relation = p
        .relation
        .and_then(|r| {
            serde_json::to_value(r)
                .ok()
                .and_then(|v| v.as_str().map(str::to_owned))
        })
        .or(kept.1);
    let registered_here = p.registered_here.or(kept.2);
    let living_here = p.living_here.or(kept.3);
    let away_place_code = p.away_place_code.clone().or(kept.4);
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
        household,
        relation,
        registered_here,
        living_here,
        away_place_code,
    ];
    match existing {
        None => {
            let mut stmt = tx.prepare_cached(
                "INSERT INTO person (name, name_initials, document_type, document_number,
                        document_rev, phone, phone_rev, sex, birth_date, community_code, compound,
                        building, unit, room, category, source, updated_at, name_pinyin,
                        household_id, relation, registered_here, living_here, away_place_code,
                        id, version)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17,
                         ?18, ?19, ?20, ?21, ?22, ?23, ?24, 0)",
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
                        updated_at = ?17, name_pinyin = ?18, household_id = ?19, relation = ?20,
                        registered_here = ?21, living_here = ?22, away_place_code = ?23
                 WHERE id = ?24",
            )?;
            let mut all: Vec<&dyn rusqlite::ToSql> = values.to_vec();
            all.push(&id);
            stmt.execute(all.as_slice())?;
            let uuid = Uuid::parse_str(&id).map_err(|_| StoreError::NotFound {
                kind: RecordKind::Person.as_str(),
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

    /// The person held here with a document of this type and number, if any.
    pub fn person_by_document(
        &self,
        doc_type: DocumentType,
        number: &str,
    ) -> Result<Option<Person>> {
        Ok(self
            .conn
            .prepare_cached(SQL_PERSON_BY_DOCUMENT)?
            .query_row(params![doc_type.as_str(), number], person_from_row)
            .optional()?
            .map(|(p, _)| p))
    }
}
