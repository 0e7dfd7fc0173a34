//! The embedded backend: one SQLite file (the workspace's rusqlite, unencrypted on the server),
//! WAL, one writer; calls run on tokio's blocking pool.

use std::path::Path;
use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use chrono::{DateTime, SecondsFormat, Utc};
use kadian_domain::observation::ObservationSetting;
use kadian_domain::places::{Checkpoint, Community, Compound, PlaceWrite, Zone};
use kadian_domain::records::Volunteer;
use kadian_domain::records::{ChangeKind, RecordKind, ReferenceKind};
use kadian_domain::sync::{Change, DeviceStatus, Receipt, Role, Scope};
use rusqlite::{params, Connection, OptionalExtension, Transaction};

use super::{
    arrival, cut_page, not_own_events, DbError, DbResult, DeviceRow, EnrolCode, EnrolCodeRow,
    Generation, PullFilter, PushMeta, CASE_EVENTS, STREET_SETTINGS,
};
use crate::rules::{canonical, Device, Existing, Incoming, Reference};

const MIGRATIONS: &[(i64, &str)] = &[
    (
        1,
        include_str!("../../../../migrations/server/sqlite/0001_initial.sql"),
    ),
    (
        2,
        include_str!("../../../../migrations/server/sqlite/0002_pull_by_kind.sql"),
    ),
    (
        3,
        include_str!("../../../../migrations/server/sqlite/0003_document_key.sql"),
    ),
    (
        4,
        include_str!("../../../../migrations/server/sqlite/0004_device_status.sql"),
    ),
    (
        5,
        include_str!("../../../../migrations/server/sqlite/0005_generation.sql"),
    ),
    (
        6,
        include_str!("../../../../migrations/server/sqlite/0006_retired_places.sql"),
    ),
    (
        7,
        include_str!("../../../../migrations/server/sqlite/0007_zones.sql"),
    ),
    (
        8,
        include_str!("../../../../migrations/server/sqlite/0008_signed_reports.sql"),
    ),
    (
        9,
        include_str!("../../../../migrations/server/sqlite/0009_device_complete.sql"),
    ),
    (
        10,
        include_str!("../../../../migrations/server/sqlite/0010_record_kind_event.sql"),
    ),
    (
        11,
        include_str!("../../../../migrations/server/sqlite/0011_device_push.sql"),
    ),
    (
        12,
        include_str!("../../../../migrations/server/sqlite/0012_zone_devices.sql"),
    ),
    (
        13,
        include_str!("../../../../migrations/server/sqlite/0013_report_signing.sql"),
    ),
];

/// The newest schema version of this build.
pub(crate) const SCHEMA_KNOWN: i64 = MIGRATIONS.len() as i64;

fn ts(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Millis, true)
}

fn parse_ts(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s)
        .map(|d| d.with_timezone(&Utc))
        .unwrap_or_default()
}

/// The SQLite backend.
pub struct SqliteDb {
    conn: Arc<Mutex<Connection>>,
}

impl SqliteDb {
    /// Opens (creating) the file.
    pub fn open(path: &Path) -> DbResult<Self> {
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir)
                .map_err(|e| DbError::Backend(format!("{}: {e}", dir.display())))?;
        }
        let conn = Connection::open(path)?;
        conn.busy_timeout(std::time::Duration::from_secs(10))?;
        conn.query_row("PRAGMA journal_mode = WAL", [], |_| Ok(()))?;
        conn.execute_batch(
            "PRAGMA synchronous = FULL; PRAGMA foreign_keys = ON; PRAGMA cache_size = -65536;",
        )?;
        Ok(SqliteDb {
            conn: Arc::new(Mutex::new(conn)),
        })
    }

    async fn run<T: Send + 'static>(
        &self,
        f: impl FnOnce(&mut Connection) -> DbResult<T> + Send + 'static,
    ) -> DbResult<T> {
        let conn = self.conn.clone();
        tokio::task::spawn_blocking(move || {
            let mut guard = conn.lock().unwrap_or_else(|p| p.into_inner());
            f(&mut guard)
        })
        .await
        .map_err(|e| DbError::Backend(e.to_string()))?
    }
}

fn next_seq(tx: &Transaction<'_>) -> DbResult<i64> {
    Ok(tx.query_row("SELECT COALESCE(MAX(seq), 0) FROM record", [], |r| r.get(0))?)
}

/// The community of a compound. Errors: `Invalid` for an unknown compound.
fn compound_community(tx: &Transaction<'_>, compound_id: &str) -> DbResult<String> {
    tx.query_row(
        "SELECT community_code FROM compound WHERE id = ?1",
        [compound_id],
        |r| r.get(0),
    )
    .optional()?
    .ok_or_else(|| DbError::Invalid(format!("unknown compound {compound_id}")))
}

/// Writes reference data (community, compound, checkpoint, zone) into the change stream, placed
/// at `community` and `compound` (a zone at neither: only the street's devices and the zone's own
/// pull it).
fn put_reference(
    tx: &Transaction<'_>,
    kind: ChangeKind,
    id: &str,
    body: serde_json::Value,
    community: Option<&str>,
    compound: Option<&str>,
) -> DbResult<()> {
    let kind = kind.as_str();
    let (text, hash) = canonical(&body);
    let existing: Option<(String, i64, String)> = tx
        .query_row(
            "SELECT hash, version, kind FROM record WHERE id = ?1",
            [id],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .optional()?;
    let seq = next_seq(tx)? + 1;
    let now = ts(Utc::now());
    match existing {
        Some((_, _, k)) if k != kind => return Err(super::id_of_another_kind(id, &k)),
        Some((h, _, _)) if h == hash => {}
        Some((_, v, _)) => {
            tx.execute(
                "UPDATE record SET hash = ?2, body = ?3, version = ?4, seq = ?5, received_at = ?6 WHERE id = ?1",
                params![id, hash, text, v + 1, seq, now],
            )?;
        }
        None => {
            tx.execute(
                "INSERT INTO record (id, kind, seq, version, hash, body, community_code, compound_id, received_at)
                 VALUES (?1, ?2, ?3, 1, ?4, ?5, ?6, ?7, ?8)",
                params![id, kind, seq, hash, text, community, compound, now],
            )?;
        }
    }
    Ok(())
}

fn device_from_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<(Device, Option<String>)> {
    let role: String = r.get(2)?;
    Ok((
        Device {
            id: r.get(0)?,
            name: r.get(1)?,
            role: Role::parse(&role).unwrap_or(Role::Volunteer),
            scope: Scope {
                street: r.get(3)?,
                community: r.get(4)?,
                compound: r.get(5)?,
                checkpoint: r.get(6)?,
                zone: r.get(9)?,
            },
            revoked: r.get::<_, Option<String>>(7)?.is_some(),
        },
        r.get(8)?,
    ))
}

/// Reads what the server holds under `id`.
fn existing_of(tx: &Transaction<'_>, id: &str) -> DbResult<Option<Existing>> {
    Ok(tx
        .prepare_cached(
            "SELECT kind, version, hash, body, seq, community_code, compound_id FROM record WHERE id = ?1",
        )?
        .query_row([id], |r| {
            Ok(Existing {
                kind: r.get(0)?,
                version: r.get(1)?,
                hash: r.get(2)?,
                body: r.get(3)?,
                seq: r.get(4)?,
                community: r.get(5)?,
                compound: r.get(6)?,
            })
        })
        .optional()?)
}

/// One arrival: answers its [`arrival::Questions`], plans it, executes the writes.
fn store_one(
    tx: &Transaction<'_>,
    meta: &PushMeta,
    device: &Device,
    reference: &Reference,
    inc: &Incoming,
    seq: &mut i64,
) -> DbResult<Receipt> {
    let q = arrival::Questions::of(inc);
    let existing = existing_of(tx, q.id)?;
    let target = match q.target {
        Some(id) => existing_of(tx, id)?,
        None => None,
    };
    let document_holder: Option<String> = match q.document_key {
        Some(key) => tx
            .prepare_cached("SELECT id FROM record WHERE document_key = ?1 AND id <> ?2 LIMIT 1")?
            .query_row(params![key, inc.id], |r| r.get(0))
            .optional()?,
        None => None,
    };
    let base: Option<String> = match arrival::Questions::base_version(inc, existing.as_ref()) {
        Some((id, version)) => tx
            .query_row(
                "SELECT body FROM record_version WHERE id = ?1 AND version = ?2",
                params![id, version],
                |r| r.get(0),
            )
            .optional()?,
        None => None,
    };
    let applied_before = match arrival::Questions::applied_before(inc, existing.as_ref()) {
        Some((id, hash, above)) => tx
            .prepare_cached(
                "SELECT EXISTS (SELECT 1 FROM record_version WHERE id = ?1 AND incoming_hash = ?2 AND version > ?3)",
            )?
            .query_row(params![id, hash, above], |r| r.get(0))?,
        None => false,
    };
    let followers: Vec<String> = match arrival::Questions::followers(inc, existing.as_ref()) {
        Some(id) => tx
            .prepare_cached(
                "SELECT id FROM record WHERE kind = 'report_action' AND deleted = 0 AND body LIKE ?1
                   AND body NOT LIKE '%\"kind\":\"reassign\"%' ORDER BY seq",
            )?
            .query_map([format!("%\"report_id\":\"{id}\"%")], |r| r.get(0))?
            .collect::<rusqlite::Result<_>>()?,
        None => Vec::new(),
    };
    let facts = arrival::Facts {
        existing,
        target,
        document_holder,
        base,
        applied_before,
        followers,
    };
    let plan = arrival::plan(inc, meta, device, reference, &facts, seq);
    for w in &plan.writes {
        execute(tx, meta, w)?;
    }
    Ok(plan.receipt)
}

/// Executes one write of an arrival.
fn execute(tx: &Transaction<'_>, meta: &PushMeta, w: &arrival::Write) -> DbResult<()> {
    let received = ts(meta.received_at);
    match w {
        arrival::Write::Insert(r) => {
            tx.prepare_cached(
                "INSERT INTO record (id, kind, seq, version, hash, body, community_code, compound_id, event_at,
                                     device_id, device_time, received_at, clock_flagged, document_key)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)",
            )?
            .execute(params![
                r.id,
                r.kind,
                r.seq,
                r.version,
                r.hash,
                r.body,
                r.community,
                r.compound,
                r.event_at.map(ts),
                meta.device_id,
                r.device_clock.map(|(t, _)| ts(t)),
                received,
                r.device_clock.is_some_and(|(_, flagged)| flagged),
                r.document_key,
            ])?;
        }
        arrival::Write::Update(r) => {
            tx.prepare_cached(
                "UPDATE record SET version = ?2, seq = ?3, hash = ?4, body = ?5, community_code = ?6, compound_id = ?7,
                        device_id = ?8, device_time = ?9, received_at = ?10, clock_flagged = ?11, document_key = ?12
                 WHERE id = ?1",
            )?
            .execute(params![
                r.id,
                r.version,
                r.seq,
                r.hash,
                r.body,
                r.community,
                r.compound,
                meta.device_id,
                r.device_clock.map(|(t, _)| ts(t)),
                received,
                r.device_clock.is_some_and(|(_, flagged)| flagged),
                r.document_key,
            ])?;
        }
        arrival::Write::Replace {
            id,
            seq,
            community,
            compound,
        } => {
            tx.prepare_cached(
                "UPDATE record SET seq = ?2, community_code = ?3, compound_id = ?4 WHERE id = ?1",
            )?
            .execute(params![id, seq, community, compound])?;
        }
        arrival::Write::Version {
            id,
            version,
            body,
            incoming_hash,
        } => {
            tx.prepare_cached(
                "INSERT INTO record_version (id, version, body, incoming_hash) VALUES (?1, ?2, ?3, ?4)",
            )?
            .execute(params![id, version, body, incoming_hash])?;
        }
    }
    Ok(())
}

/// The kinds of place, one writer each (the trait's `put_place` dispatches).
impl SqliteDb {
    async fn put_community(&self, code: &str, name: &str) -> DbResult<()> {
        let (code, name) = (code.to_owned(), name.to_owned());
        self.run(move |conn| {
            let tx = conn.transaction()?;
            let street: String = tx
                .query_row("SELECT code FROM street", [], |r| r.get(0))
                .optional()?
                .ok_or_else(|| {
                    DbError::Invalid("initialise the street first (kadian-server init)".into())
                })?;
            tx.execute(
                "INSERT INTO community (code, street_code, name) VALUES (?1, ?2, ?3)
                 ON CONFLICT (code) DO UPDATE SET name = excluded.name",
                params![code, street, name],
            )?;
            put_reference(
                &tx,
                ChangeKind::Reference(ReferenceKind::Community),
                &code,
                serde_json::to_value(Community {
                    code: code.clone(),
                    name: name.clone(),
                    street: street.clone(),
                })?,
                Some(&code),
                None,
            )?;
            tx.commit()?;
            Ok(())
        })
        .await
    }

    async fn put_compound(&self, community: &str, name: &str) -> DbResult<String> {
        let (community, name) = (community.to_owned(), name.to_owned());
        self.run(move |conn| {
            let tx = conn.transaction()?;
            let known: bool = tx.query_row(
                "SELECT EXISTS (SELECT 1 FROM community WHERE code = ?1)",
                [&community],
                |r| r.get(0),
            )?;
            if !known {
                return Err(DbError::Invalid(format!("unknown community {community}")));
            }
            let existing: Option<(String, Option<String>)> = tx
                .query_row(
                    "SELECT id, retired_at FROM compound WHERE community_code = ?1 AND name = ?2",
                    params![community, name],
                    |r| Ok((r.get(0)?, r.get(1)?)),
                )
                .optional()?;
            let id = match existing {
                Some((id, Some(at))) => {
                    return Err(super::retired_place("compound", &name, &id, parse_ts(&at)))
                }
                Some((id, None)) => id,
                None => {
                    let id = uuid::Uuid::now_v7().to_string();
                    tx.execute(
                        "INSERT INTO compound (id, community_code, name) VALUES (?1, ?2, ?3)",
                        params![id, community, name],
                    )?;
                    id
                }
            };
            put_compound_body(&tx, &id, &name, &community, None)?;
            tx.commit()?;
            Ok(id)
        })
        .await
    }

    /// [`PlaceWrite::Zone`]: the zone found by name or added, its leader and phone set, the
    /// compounds added to it; all or nothing.
    async fn put_zone(
        &self,
        name: &str,
        leader: &str,
        phone: Option<&str>,
        compounds: &[String],
    ) -> DbResult<String> {
        super::check_zone(name, leader)?;
        let (name, leader, phone, compounds) = (
            name.trim().to_owned(),
            leader.trim().to_owned(),
            phone.map(str::to_owned),
            compounds.to_vec(),
        );
        self.run(move |conn| {
            let tx = conn.transaction()?;
            let street: String = tx
                .query_row("SELECT code FROM street", [], |r| r.get(0))
                .optional()?
                .ok_or_else(|| DbError::Invalid("the street is not initialised".into()))?;
            let existing: Option<String> = tx
                .query_row("SELECT id FROM zone WHERE name = ?1", [&name], |r| r.get(0))
                .optional()?;
            let id = match existing {
                Some(id) => {
                    tx.execute(
                        "UPDATE zone SET leader = ?2, phone = COALESCE(?3, phone) WHERE id = ?1",
                        params![id, leader, phone],
                    )?;
                    id
                }
                None => {
                    let id = uuid::Uuid::now_v7().to_string();
                    tx.execute(
                        "INSERT INTO zone (id, street_code, name, leader, phone) VALUES (?1, ?2, ?3, ?4, ?5)",
                        params![id, street, name, leader, phone],
                    )?;
                    id
                }
            };
            for compound in &compounds {
                compound_community(&tx, compound)?;
                let taken: Option<(String, String, String)> = tx
                    .query_row(
                        "SELECT z.id, z.name, c.name FROM zone_compound zc
                         JOIN zone z ON z.id = zc.zone_id JOIN compound c ON c.id = zc.compound_id
                         WHERE zc.compound_id = ?1",
                        [compound],
                        |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
                    )
                    .optional()?;
                match taken {
                    Some((zone, _, _)) if zone == id => {}
                    Some((_, zone, compound_name)) => {
                        return Err(super::zone_taken(&compound_name, compound, &zone))
                    }
                    None => {
                        tx.execute(
                            "INSERT INTO zone_compound (compound_id, zone_id) VALUES (?1, ?2)",
                            params![compound, id],
                        )?;
                    }
                }
            }
            put_zone_body(&tx, &id)?;
            tx.commit()?;
            Ok(id)
        })
        .await
    }

    async fn put_checkpoint(&self, compound_id: &str, name: &str) -> DbResult<String> {
        let (compound_id, name) = (compound_id.to_owned(), name.to_owned());
        self.run(move |conn| {
            let tx = conn.transaction()?;
            let community = compound_community(&tx, &compound_id)?;
            let existing: Option<(String, Option<String>)> = tx
                .query_row(
                    "SELECT id, retired_at FROM checkpoint WHERE compound_id = ?1 AND name = ?2",
                    params![compound_id, name],
                    |r| Ok((r.get(0)?, r.get(1)?)),
                )
                .optional()?;
            let (compound_name, retired): (String, Option<String>) = tx.query_row(
                "SELECT name, retired_at FROM compound WHERE id = ?1",
                [&compound_id],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )?;
            if let Some(at) = retired {
                return Err(super::retired_place(
                    "compound",
                    &compound_name,
                    &compound_id,
                    parse_ts(&at),
                ));
            }
            let id = match existing {
                Some((id, Some(at))) => {
                    return Err(super::retired_place(
                        "checkpoint",
                        &name,
                        &id,
                        parse_ts(&at),
                    ))
                }
                Some((id, None)) => id,
                None => {
                    let id = uuid::Uuid::now_v7().to_string();
                    tx.execute(
                        "INSERT INTO checkpoint (id, compound_id, name) VALUES (?1, ?2, ?3)",
                        params![id, compound_id, name],
                    )?;
                    id
                }
            };
            put_checkpoint_body(&tx, &id, &name, &compound_id, &community, None)?;
            tx.commit()?;
            Ok(id)
        })
        .await
    }
}

impl SqliteDb {
    /// Renames, retires or reinstates a compound or checkpoint ([`PlaceWrite::Rename`],
    /// [`PlaceWrite::Retire`]), in one transaction with its reference body; a compound's
    /// checkpoints follow its retirement (see [`super::place_changed`]).
    async fn change_place(&self, place: &PlaceWrite) -> DbResult<String> {
        let place = place.clone();
        self.run(move |conn| {
            let tx = conn.transaction()?;
            let id = super::place_id(&place).to_owned();
            let row = |sql: &str| {
                tx.query_row(sql, [&id], |r| {
                    Ok((
                        r.get::<_, String>(0)?,
                        r.get::<_, String>(1)?,
                        r.get::<_, Option<String>>(2)?.as_deref().map(parse_ts),
                    ))
                })
                .optional()
            };
            let compound = row("SELECT community_code, name, retired_at FROM compound WHERE id = ?1")?;
            let checkpoint =
                row("SELECT compound_id, name, retired_at FROM checkpoint WHERE id = ?1")?;
            let taken = |e: rusqlite::Error, what: &str, name: &str| match e {
                rusqlite::Error::SqliteFailure(f, _)
                    if f.code == rusqlite::ErrorCode::ConstraintViolation =>
                {
                    DbError::Invalid(format!("{what} {name:?} already exists there"))
                }
                other => other.into(),
            };
            match (compound, checkpoint) {
                (Some((community, name, retired)), _) => {
                    let (name, now_retired) = super::place_changed(&place, name, retired);
                    tx.execute(
                        "UPDATE compound SET name = ?2, retired_at = ?3 WHERE id = ?1",
                        params![id, name, now_retired.map(ts)],
                    )
                    .map_err(|e| taken(e, "a compound named", &name))?;
                    put_compound_body(&tx, &id, &name, &community, now_retired)?;
                    if now_retired != retired {
                        // Its checkpoints follow: those in use retire with it; those it retired
                        // (the same instant) come back with it; one retired on its own stays so.
                        let gates = {
                            let mut stmt = tx.prepare(
                                "SELECT id, name, retired_at, retired_with_compound FROM checkpoint
                                 WHERE compound_id = ?1",
                            )?;
                            let rows = stmt
                                .query_map([&id], |r| {
                                    Ok((
                                        r.get::<_, String>(0)?,
                                        r.get::<_, String>(1)?,
                                        r.get::<_, Option<String>>(2)?.as_deref().map(parse_ts),
                                        r.get::<_, bool>(3)?,
                                    ))
                                })?
                                .collect::<rusqlite::Result<Vec<_>>>()?;
                            rows
                        };
                        for (gate, gate_name, gate_retired, with_compound) in gates {
                            let Some((next, with)) =
                                super::checkpoint_follows(now_retired, gate_retired, with_compound)
                            else {
                                continue;
                            };
                            tx.execute(
                                "UPDATE checkpoint SET retired_at = ?2, retired_with_compound = ?3
                                 WHERE id = ?1",
                                params![gate, next.map(ts), with],
                            )?;
                            put_checkpoint_body(&tx, &gate, &gate_name, &id, &community, next)?;
                        }
                    }
                    if let Some(at) = now_retired {
                        expire_codes(&tx, &id, at)?;
                    }
                }
                (None, Some((compound_id, name, retired))) => {
                    let (name, now_retired) = super::place_changed(&place, name, retired);
                    if now_retired.is_none() && retired.is_some() {
                        let compound_retired: Option<String> = tx.query_row(
                            "SELECT retired_at FROM compound WHERE id = ?1",
                            [&compound_id],
                            |r| r.get(0),
                        )?;
                        if compound_retired.is_some() {
                            return Err(DbError::Invalid(format!(
                                "its compound {compound_id} is retired: reinstate the compound first"
                            )));
                        }
                    }
                    tx.execute(
                        "UPDATE checkpoint SET name = ?2, retired_at = ?3,
                         retired_with_compound = retired_with_compound AND ?3 IS NOT NULL AND ?4
                         WHERE id = ?1",
                        params![id, name, now_retired.map(ts), !matches!(place, PlaceWrite::Retire { .. })],
                    )
                    .map_err(|e| taken(e, "a checkpoint named", &name))?;
                    let community = compound_community(&tx, &compound_id)?;
                    put_checkpoint_body(&tx, &id, &name, &compound_id, &community, now_retired)?;
                    if let Some(at) = now_retired {
                        expire_codes(&tx, &id, at)?;
                    }
                }
                (None, None) => {
                    return Err(DbError::Invalid(format!("no compound or checkpoint {id}")))
                }
            }
            tx.commit()?;
            Ok(id)
        })
        .await
    }
}

/// A compound's reference body into the change stream.
fn put_compound_body(
    tx: &Transaction<'_>,
    id: &str,
    name: &str,
    community: &str,
    retired_at: Option<DateTime<Utc>>,
) -> DbResult<()> {
    put_reference(
        tx,
        ChangeKind::Reference(ReferenceKind::Compound),
        id,
        serde_json::to_value(Compound {
            id: id.to_owned(),
            name: name.to_owned(),
            community: community.to_owned(),
            retired_at,
        })?,
        Some(community),
        Some(id),
    )
}

/// A zone's reference body (its name, leader, phone and compounds, as the tables hold them) into
/// the change stream; unchanged, nothing is written.
fn put_zone_body(tx: &Transaction<'_>, id: &str) -> DbResult<()> {
    let mut zone = tx.query_row(
        "SELECT id, name, leader, phone FROM zone WHERE id = ?1",
        [id],
        |x| {
            Ok(Zone {
                id: x.get(0)?,
                name: x.get(1)?,
                leader: x.get(2)?,
                phone: x.get(3)?,
                compounds: Vec::new(),
            })
        },
    )?;
    let mut stmt = tx.prepare_cached(
        "SELECT compound_id FROM zone_compound WHERE zone_id = ?1 ORDER BY compound_id",
    )?;
    zone.compounds = stmt
        .query_map([id], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    put_reference(
        tx,
        ChangeKind::Reference(ReferenceKind::Zone),
        id,
        serde_json::to_value(&zone)?,
        None,
        None,
    )
}

/// A checkpoint's reference body into the change stream.
fn put_checkpoint_body(
    tx: &Transaction<'_>,
    id: &str,
    name: &str,
    compound: &str,
    community: &str,
    retired_at: Option<DateTime<Utc>>,
) -> DbResult<()> {
    put_reference(
        tx,
        ChangeKind::Reference(ReferenceKind::Checkpoint),
        id,
        serde_json::to_value(Checkpoint {
            id: id.to_owned(),
            name: name.to_owned(),
            compound: compound.to_owned(),
            retired_at,
        })?,
        Some(community),
        Some(compound),
    )
}

/// A retired place's unused enrolment codes expire at its retirement (a volunteer code names
/// its compound too, so a compound takes its checkpoints' codes with it).
fn expire_codes(tx: &Transaction<'_>, place: &str, at: DateTime<Utc>) -> DbResult<()> {
    tx.execute(
        "UPDATE enrol_code SET expires_at = ?2
         WHERE used_at IS NULL AND expires_at > ?2 AND (compound_id = ?1 OR checkpoint_id = ?1)",
        params![place, ts(at)],
    )?;
    Ok(())
}

#[async_trait]
impl super::Database for SqliteDb {
    async fn migrate(&self) -> DbResult<()> {
        self.run(|conn| {
            let current: i64 = conn.query_row("PRAGMA user_version", [], |r| r.get(0))?;
            let known = MIGRATIONS.last().map_or(0, |(v, _)| *v);
            if current > known {
                return Err(super::DbError::TooNew {
                    found: current,
                    known,
                });
            }
            for (version, sql) in MIGRATIONS.iter().filter(|(v, _)| *v > current) {
                tracing::info!(version, "database: applying migration");
                let tx = conn.transaction()?;
                tx.execute_batch(sql)?;
                tx.pragma_update(None, "user_version", version)?;
                tx.commit()?;
            }
            // Zones set before they were reference data reach the change stream (once: an
            // unchanged body writes nothing).
            let tx = conn.transaction()?;
            let zones: Vec<String> = tx
                .prepare("SELECT id FROM zone")?
                .query_map([], |r| r.get(0))?
                .collect::<rusqlite::Result<_>>()?;
            for zone in zones {
                put_zone_body(&tx, &zone)?;
            }
            tx.commit()?;
            Ok(())
        })
        .await
    }

    async fn schema_version(&self) -> DbResult<i64> {
        self.run(|conn| Ok(conn.query_row("PRAGMA user_version", [], |r| r.get(0))?))
            .await
    }

    async fn generation(&self) -> DbResult<Generation> {
        self.run(|conn| current_generation(conn)).await
    }

    async fn new_generation(&self, note: &str, at: DateTime<Utc>) -> DbResult<Generation> {
        let note = note.to_owned();
        self.run(move |conn| {
            let tx = conn.transaction()?;
            tx.execute(
                "INSERT INTO generation (number, id, started_at, note)
                 SELECT COALESCE(MAX(number), 0) + 1, ?1, ?2, ?3 FROM generation",
                params![super::new_generation_id(), ts(at), note],
            )?;
            let g = current_generation(&tx)?;
            tx.commit()?;
            Ok(g)
        })
        .await
    }
}

fn current_generation(conn: &Connection) -> DbResult<Generation> {
    Ok(conn.query_row(
        "SELECT number, id, started_at, note FROM generation ORDER BY number DESC LIMIT 1",
        [],
        |r| {
            Ok(Generation {
                number: r.get(0)?,
                id: r.get(1)?,
                started_at: parse_ts(&r.get::<_, String>(2)?),
                note: r.get(3)?,
            })
        },
    )?)
}

#[async_trait]
impl super::Directory for SqliteDb {
    async fn put_place(&self, place: &PlaceWrite) -> DbResult<String> {
        match place {
            PlaceWrite::Community { code, name } => {
                self.put_community(code, name).await?;
                Ok(code.clone())
            }
            PlaceWrite::Compound { community, name } => self.put_compound(community, name).await,
            PlaceWrite::Checkpoint { compound, name } => self.put_checkpoint(compound, name).await,
            PlaceWrite::Rename { .. } | PlaceWrite::Retire { .. } => self.change_place(place).await,
            PlaceWrite::Zone {
                name,
                leader,
                phone,
                compounds,
            } => {
                self.put_zone(name, leader, phone.as_deref(), compounds)
                    .await
            }
        }
    }

    async fn volunteers(&self) -> DbResult<Vec<Volunteer>> {
        self.run(|conn| {
            let mut stmt = conn.prepare(
                "SELECT body FROM record WHERE kind = 'volunteer' ORDER BY compound_id, id",
            )?;
            let bodies = stmt
                .query_map([], |r| r.get::<_, String>(0))?
                .collect::<rusqlite::Result<Vec<_>>>()?;
            Ok(super::volunteers_of(bodies.iter().map(String::as_str)))
        })
        .await
    }

    async fn enrol_codes(&self) -> DbResult<Vec<EnrolCodeRow>> {
        self.run(|conn| {
            let mut stmt = conn.prepare(
                "SELECT role, street_code, community_code, compound_id, checkpoint_id, created_at, expires_at, used_at, zone_id
                 FROM enrol_code ORDER BY created_at",
            )?;
            let rows = stmt
                .query_map([], |r| {
                    Ok((
                        r.get::<_, String>(0)?,
                        Scope {
                            street: r.get(1)?,
                            community: r.get(2)?,
                            compound: r.get(3)?,
                            checkpoint: r.get(4)?,
                            zone: r.get(8)?,
                        },
                        r.get::<_, String>(5)?,
                        r.get::<_, String>(6)?,
                        r.get::<_, Option<String>>(7)?,
                    ))
                })?
                .collect::<rusqlite::Result<Vec<_>>>()?;
            Ok(rows
                .into_iter()
                .filter_map(|(role, scope, created, expires, used)| {
                    Some(EnrolCodeRow {
                        role: Role::parse(&role)?,
                        scope,
                        created_at: parse_ts(&created),
                        expires_at: parse_ts(&expires),
                        used_at: used.as_deref().map(parse_ts),
                    })
                })
                .collect())
        })
        .await
    }

    async fn init_street(&self, code: &str, name: &str) -> DbResult<()> {
        let (code, name) = (code.to_owned(), name.to_owned());
        self.run(move |conn| {
            let tx = conn.transaction()?;
            let existing: Option<String> = tx
                .query_row("SELECT code FROM street", [], |r| r.get(0))
                .optional()?;
            match existing {
                Some(c) if c != code => {
                    return Err(DbError::Invalid(format!(
                        "this server already serves street {c}"
                    )))
                }
                Some(_) => {
                    tx.execute(
                        "UPDATE street SET name = ?2 WHERE code = ?1",
                        params![code, name],
                    )?;
                }
                None => {
                    tx.execute(
                        "INSERT INTO street (code, name, created_at) VALUES (?1, ?2, ?3)",
                        params![code, name, ts(Utc::now())],
                    )?;
                }
            }
            tx.commit()?;
            Ok(())
        })
        .await
    }

    async fn street(&self) -> DbResult<Option<(String, String)>> {
        self.run(|conn| {
            Ok(conn
                .query_row("SELECT code, name FROM street", [], |r| {
                    Ok((r.get(0)?, r.get(1)?))
                })
                .optional()?)
        })
        .await
    }

    async fn put_volunteer(&self, v: &Volunteer) -> DbResult<()> {
        let body = serde_json::to_value(v)?;
        let (id, compound_id) = (v.id.to_string(), v.compound.clone());
        self.run(move |conn| {
            let tx = conn.transaction()?;
            let community = compound_community(&tx, &compound_id)?;
            put_reference(
                &tx,
                ChangeKind::Record(RecordKind::Volunteer),
                &id,
                body,
                Some(&community),
                Some(&compound_id),
            )?;
            tx.commit()?;
            Ok(())
        })
        .await
    }

    async fn import_places(&self, places: &[(String, String, String)]) -> DbResult<usize> {
        let places = places.to_vec();
        self.run(move |conn| {
            let tx = conn.transaction()?;
            tx.execute("DELETE FROM place", [])?;
            {
                let mut stmt =
                    tx.prepare("INSERT INTO place (code, name, parent) VALUES (?1, ?2, ?3)")?;
                for (c, n, p) in &places {
                    stmt.execute(params![c, n, p])?;
                }
            }
            tx.commit()?;
            Ok(places.len())
        })
        .await
    }

    async fn reference(&self) -> DbResult<Reference> {
        self.run(|conn| {
            let mut r = Reference::default();
            let mut stmt = conn.prepare_cached("SELECT code, name FROM community")?;
            for row in
                stmt.query_map([], |x| Ok((x.get::<_, String>(0)?, x.get::<_, String>(1)?)))?
            {
                let (c, n) = row?;
                r.communities.insert(c, n);
            }
            for (table, parent) in [
                ("compound", "community_code"),
                ("checkpoint", "compound_id"),
            ] {
                let mut stmt = conn.prepare_cached(&format!(
                    "SELECT id, {parent}, name, retired_at FROM {table}"
                ))?;
                for row in stmt.query_map([], |x| {
                    Ok((
                        x.get::<_, String>(0)?,
                        x.get::<_, String>(1)?,
                        x.get::<_, String>(2)?,
                        x.get::<_, Option<String>>(3)?,
                    ))
                })? {
                    let (id, p, n, retired) = row?;
                    if let Some(at) = retired {
                        r.retired.insert(id.clone(), parse_ts(&at));
                    }
                    if table == "compound" {
                        r.compounds.insert(id, (p, n));
                    } else {
                        r.checkpoints.insert(id, (p, n));
                    }
                }
            }
            let mut stmt = conn.prepare_cached("SELECT id, name, leader, phone FROM zone")?;
            for row in stmt.query_map([], |x| {
                Ok(Zone {
                    id: x.get(0)?,
                    name: x.get(1)?,
                    leader: x.get(2)?,
                    phone: x.get(3)?,
                    compounds: Vec::new(),
                })
            })? {
                let zone = row?;
                r.zones.insert(zone.id.clone(), zone);
            }
            let mut stmt = conn.prepare_cached(
                "SELECT compound_id, zone_id FROM zone_compound ORDER BY compound_id",
            )?;
            for row in stmt.query_map([], |x| Ok((x.get(0)?, x.get(1)?)))? {
                let (compound, zone): (String, String) = row?;
                if let Some(z) = r.zones.get_mut(&zone) {
                    z.compounds.push(compound.clone());
                }
                r.zone_of.insert(compound, zone);
            }
            let items: Option<String> = conn
                .query_row(
                    "SELECT body FROM record WHERE id = ?1 AND kind = ?2",
                    params![
                        kadian_domain::records::SupplyItems::ID,
                        ReferenceKind::SupplyItems.as_str()
                    ],
                    |x| x.get(0),
                )
                .optional()?;
            r.supply_items = super::supply_items_of(items.as_deref());
            Ok(r)
        })
        .await
    }

    async fn add_enrol_code(&self, code: &EnrolCode) -> DbResult<()> {
        let code = code.clone();
        self.run(move |conn| {
            conn.execute(
                "INSERT INTO enrol_code (code_hash, role, street_code, community_code, compound_id, checkpoint_id, created_at, expires_at, zone_id)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
                params![
                    code.code_hash,
                    code.role.as_str(),
                    code.scope.street,
                    code.scope.community,
                    code.scope.compound,
                    code.scope.checkpoint,
                    ts(Utc::now()),
                    ts(code.expires_at),
                    code.scope.zone,
                ],
            )?;
            Ok(())
        })
        .await
    }

    async fn enrol(
        &self,
        code_hash: &str,
        device_id: &str,
        name: &str,
        platform: &str,
        token_hash: &str,
        now: DateTime<Utc>,
    ) -> DbResult<Option<Device>> {
        let (code_hash, device_id, name, platform, token_hash) = (
            code_hash.to_owned(),
            device_id.to_owned(),
            name.to_owned(),
            platform.to_owned(),
            token_hash.to_owned(),
        );
        self.run(move |conn| {
            let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
            let now_s = ts(now);
            // Single use: only an unused, unexpired code is taken, in the same transaction.
            let taken = tx.execute(
                "UPDATE enrol_code SET used_at = ?2 WHERE code_hash = ?1 AND used_at IS NULL AND expires_at > ?2",
                params![code_hash, now_s],
            )?;
            if taken == 0 {
                return Ok(None);
            }
            tx.execute(
                "INSERT INTO device (id, name, platform, role, street_code, community_code, compound_id, checkpoint_id, token_hash, enrolled_at, zone_id)
                 SELECT ?2, ?3, ?4, role, street_code, community_code, compound_id, checkpoint_id, ?5, ?6, zone_id FROM enrol_code WHERE code_hash = ?1",
                params![code_hash, device_id, name, platform, token_hash, now_s],
            )?;
            let device = tx.query_row(
                "SELECT id, name, role, street_code, community_code, compound_id, checkpoint_id, revoked_at, NULL, zone_id FROM device WHERE id = ?1",
                [&device_id],
                device_from_row,
            )?;
            tx.commit()?;
            Ok(Some(device.0))
        })
        .await
    }

    async fn device_by_token(
        &self,
        token_hash: &str,
        now: DateTime<Utc>,
    ) -> DbResult<Option<Device>> {
        let token_hash = token_hash.to_owned();
        self.run(move |conn| {
            let found = conn
                .prepare_cached(
                    "SELECT id, name, role, street_code, community_code, compound_id, checkpoint_id, revoked_at, last_seen_at, zone_id
                     FROM device WHERE token_hash = ?1",
                )?
                .query_row([&token_hash], device_from_row)
                .optional()?;
            if let Some((d, last_seen)) = &found {
                // Refresh last_seen at most once a minute: no write on every request.
                let stale = last_seen.as_deref().map(parse_ts).is_none_or(|t| now - t > chrono::Duration::minutes(1));
                if stale && !d.revoked {
                    conn.execute("UPDATE device SET last_seen_at = ?2 WHERE id = ?1", params![d.id, ts(now)])?;
                }
            }
            Ok(found.map(|(d, _)| d))
        })
        .await
    }

    async fn devices(&self) -> DbResult<Vec<DeviceRow>> {
        self.run(|conn| {
            let mut stmt = conn.prepare(
                "SELECT id, name, platform, role, street_code, community_code, compound_id, checkpoint_id, enrolled_at, revoked_at, last_seen_at,
                        status_pending, status_rejected, status_quarantined, status_at, complete_at,
                        last_push_at, status_oldest_pending, zone_id
                 FROM device ORDER BY enrolled_at",
            )?;
            let rows = stmt
                .query_map([], |r| {
                    Ok(DeviceRow {
                        id: r.get(0)?,
                        name: r.get(1)?,
                        platform: r.get(2)?,
                        role: Role::parse(&r.get::<_, String>(3)?).unwrap_or(Role::Volunteer),
                        scope: Scope {
                            street: r.get(4)?,
                            community: r.get(5)?,
                            compound: r.get(6)?,
                            checkpoint: r.get(7)?,
                            zone: r.get(18)?,
                        },
                        enrolled_at: parse_ts(&r.get::<_, String>(8)?),
                        revoked_at: r.get::<_, Option<String>>(9)?.as_deref().map(parse_ts),
                        last_seen_at: r.get::<_, Option<String>>(10)?.as_deref().map(parse_ts),
                        status: match (r.get(11)?, r.get(12)?, r.get(13)?) {
                            (Some(pending), Some(rejected), Some(quarantined)) => Some(DeviceStatus {
                                pending,
                                rejected,
                                quarantined,
                                oldest_pending: r
                                    .get::<_, Option<String>>(17)?
                                    .as_deref()
                                    .map(parse_ts),
                            }),
                            _ => None,
                        },
                        status_at: r.get::<_, Option<String>>(14)?.as_deref().map(parse_ts),
                        complete_at: r.get::<_, Option<String>>(15)?.as_deref().map(parse_ts),
                        last_push_at: r.get::<_, Option<String>>(16)?.as_deref().map(parse_ts),
                    })
                })?
                .collect::<rusqlite::Result<Vec<_>>>()?;
            Ok(rows)
        })
        .await
    }

    async fn note_status(
        &self,
        device_id: &str,
        status: &DeviceStatus,
        at: DateTime<Utc>,
    ) -> DbResult<()> {
        let (id, s) = (device_id.to_owned(), *status);
        self.run(move |conn| {
            // Written when it changed, or at most once a minute (like last_seen_at): a pull
            // stays a read.
            conn.execute(
                "UPDATE device SET status_pending = ?2, status_rejected = ?3, status_quarantined = ?4, status_at = ?5,
                        complete_at = CASE WHEN ?2 = 0 THEN ?5 ELSE complete_at END,
                        status_oldest_pending = ?7
                 WHERE id = ?1 AND revoked_at IS NULL
                   AND (status_pending IS NOT ?2 OR status_rejected IS NOT ?3 OR status_quarantined IS NOT ?4
                        OR status_oldest_pending IS NOT ?7
                        OR status_at IS NULL OR status_at < ?6)",
                params![
                    id,
                    s.pending,
                    s.rejected,
                    s.quarantined,
                    ts(at),
                    ts(at - chrono::Duration::minutes(1)),
                    s.oldest_pending.map(ts)
                ],
            )?;
            Ok(())
        })
        .await
    }

    async fn note_push(&self, device_id: &str, at: DateTime<Utc>) -> DbResult<()> {
        let id = device_id.to_owned();
        self.run(move |conn| {
            conn.execute(
                "UPDATE device SET last_push_at = ?2
                 WHERE id = ?1 AND (last_push_at IS NULL OR last_push_at < ?3)",
                params![id, ts(at), ts(at - chrono::Duration::minutes(1))],
            )?;
            Ok(())
        })
        .await
    }

    async fn sign_report(&self, report: &super::SignedReport) -> DbResult<bool> {
        let r = report.clone();
        self.run(move |conn| {
            Ok(conn.execute(
                "INSERT INTO signed_report (date, signer, signed_at, hash, body)
                 VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT (date) DO NOTHING",
                params![r.date, r.signer, ts(r.signed_at), r.hash, r.body],
            )? == 1)
        })
        .await
    }

    async fn put_signer(&self, name: &str, pin_hash: &str) -> DbResult<()> {
        let (name, pin_hash) = (name.to_owned(), pin_hash.to_owned());
        self.run(move |conn| {
            conn.execute(
                "INSERT INTO report_signer (name, pin_hash, added_at) VALUES (?1, ?2, ?3)
                 ON CONFLICT (name) DO UPDATE SET pin_hash = excluded.pin_hash",
                params![name, pin_hash, ts(Utc::now())],
            )?;
            Ok(())
        })
        .await
    }

    async fn signer_pin(&self, name: &str) -> DbResult<Option<String>> {
        let name = name.to_owned();
        self.run(move |conn| {
            Ok(conn
                .query_row(
                    "SELECT pin_hash FROM report_signer WHERE name = ?1",
                    [&name],
                    |r| r.get(0),
                )
                .optional()?)
        })
        .await
    }

    async fn signers(&self) -> DbResult<Vec<String>> {
        self.run(|conn| {
            Ok(conn
                .prepare("SELECT name FROM report_signer ORDER BY added_at, name")?
                .query_map([], |r| r.get(0))?
                .collect::<rusqlite::Result<_>>()?)
        })
        .await
    }

    async fn setting(&self, key: &str) -> DbResult<Option<String>> {
        let key = key.to_owned();
        self.run(move |conn| {
            Ok(conn
                .query_row("SELECT value FROM setting WHERE key = ?1", [&key], |r| {
                    r.get(0)
                })
                .optional()?)
        })
        .await
    }

    async fn observation_setting(&self) -> DbResult<Option<ObservationSetting>> {
        self.run(|conn| {
            let body: Option<String> = conn
                .query_row(
                    "SELECT body FROM record WHERE id = ?1 AND kind = ?2",
                    params![
                        ObservationSetting::ID,
                        ReferenceKind::ObservationPolicy.as_str()
                    ],
                    |r| r.get(0),
                )
                .optional()?;
            Ok(body.map(|b| serde_json::from_str(&b)).transpose()?)
        })
        .await
    }

    async fn street_reference(&self, kind: ReferenceKind, id: &str) -> DbResult<Option<String>> {
        let id = id.to_owned();
        self.run(move |conn| {
            Ok(conn
                .query_row(
                    "SELECT body FROM record WHERE id = ?1 AND kind = ?2",
                    params![id, kind.as_str()],
                    |r| r.get(0),
                )
                .optional()?)
        })
        .await
    }

    async fn put_street_reference(
        &self,
        kind: ReferenceKind,
        id: &str,
        body: serde_json::Value,
    ) -> DbResult<()> {
        let id = id.to_owned();
        self.run(move |conn| {
            let tx = conn.transaction()?;
            put_reference(&tx, ChangeKind::Reference(kind), &id, body, None, None)?;
            tx.commit()?;
            Ok(())
        })
        .await
    }

    async fn put_observation_setting(&self, setting: &ObservationSetting) -> DbResult<()> {
        let body = serde_json::to_value(setting)?;
        self.run(move |conn| {
            let tx = conn.transaction()?;
            put_reference(
                &tx,
                ChangeKind::Reference(ReferenceKind::ObservationPolicy),
                ObservationSetting::ID,
                body,
                None,
                None,
            )?;
            tx.commit()?;
            Ok(())
        })
        .await
    }

    async fn set_setting(&self, key: &str, value: &str) -> DbResult<()> {
        let (key, value) = (key.to_owned(), value.to_owned());
        self.run(move |conn| {
            conn.execute(
                "INSERT INTO setting (key, value) VALUES (?1, ?2)
                 ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                params![key, value],
            )?;
            Ok(())
        })
        .await
    }

    async fn signed_report(&self, date: &str) -> DbResult<Option<super::SignedReport>> {
        let date = date.to_owned();
        self.run(move |conn| {
            Ok(conn
                .query_row(
                    "SELECT date, signer, signed_at, hash, body FROM signed_report WHERE date = ?1",
                    [&date],
                    |r| {
                        Ok(super::SignedReport {
                            date: r.get(0)?,
                            signer: r.get(1)?,
                            signed_at: parse_ts(&r.get::<_, String>(2)?),
                            hash: r.get(3)?,
                            body: r.get(4)?,
                        })
                    },
                )
                .optional()?)
        })
        .await
    }

    async fn revoke(&self, id: &str, now: DateTime<Utc>) -> DbResult<bool> {
        let id = id.to_owned();
        self.run(move |conn| {
            Ok(conn.execute(
                "UPDATE device SET revoked_at = COALESCE(revoked_at, ?2) WHERE id = ?1",
                params![id, ts(now)],
            )? > 0)
        })
        .await
    }
}

#[async_trait]
impl super::Records for SqliteDb {
    async fn store(
        &self,
        meta: &PushMeta,
        device: &Device,
        reference: Arc<Reference>,
        records: Vec<Result<Incoming, Receipt>>,
    ) -> DbResult<Vec<Receipt>> {
        let meta = meta.clone();
        let device = device.clone();
        self.run(move |conn| {
            let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
            let mut seq = next_seq(&tx)?;
            let mut receipts = Vec::with_capacity(records.len());
            for item in records {
                match item {
                    Err(r) => receipts.push(r),
                    Ok(inc) => {
                        // Each record on its own: a failure rolls back only this record.
                        tx.execute_batch("SAVEPOINT one")?;
                        let seq_before = seq;
                        match store_one(&tx, &meta, &device, &reference, &inc, &mut seq) {
                            Ok(r) => {
                                tx.execute_batch("RELEASE one")?;
                                receipts.push(r);
                            }
                            Err(e) => {
                                tx.execute_batch("ROLLBACK TO one; RELEASE one")?;
                                seq = seq_before;
                                tracing::warn!(id = %inc.id, error = %e, "record not stored");
                                receipts.push(arrival::storage_failed(&inc.id));
                            }
                        }
                    }
                }
            }
            tx.commit()?;
            Ok(receipts)
        })
        .await
    }

    async fn pull(
        &self,
        filter: &PullFilter,
        cursor: i64,
        limit: i64,
    ) -> DbResult<(Vec<Change>, i64, bool)> {
        let filter = filter.clone();
        self.run(move |conn| {
            let since = filter.events_since.map(ts);
            let cols = "SELECT kind, id, version, deleted, body, seq FROM record";
            let (sql, args): (String, Vec<Box<dyn rusqlite::ToSql>>) = match (&filter.zone, &filter.community, &filter.compound) {
                // A zone: its compounds' records (a range scan each, sorted), their communities'
                // own records, and the zone.
                (Some(zone), _, _) => {
                    (
                        format!(
                            "SELECT * FROM ({cols} WHERE compound_id IN (SELECT value FROM json_each(?2)) AND seq > ?1 AND {}
                                    ORDER BY seq LIMIT ?5)
                             UNION ALL
                             SELECT * FROM ({cols} WHERE kind = 'community' AND seq > ?1
                                    AND community_code IN (SELECT value FROM json_each(?3)) ORDER BY seq LIMIT ?5)
                             UNION ALL
                             SELECT * FROM ({cols} WHERE kind = 'zone' AND id = ?4 AND seq > ?1)
                             UNION ALL
                             SELECT * FROM ({cols} WHERE kind IN ({STREET_SETTINGS}) AND seq > ?1)
                             ORDER BY seq LIMIT ?5",
                            not_own_events("?6")
                        ),
                        vec![
                            Box::new(cursor),
                            Box::new(serde_json::to_string(&zone.compounds)?),
                            Box::new(serde_json::to_string(&zone.communities)?),
                            Box::new(zone.id.clone()),
                            Box::new(limit + 1),
                            Box::new(filter.device_id.clone()),
                        ],
                    )
                }
                (None, _, Some(compound)) => (
                    // Two range scans (the compound's records by (compound_id, seq); its
                    // community's own record by (kind, seq)), merged by seq.
                    format!(
                        "SELECT * FROM ({cols} WHERE compound_id = ?2 AND seq > ?1 AND {}
                                AND (event_at IS NULL OR ?4 IS NULL OR event_at >= ?4 OR kind IN ({CASE_EVENTS})) ORDER BY seq LIMIT ?5)
                         UNION ALL
                         SELECT * FROM ({cols} WHERE kind = 'community' AND seq > ?1 AND community_code = ?3
                                ORDER BY seq LIMIT ?5)
                         UNION ALL
                         SELECT * FROM ({cols} WHERE kind IN ({STREET_SETTINGS}) AND seq > ?1)
                         ORDER BY seq LIMIT ?5",
                        not_own_events("?6")
                    ),
                    vec![Box::new(cursor), Box::new(compound.clone()), Box::new(filter.community.clone()), Box::new(since), Box::new(limit + 1), Box::new(filter.device_id.clone())],
                ),
                (None, Some(community), None) => (
                    // The community's records, and the street's observation setting (placed
                    // nowhere), merged by seq.
                    format!(
                        "SELECT * FROM ({cols} WHERE community_code = ?1 AND seq > ?2 AND {} ORDER BY seq LIMIT ?3)
                         UNION ALL
                         SELECT * FROM ({cols} WHERE kind IN ({STREET_SETTINGS}) AND seq > ?2)
                         ORDER BY seq LIMIT ?3",
                        not_own_events("?4")
                    ),
                    vec![Box::new(community.clone()), Box::new(cursor), Box::new(limit + 1), Box::new(filter.device_id.clone())],
                ),
                (None, None, None) => (
                    format!("{cols} WHERE seq > ?1 AND {} ORDER BY seq LIMIT ?2", not_own_events("?3")),
                    vec![Box::new(cursor), Box::new(limit + 1), Box::new(filter.device_id.clone())],
                ),
            };
            // The newest record before the page is read: one committed after it (another
            // process, such as `zone add`, writes this file too) is never skipped below.
            let newest: i64 = conn.query_row("SELECT coalesce(max(seq), 0) FROM record", [], |r| r.get(0))?;
            let mut stmt = conn.prepare_cached(&sql)?;
            let params: Vec<&dyn rusqlite::ToSql> = args.iter().map(|b| b.as_ref()).collect();
            let rows = stmt
                .query_map(params.as_slice(), |r| {
                    let body: String = r.get(4)?;
                    Ok((
                        Change {
                            kind: r.get(0)?,
                            id: r.get(1)?,
                            version: r.get(2)?,
                            deleted: r.get(3)?,
                            body: serde_json::from_str(&body).unwrap_or(serde_json::Value::Null),
                        },
                        r.get::<_, i64>(5)?,
                        body.len(),
                    ))
                })?
                .collect::<rusqlite::Result<Vec<_>>>()?;
            let (rows, last, more) = cut_page(rows, limit);
            let mut next = last.unwrap_or(cursor);
            if !more {
                // Everything in scope up to the newest record was sent: move the cursor past the
                // records left out (the device's own events, others' scope) so the next pull
                // does not read them again.
                next = next.max(newest);
            }
            Ok((rows, next, more))
        })
        .await
    }

    async fn head(&self) -> DbResult<i64> {
        self.run(|conn| {
            Ok(conn.query_row("SELECT COALESCE(MAX(seq), 0) FROM record", [], |r| r.get(0))?)
        })
        .await
    }

    async fn report_records(
        &self,
        events_from: DateTime<Utc>,
        events_to: DateTime<Utc>,
    ) -> DbResult<Vec<super::PlacedRecord>> {
        self.run(move |conn| {
            let mut stmt = conn.prepare(&format!(
                // One branch per index (kind and time; kind and sequence): an OR of the two
                // would scan every record of the street.
                "SELECT kind, body, community_code, compound_id, seq FROM record
                 WHERE kind IN ('passage', 'temperature_reading', 'shift_event') AND event_at >= ?1
                   AND event_at < ?2 AND deleted = 0
                 UNION ALL
                 SELECT kind, body, community_code, compound_id, seq FROM record
                 WHERE kind IN ({}) AND deleted = 0
                 ORDER BY seq",
                super::REPORT_WHOLE_KINDS
            ))?;
            let rows = stmt
                .query_map(params![ts(events_from), ts(events_to)], |r| {
                    Ok(super::PlacedRecord {
                        kind: r.get(0)?,
                        body: r.get(1)?,
                        community: r.get(2)?,
                        compound: r.get(3)?,
                    })
                })?
                .collect::<rusqlite::Result<Vec<_>>>()?;
            Ok(rows)
        })
        .await
    }

    async fn coverage_records(
        &self,
        events_from: DateTime<Utc>,
        events_to: DateTime<Utc>,
        visits_to: DateTime<Utc>,
        sink: &mut (dyn FnMut(super::PlacedRecord) + Send),
    ) -> DbResult<()> {
        let rows = self
            .run(move |conn| {
                // A walk-in's passage accounts for nobody: left out here (the body is the server's
                // own canonical JSON, where an absent person is `"person_id":null`).
                let mut stmt = conn.prepare(&format!(
                    // One branch per index, in no order (coverage needs none).
                    "SELECT kind, body, community_code, compound_id FROM record
                 WHERE kind IN ({}) AND deleted = 0
                 UNION ALL
                 SELECT kind, body, community_code, compound_id FROM record
                 WHERE kind IN ('passage', 'screening') AND event_at >= ?1 AND event_at < ?2
                   AND deleted = 0 AND body NOT LIKE '%\"person_id\":null%'
                 UNION ALL
                 SELECT kind, body, community_code, compound_id FROM record
                 WHERE kind IN ('follow_up_visit', 'household_visit') AND event_at >= ?1
                   AND event_at < ?3 AND deleted = 0",
                    super::COVERAGE_WHOLE_KINDS
                ))?;
                let rows = stmt
                    .query_map(
                        params![ts(events_from), ts(events_to), ts(visits_to)],
                        |r| {
                            Ok(super::PlacedRecord {
                                kind: r.get(0)?,
                                body: r.get(1)?,
                                community: r.get(2)?,
                                compound: r.get(3)?,
                            })
                        },
                    )?
                    .collect::<rusqlite::Result<Vec<_>>>()?;
                Ok(rows)
            })
            .await?;
        rows.into_iter().for_each(sink);
        Ok(())
    }

    async fn count(&self, kind: &str) -> DbResult<i64> {
        let kind = kind.to_owned();
        self.run(move |conn| {
            Ok(conn.query_row(
                "SELECT count(*) FROM record WHERE kind = ?1",
                [&kind],
                |r| r.get(0),
            )?)
        })
        .await
    }

    async fn clocked_records(&self, kinds: &[&str]) -> DbResult<Vec<super::ClockedRecord>> {
        let kinds: Vec<String> = kinds.iter().map(|k| (*k).to_owned()).collect();
        self.run(move |conn| {
            let list = serde_json::to_string(&kinds).unwrap_or_else(|_| "[]".into());
            let mut stmt = conn.prepare(
                "SELECT kind, body, community_code, compound_id, device_time, received_at, clock_flagged, version
                 FROM record WHERE kind IN (SELECT value FROM json_each(?1)) AND deleted = 0 ORDER BY seq",
            )?;
            let rows = stmt
                .query_map([list], |r| {
                    Ok(super::ClockedRecord {
                        kind: r.get(0)?,
                        body: r.get(1)?,
                        community: r.get(2)?,
                        compound: r.get(3)?,
                        device_time: r.get::<_, Option<String>>(4)?.as_deref().map(parse_ts),
                        received_at: parse_ts(&r.get::<_, String>(5)?),
                        clock_flagged: r.get::<_, i64>(6)? != 0,
                        version: r.get(7)?,
                    })
                })?
                .collect::<rusqlite::Result<Vec<_>>>()?;
            Ok(rows)
        })
        .await
    }

    async fn flagged(&self) -> DbResult<Vec<(String, DateTime<Utc>, DateTime<Utc>)>> {
        self.run(|conn| {
            let mut stmt = conn.prepare("SELECT id, device_time, received_at FROM record WHERE clock_flagged = 1 ORDER BY seq")?;
            let rows = stmt
                .query_map([], |r| {
                    Ok((r.get::<_, String>(0)?, parse_ts(&r.get::<_, String>(1)?), parse_ts(&r.get::<_, String>(2)?)))
                })?
                .collect::<rusqlite::Result<Vec<_>>>()?;
            Ok(rows)
        })
        .await
    }
}
