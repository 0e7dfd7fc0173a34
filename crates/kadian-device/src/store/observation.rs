//! The home observation tables: cases (entities with a version), their follow-up visits and
//! their status changes (events). Every write goes through its kind's storable rules and, when
//! made here, into the outbox in the same transaction.

use kadian_domain::observation::{fold_status, TransitionFact, VisitFact};
use kadian_domain::records::{
    self, CaseTransition, FollowUpVisit, ObservationCase, RecordKind, Source,
};
use rusqlite::{params, OptionalExtension, Transaction};

use super::error::{Result, StoreError};
use super::outbox::{enqueue, enqueue_entity};
use super::{ts, Store};
use crate::Recorded;

fn json<T: serde::Serialize>(r: &T) -> Result<String> {
    Ok(serde_json::to_string(r)?)
}

/// What the day grid needs of a visit.
pub fn visit_fact(v: &FollowUpVisit) -> VisitFact {
    VisitFact {
        date: v.date,
        outcome: v.outcome,
        celsius: v.celsius,
    }
}

/// What the fold needs of a transition.
pub fn transition_fact(t: &CaseTransition) -> TransitionFact {
    TransitionFact {
        id: t.id.to_string(),
        kind: t.kind,
        effective: t.effective,
        recorded_at: ts(t.at.utc),
    }
}

/// Opens a case unless this device holds one under its id already (a case derived from a
/// declaration is one fact: opened once, whoever derives it first). Returns the outbox rows
/// written (0 when it was held).
pub(crate) fn open_case_once_tx(
    tx: &Transaction<'_>,
    c: &ObservationCase,
    source: Source,
) -> Result<usize> {
    let held = tx
        .query_row(
            "SELECT 1 FROM observation_case WHERE id = ?1",
            [c.id.to_string()],
            |_| Ok(()),
        )
        .optional()?
        .is_some();
    if held {
        return Ok(0);
    }
    upsert_case_tx(tx, c, source, None)
}

/// Writes a case: a new one (`create`), or a change of one held here (`update`, on the version
/// held). Pulled cases (`Source::Sync`) take the server's version and queue nothing.
pub(crate) fn upsert_case_tx(
    tx: &Transaction<'_>,
    c: &ObservationCase,
    source: Source,
    version: Option<i64>,
) -> Result<usize> {
    records::check_observation_case(c).map_err(StoreError::Invalid)?;
    let id = c.id.to_string();
    let held: Option<i64> = tx
        .query_row(
            "SELECT version FROM observation_case WHERE id = ?1",
            [&id],
            |r| r.get(0),
        )
        .optional()?;
    let new_version = version.unwrap_or_else(|| held.unwrap_or(0));
    tx.prepare_cached(
        "INSERT INTO observation_case (id, person_id, community_code, compound, start_date, responsible, body, version, source)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)
         ON CONFLICT (id) DO UPDATE SET person_id = excluded.person_id, community_code = excluded.community_code,
             compound = excluded.compound, start_date = excluded.start_date, responsible = excluded.responsible,
             body = excluded.body, version = excluded.version",
    )?
    .execute(params![
        id,
        c.person_id.to_string(),
        c.community_code,
        c.compound,
        c.start_date.to_string(),
        c.responsible,
        json(c)?,
        new_version,
        source.as_str(),
    ])?;
    enqueue_entity(tx, RecordKind::ObservationCase, c.id, held, c, source)
}

/// Stores a visit once (a visit already held is left as it is).
pub(crate) fn insert_visit_tx(
    tx: &Transaction<'_>,
    v: &FollowUpVisit,
    source: Source,
) -> Result<usize> {
    records::check_follow_up_visit(v).map_err(StoreError::Invalid)?;
    let inserted = tx
        .prepare_cached(
            "INSERT OR IGNORE INTO follow_up_visit (id, case_id, date, outcome, celsius_tenths, body, source)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
        )?
        .execute(params![
            v.id.to_string(),
            v.case_id.to_string(),
            v.date.to_string(),
            serde_json::to_value(v.outcome)?.as_str().unwrap_or_default(),
            v.celsius.map(|c| c.tenths()),
            json(v)?,
            source.as_str(),
        ])?;
    if inserted == 0 {
        return Ok(0);
    }
    enqueue(
        tx,
        RecordKind::FollowUpVisit,
        v.id,
        "create",
        None,
        v,
        source,
    )
}

/// Stores a status change once.
pub(crate) fn insert_transition_tx(
    tx: &Transaction<'_>,
    t: &CaseTransition,
    source: Source,
) -> Result<usize> {
    records::check_case_transition(t).map_err(StoreError::Invalid)?;
    let inserted = tx
        .prepare_cached(
            "INSERT OR IGNORE INTO case_transition (id, case_id, kind, effective, at_utc, body, source)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
        )?
        .execute(params![
            t.id.to_string(),
            t.case_id.to_string(),
            serde_json::to_value(t.kind)?.as_str().unwrap_or_default(),
            t.effective.to_string(),
            ts(t.at.utc),
            json(t)?,
            source.as_str(),
        ])?;
    if inserted == 0 {
        return Ok(0);
    }
    note_clashes_tx(tx, &t.case_id.to_string())?;
    enqueue(
        tx,
        RecordKind::CaseTransition,
        t.id,
        "create",
        None,
        t,
        source,
    )
}

/// The conflict-list id of a clash: the transition that did not apply.
fn clash_id(ignored: &str) -> String {
    format!("clash:{ignored}")
}

/// Lists a case's transition clashes ([`fold_status`]: two status changes made apart, the later
/// one not applied) on the conflict list, field `status`, the applied and the ignored
/// transition's ids as the kept and the lost value, found here (`device`). One already listed
/// keeps its state (a settled clash stays settled); an unsettled one that no longer clashes
/// (a transition recorded late put them in another order) leaves the list.
fn note_clashes_tx(tx: &Transaction<'_>, case_id: &str) -> Result<()> {
    let start: Option<String> = tx
        .query_row(
            "SELECT start_date FROM observation_case WHERE id = ?1",
            [case_id],
            |r| r.get(0),
        )
        .optional()?;
    let start = start
        .and_then(|s| s.parse().ok())
        .unwrap_or(chrono::NaiveDate::MIN);
    let transitions: Vec<TransitionFact> = tx
        .prepare_cached("SELECT body FROM case_transition WHERE case_id = ?1")?
        .query_map([case_id], |r| r.get::<_, String>(0))?
        .filter_map(|b| {
            b.ok()
                .and_then(|b| serde_json::from_str::<CaseTransition>(&b).ok())
        })
        .map(|t| transition_fact(&t))
        .collect();
    let clashes = fold_status(start, &transitions).clashes;
    let ids: Vec<String> = clashes.iter().map(|c| clash_id(&c.ignored)).collect();
    tx.execute(
        "DELETE FROM sync_conflict WHERE record_id = ?1 AND id LIKE 'clash:%' AND resolved = 0
             AND id NOT IN (SELECT value FROM json_each(?2))",
        params![case_id, serde_json::to_string(&ids)?],
    )?;
    let now = ts(chrono::Utc::now());
    for (c, id) in clashes.iter().zip(&ids) {
        tx.prepare_cached(
            "INSERT INTO sync_conflict (id, record_kind, record_id, field, kept_value, lost_value, origin, at_utc)
             VALUES (?1, ?2, ?3, 'status', ?4, ?5, 'device', ?6) ON CONFLICT (id) DO NOTHING",
        )?
        .execute(params![
            id,
            RecordKind::ObservationCase.as_str(),
            case_id,
            serde_json::to_string(&c.applied)?,
            serde_json::to_string(&c.ignored)?,
            now,
        ])?;
    }
    Ok(())
}

impl Store {
    /// Settles a case's status clashes on the conflict list: the transitions `then` are recorded
    /// first (to take the status the ignored change asked for; none to keep the one reached),
    /// then every open clash of the case leaves the list, in one transaction.
    pub fn settle_case_clashes(&mut self, case_id: &str, then: &[CaseTransition]) -> Result<()> {
        self.write(|tx| {
            for t in then {
                insert_transition_tx(tx, t, Source::User)?;
            }
            tx.execute(
                "UPDATE sync_conflict SET resolved = 1
                 WHERE record_id = ?1 AND id LIKE 'clash:%' AND resolved = 0",
                [case_id],
            )?;
            Ok(())
        })
    }

    /// Opens or changes a case (typed here or imported), queued for the server.
    pub fn save_observation_case(
        &mut self,
        c: &ObservationCase,
        source: Source,
    ) -> Result<Recorded> {
        self.write(|tx| {
            let rows = upsert_case_tx(tx, c, source, None)?;
            Ok(Recorded {
                ids: vec![c.id],
                outbox_rows: rows,
            })
        })
    }

    /// Records a visit of a case held here. Errors: `NotFound` for a case this device does not
    /// hold; the visit's rules.
    pub fn record_follow_up_visit(
        &mut self,
        v: &FollowUpVisit,
        source: Source,
    ) -> Result<Recorded> {
        self.write(|tx| {
            require_case(tx, v.case_id)?;
            let rows = insert_visit_tx(tx, v, source)?;
            Ok(Recorded {
                ids: vec![v.id],
                outbox_rows: rows,
            })
        })
    }

    /// Records a change of a case's status. Errors: `NotFound` for a case this device does not
    /// hold; the transition's rules.
    pub fn record_case_transition(
        &mut self,
        t: &CaseTransition,
        source: Source,
    ) -> Result<Recorded> {
        self.write(|tx| {
            require_case(tx, t.case_id)?;
            let rows = insert_transition_tx(tx, t, source)?;
            Ok(Recorded {
                ids: vec![t.id],
                outbox_rows: rows,
            })
        })
    }

    /// A case held here, with its version.
    pub fn observation_case(&self, id: &str) -> Result<Option<(ObservationCase, i64)>> {
        let row: Option<(String, i64)> = self
            .conn
            .query_row(
                "SELECT body, version FROM observation_case WHERE id = ?1",
                [id],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()?;
        Ok(match row {
            Some((body, v)) => Some((serde_json::from_str(&body)?, v)),
            None => None,
        })
    }

    /// The cases of one person held here (the gate asks at each search).
    pub fn observation_cases_of(&self, person_id: &str) -> Result<Vec<ObservationCase>> {
        let bodies = self
            .conn
            .prepare_cached("SELECT body FROM observation_case WHERE person_id = ?1")?
            .query_map([person_id], |r| r.get::<_, String>(0))?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        Ok(bodies
            .iter()
            .filter_map(|b| serde_json::from_str(b).ok())
            .collect())
    }

    /// The names of the persons of the cases held here, by person id: one query for a whole
    /// list.
    pub fn observed_names(&self) -> Result<std::collections::HashMap<String, String>> {
        let names = self
            .conn
            .prepare_cached(
                "SELECT DISTINCT p.id, p.name FROM person p JOIN observation_case c ON c.person_id = p.id",
            )?
            .query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)))?
            .collect::<rusqlite::Result<_>>()?;
        Ok(names)
    }

    /// A case's visits (by date, then id) and transitions (in no order: the fold orders them),
    /// as recorded, for its page.
    pub fn case_history(&self, case_id: &str) -> Result<(Vec<FollowUpVisit>, Vec<CaseTransition>)> {
        let visits = self
            .conn
            .prepare_cached(
                "SELECT body FROM follow_up_visit WHERE case_id = ?1 ORDER BY date, id",
            )?
            .query_map([case_id], |r| r.get::<_, String>(0))?
            .collect::<rusqlite::Result<Vec<_>>>()?
            .into_iter()
            .filter_map(|b| serde_json::from_str::<FollowUpVisit>(&b).ok())
            .collect();
        let transitions = self
            .conn
            .prepare_cached("SELECT body FROM case_transition WHERE case_id = ?1")?
            .query_map([case_id], |r| r.get::<_, String>(0))?
            .collect::<rusqlite::Result<Vec<_>>>()?
            .into_iter()
            .filter_map(|b| serde_json::from_str::<CaseTransition>(&b).ok())
            .collect();
        Ok((visits, transitions))
    }

    /// What the day grid needs of a case's visits and transitions
    /// ([`kadian_domain::observation::day_grid`]).
    pub fn case_facts(&self, case_id: &str) -> Result<(Vec<VisitFact>, Vec<TransitionFact>)> {
        let (visits, transitions) = self.case_history(case_id)?;
        Ok((
            visits.iter().map(visit_fact).collect(),
            transitions.iter().map(transition_fact).collect(),
        ))
    }
}

/// Every case held here with its facts: (case, version, visits, transitions), read in three
/// queries however many cases there are (today's list of a community reads thousands).
pub type CaseWithFacts = (ObservationCase, i64, Vec<VisitFact>, Vec<TransitionFact>);

impl Store {
    /// Every case this device holds, with its visits and transitions.
    pub fn observation_cases(&self) -> Result<Vec<CaseWithFacts>> {
        use std::collections::HashMap;
        let cases: Vec<(String, i64)> = self
            .conn
            .prepare_cached("SELECT body, version FROM observation_case ORDER BY start_date, id")?
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
            .collect::<rusqlite::Result<_>>()?;
        let mut visits: HashMap<uuid::Uuid, Vec<VisitFact>> = HashMap::new();
        for body in self
            .conn
            .prepare_cached("SELECT body FROM follow_up_visit")?
            .query_map([], |r| r.get::<_, String>(0))?
        {
            if let Ok(v) = serde_json::from_str::<FollowUpVisit>(&body?) {
                visits.entry(v.case_id).or_default().push(visit_fact(&v));
            }
        }
        let mut transitions: HashMap<uuid::Uuid, Vec<TransitionFact>> = HashMap::new();
        for body in self
            .conn
            .prepare_cached("SELECT body FROM case_transition")?
            .query_map([], |r| r.get::<_, String>(0))?
        {
            if let Ok(t) = serde_json::from_str::<CaseTransition>(&body?) {
                transitions
                    .entry(t.case_id)
                    .or_default()
                    .push(transition_fact(&t));
            }
        }
        Ok(cases
            .into_iter()
            .filter_map(|(body, version)| {
                let c: ObservationCase = serde_json::from_str(&body).ok()?;
                let v = visits.remove(&c.id).unwrap_or_default();
                let t = transitions.remove(&c.id).unwrap_or_default();
                Some((c, version, v, t))
            })
            .collect())
    }
}

pub(crate) fn require_case(tx: &Transaction<'_>, id: uuid::Uuid) -> Result<()> {
    let found: bool = tx.query_row(
        "SELECT EXISTS (SELECT 1 FROM observation_case WHERE id = ?1)",
        [id.to_string()],
        |r| r.get(0),
    )?;
    if found {
        Ok(())
    } else {
        Err(StoreError::NotFound {
            kind: "observation_case",
            id: id.to_string(),
        })
    }
}
