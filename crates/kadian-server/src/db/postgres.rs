//! The production backend: PostgreSQL through tokio-postgres. Pushes serialise on the change
//! counter's row lock, so the order of `seq` is the order of commits and a pull cursor never
//! skips a record committed late.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use kadian_domain::observation::ObservationSetting;
use kadian_domain::places::{Checkpoint, Community, Compound, PlaceWrite, Zone};
use kadian_domain::records::Volunteer;
use kadian_domain::records::{ChangeKind, RecordKind, ReferenceKind};
use kadian_domain::sync::{Change, DeviceStatus, Receipt, Role, Scope};
use tokio::sync::Mutex;
use tokio_postgres::{Client, GenericClient, NoTls, Row};

use super::{
    arrival, cut_page, not_own_events, DbError, DbResult, DeviceRow, EnrolCode, EnrolCodeRow,
    Generation, PullFilter, PushMeta, CASE_EVENTS, STREET_SETTINGS,
};
use crate::rules::{canonical, Device, Existing, Incoming, Reference};
use std::sync::Arc;

const MIGRATIONS: &[(i32, &str)] = &[
    (
        1,
        include_str!("../../../../migrations/server/postgres/0001_initial.sql"),
    ),
    (
        2,
        include_str!("../../../../migrations/server/postgres/0002_pull_by_kind.sql"),
    ),
    (
        3,
        include_str!("../../../../migrations/server/postgres/0003_document_key.sql"),
    ),
    (
        4,
        include_str!("../../../../migrations/server/postgres/0004_device_status.sql"),
    ),
    (
        5,
        include_str!("../../../../migrations/server/postgres/0005_generation.sql"),
    ),
    (
        6,
        include_str!("../../../../migrations/server/postgres/0006_retired_places.sql"),
    ),
    (
        7,
        include_str!("../../../../migrations/server/postgres/0007_zones.sql"),
    ),
    (
        8,
        include_str!("../../../../migrations/server/postgres/0008_signed_reports.sql"),
    ),
    (
        9,
        include_str!("../../../../migrations/server/postgres/0009_device_complete.sql"),
    ),
    (
        10,
        include_str!("../../../../migrations/server/postgres/0010_record_kind_event.sql"),
    ),
    (
        11,
        include_str!("../../../../migrations/server/postgres/0011_device_push.sql"),
    ),
    (
        12,
        include_str!("../../../../migrations/server/postgres/0012_zone_devices.sql"),
    ),
    (
        13,
        include_str!("../../../../migrations/server/postgres/0013_report_signing.sql"),
    ),
];

/// The PostgreSQL backend: one connection, shared under a lock (pushes serialise on the change
/// counter anyway, §7 of docs/sync-protocol.md). A lost connection (PostgreSQL restarted, the
/// network dropped) is opened again by the next request: the request that met the loss fails
/// (a 500 the device retries), the ones after it work.
pub struct PgDb {
    client: Mutex<Client>,
    url: String,
}

async fn open(url: &str) -> DbResult<Client> {
    let (client, connection) = tokio_postgres::connect(url, NoTls).await?;
    tokio::spawn(async move {
        if let Err(e) = connection.await {
            tracing::error!(error = %super::pg_reason(&e), "PostgreSQL connection lost");
        }
    });
    // PostgreSQL's NOTICEs ("relation already exists, skipping" on every start) are not news.
    client
        .batch_execute("SET client_min_messages TO warning")
        .await?;
    Ok(client)
}

impl PgDb {
    /// Connects to `url` (`postgres://user@host:port/db`).
    pub async fn connect(url: &str) -> DbResult<Self> {
        Ok(PgDb {
            client: Mutex::new(open(url).await?),
            url: url.to_owned(),
        })
    }

    /// The connection, opened again first if it was lost.
    async fn conn(&self) -> DbResult<tokio::sync::MutexGuard<'_, Client>> {
        let mut client = self.client.lock().await;
        if client.is_closed() {
            *client = open(&self.url).await?;
            tracing::warn!("PostgreSQL connection opened again");
        }
        Ok(client)
    }
}

/// The community of a compound. Errors: `Invalid` for an unknown compound.
async fn compound_community<C: GenericClient>(tx: &C, compound_id: &str) -> DbResult<String> {
    tx.query_opt(
        "SELECT community_code FROM compound WHERE id = $1",
        &[&compound_id],
    )
    .await?
    .map(|r| r.get(0))
    .ok_or_else(|| DbError::Invalid(format!("unknown compound {compound_id}")))
}

async fn lock_seq<C: GenericClient>(tx: &C) -> DbResult<i64> {
    Ok(tx
        .query_one(
            "SELECT value FROM kadian_meta WHERE key = 'seq' FOR UPDATE",
            &[],
        )
        .await?
        .get(0))
}

async fn save_seq<C: GenericClient>(tx: &C, seq: i64) -> DbResult<()> {
    tx.execute(
        "UPDATE kadian_meta SET value = $1 WHERE key = 'seq'",
        &[&seq],
    )
    .await?;
    Ok(())
}

async fn put_reference<C: GenericClient>(
    tx: &C,
    kind: ChangeKind,
    id: &str,
    body: serde_json::Value,
    community: Option<&str>,
    compound: Option<&str>,
) -> DbResult<()> {
    let kind = kind.as_str();
    let (text, hash) = canonical(&body);
    let existing = tx
        .query_opt(
            "SELECT hash, version, kind FROM record WHERE id = $1",
            &[&id],
        )
        .await?;
    let seq = lock_seq(tx).await? + 1;
    let now = Utc::now();
    match existing {
        Some(r) if r.get::<_, String>(2) != kind => {
            return Err(super::id_of_another_kind(id, &r.get::<_, String>(2)))
        }
        Some(r) if r.get::<_, String>(0) == hash => return Ok(()),
        Some(r) => {
            let v: i64 = r.get(1);
            tx.execute(
                "UPDATE record SET hash = $2, body = $3, version = $4, seq = $5, received_at = $6 WHERE id = $1",
                &[&id, &hash, &text, &(v + 1), &seq, &now],
            )
            .await?;
        }
        None => {
            tx.execute(
                "INSERT INTO record (id, kind, seq, version, hash, body, community_code, compound_id, received_at)
                 VALUES ($1, $2, $3, 1, $4, $5, $6, $7, $8)",
                &[&id, &kind, &seq, &hash, &text, &community, &compound, &now],
            )
            .await?;
        }
    }
    save_seq(tx, seq).await
}

fn device_from_row(r: &Row) -> Device {
    Device {
        id: r.get(0),
        name: r.get(1),
        role: Role::parse(r.get(2)).unwrap_or(Role::Volunteer),
        scope: Scope {
            street: r.get(3),
            community: r.get(4),
            compound: r.get(5),
            checkpoint: r.get(6),
            zone: r.get(9),
        },
        revoked: r.get::<_, Option<DateTime<Utc>>>(7).is_some(),
    }
}

const DEVICE_COLS: &str = "id, name, role, street_code, community_code, compound_id, checkpoint_id, revoked_at, last_seen_at, zone_id";

/// Reads what the server holds under `id`.
async fn existing_of<C: GenericClient>(tx: &C, id: &str) -> DbResult<Option<Existing>> {
    Ok(tx
        .query_opt(
            "SELECT kind, version, hash, body, seq, community_code, compound_id FROM record WHERE id = $1",
            &[&id],
        )
        .await?
        .map(|r| Existing {
            kind: r.get(0),
            version: r.get(1),
            hash: r.get(2),
            body: r.get(3),
            seq: r.get(4),
            community: r.get(5),
            compound: r.get(6),
        }))
}

/// One arrival: answers its [`arrival::Questions`], plans it, executes the writes.
async fn store_one<C: GenericClient>(
    tx: &C,
    meta: &PushMeta,
    device: &Device,
    reference: &Reference,
    inc: &Incoming,
    seq: &mut i64,
) -> DbResult<Receipt> {
    let q = arrival::Questions::of(inc);
    let existing = existing_of(tx, q.id).await?;
    let target = match q.target {
        Some(id) => existing_of(tx, id).await?,
        None => None,
    };
    let document_holder: Option<String> = match q.document_key {
        Some(key) => tx
            .query_opt(
                "SELECT id FROM record WHERE document_key = $1 AND id <> $2 LIMIT 1",
                &[&key, &inc.id],
            )
            .await?
            .map(|r| r.get(0)),
        None => None,
    };
    let base: Option<String> = match arrival::Questions::base_version(inc, existing.as_ref()) {
        Some((id, version)) => tx
            .query_opt(
                "SELECT body FROM record_version WHERE id = $1 AND version = $2",
                &[&id, &version],
            )
            .await?
            .map(|r| r.get(0)),
        None => None,
    };
    let applied_before = match arrival::Questions::applied_before(inc, existing.as_ref()) {
        Some((id, hash, above)) => tx
            .query_opt(
                "SELECT 1 FROM record_version WHERE id = $1 AND incoming_hash = $2 AND version > $3",
                &[&id, &hash, &above],
            )
            .await?
            .is_some(),
        None => false,
    };
    let followers: Vec<String> = match arrival::Questions::followers(inc, existing.as_ref()) {
        Some(id) => tx
            .query(
                "SELECT id FROM record WHERE kind = 'report_action' AND NOT deleted AND body LIKE $1
                   AND body NOT LIKE '%\"kind\":\"reassign\"%' ORDER BY seq",
                &[&format!("%\"report_id\":\"{id}\"%")],
            )
            .await?
            .iter()
            .map(|r| r.get(0))
            .collect(),
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
        execute(tx, meta, w).await?;
    }
    Ok(plan.receipt)
}

/// Executes one write of an arrival.
async fn execute<C: GenericClient>(tx: &C, meta: &PushMeta, w: &arrival::Write) -> DbResult<()> {
    match w {
        arrival::Write::Insert(r) => {
            tx.execute(
                "INSERT INTO record (id, kind, seq, version, hash, body, community_code, compound_id, event_at,
                                     device_id, device_time, received_at, clock_flagged, document_key)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)",
                &[
                    &r.id,
                    &r.kind,
                    &r.seq,
                    &r.version,
                    &r.hash,
                    &r.body,
                    &r.community,
                    &r.compound,
                    &r.event_at,
                    &meta.device_id,
                    &r.device_clock.map(|(t, _)| t),
                    &meta.received_at,
                    &r.device_clock.is_some_and(|(_, flagged)| flagged),
                    &r.document_key,
                ],
            )
            .await?;
        }
        arrival::Write::Update(r) => {
            tx.execute(
                "UPDATE record SET version = $2, seq = $3, hash = $4, body = $5, community_code = $6, compound_id = $7,
                        device_id = $8, device_time = $9, received_at = $10, clock_flagged = $11, document_key = $12
                 WHERE id = $1",
                &[
                    &r.id,
                    &r.version,
                    &r.seq,
                    &r.hash,
                    &r.body,
                    &r.community,
                    &r.compound,
                    &meta.device_id,
                    &r.device_clock.map(|(t, _)| t),
                    &meta.received_at,
                    &r.device_clock.is_some_and(|(_, flagged)| flagged),
                    &r.document_key,
                ],
            )
            .await?;
        }
        arrival::Write::Replace {
            id,
            seq,
            community,
            compound,
        } => {
            tx.execute(
                "UPDATE record SET seq = $2, community_code = $3, compound_id = $4 WHERE id = $1",
                &[id, seq, community, compound],
            )
            .await?;
        }
        arrival::Write::Version {
            id,
            version,
            body,
            incoming_hash,
        } => {
            tx.execute(
                "INSERT INTO record_version (id, version, body, incoming_hash) VALUES ($1, $2, $3, $4)",
                &[id, version, body, incoming_hash],
            )
            .await?;
        }
    }
    Ok(())
}

/// New records of a batch, gathered for one multi-row insert.
#[derive(Default)]
struct NewRows {
    rows: Vec<arrival::RecordRow>,
    /// Entities (persons) also get their first version in `record_version`: `(id, body, hash)`.
    versions: Vec<(String, String, String)>,
}

impl NewRows {
    /// Gathers the writes of an arrival planned with nothing stored (inserts only).
    fn gather(&mut self, writes: Vec<arrival::Write>) {
        for w in writes {
            match w {
                arrival::Write::Insert(r) => {
                    // The multi-row insert writes version 1 and the push's clock for every row.
                    debug_assert!(r.version == 1 && r.device_clock.is_some());
                    self.rows.push(r)
                }
                arrival::Write::Version {
                    id,
                    body,
                    incoming_hash,
                    ..
                } => self.versions.push((id, body, incoming_hash)),
                // Nothing is stored under a new id: there is nothing to update or move.
                arrival::Write::Update(_) | arrival::Write::Replace { .. } => {
                    debug_assert!(false, "an update of a new id")
                }
            }
        }
    }

    /// Inserts the gathered rows (and the first version of each entity) in two statements, one
    /// round trip each, and empties the gathering.
    async fn flush(
        &mut self,
        tx: &tokio_postgres::Transaction<'_>,
        meta: &PushMeta,
    ) -> DbResult<()> {
        if self.rows.is_empty() {
            return Ok(());
        }
        let col =
            |f: fn(&arrival::RecordRow) -> &str| -> Vec<&str> { self.rows.iter().map(f).collect() };
        let opt = |f: fn(&arrival::RecordRow) -> Option<&str>| -> Vec<Option<&str>> {
            self.rows.iter().map(f).collect()
        };
        let seq: Vec<i64> = self.rows.iter().map(|r| r.seq).collect();
        let event_at: Vec<Option<DateTime<Utc>>> = self.rows.iter().map(|r| r.event_at).collect();
        tx.execute(
            "INSERT INTO record (id, kind, seq, version, hash, body, community_code, compound_id, event_at,
                                 device_id, device_time, received_at, clock_flagged, document_key)
             SELECT id, kind, seq, 1, hash, body, community_code, compound_id, event_at, $9, $10, $11, $12, document_key
             FROM UNNEST($1::text[], $2::text[], $3::bigint[], $4::text[], $5::text[], $6::text[], $7::text[],
                         $8::timestamptz[], $13::text[])
                  AS t(id, kind, seq, hash, body, community_code, compound_id, event_at, document_key)",
            &[
                &col(|r| &r.id),
                &col(|r| r.kind),
                &seq,
                &col(|r| &r.hash),
                &col(|r| &r.body),
                &opt(|r| r.community.as_deref()),
                &opt(|r| r.compound.as_deref()),
                &event_at,
                &meta.device_id,
                &meta.device_time,
                &meta.received_at,
                &meta.clock_flagged,
                &opt(|r| r.document_key.as_deref()),
            ],
        )
        .await?;
        if !self.versions.is_empty() {
            let pick = |f: fn(&(String, String, String)) -> &str| -> Vec<&str> {
                self.versions.iter().map(f).collect()
            };
            tx.execute(
                "INSERT INTO record_version (id, version, body, incoming_hash)
                 SELECT id, 1, body, hash FROM UNNEST($1::text[], $2::text[], $3::text[]) AS t(id, body, hash)",
                &[&pick(|v| &v.0), &pick(|v| &v.1), &pick(|v| &v.2)],
            )
            .await?;
        }
        *self = NewRows::default();
        Ok(())
    }
}

/// The batch in one transaction: ids the server has not seen are gathered and inserted with one
/// multi-row statement; the rest go through [`store_one`] (the gathered rows are written first,
/// so a record repeated within the batch is seen as a duplicate).
async fn store_fast(
    client: &mut Client,
    meta: &PushMeta,
    device: &Device,
    reference: &Reference,
    records: &[Result<Incoming, Receipt>],
) -> DbResult<Vec<Receipt>> {
    let tx = client.transaction().await?;
    let mut seq = lock_seq(&tx).await?;
    let ids: Vec<&str> = records
        .iter()
        .filter_map(|r| r.as_ref().ok())
        .map(|i| i.id.as_str())
        .collect();
    let known: std::collections::HashSet<String> = tx
        .query("SELECT id FROM record WHERE id = ANY($1)", &[&ids])
        .await?
        .iter()
        .map(|r| r.get(0))
        .collect();
    // Document numbers already held: such a person goes through the full arrival logic.
    let keys: Vec<&str> = records
        .iter()
        .filter_map(|r| r.as_ref().ok())
        .filter_map(|i| i.document_key.as_deref())
        .collect();
    let mut held: std::collections::HashSet<String> = if keys.is_empty() {
        Default::default()
    } else {
        tx.query(
            "SELECT document_key FROM record WHERE document_key = ANY($1)",
            &[&keys],
        )
        .await?
        .iter()
        .map(|r| r.get(0))
        .collect()
    };
    let mut seen = std::collections::HashSet::new();
    let mut seen_keys = std::collections::HashSet::new();
    let mut new_rows = NewRows::default();
    let mut receipts = Vec::with_capacity(records.len());
    for item in records {
        match item {
            Err(r) => receipts.push(r.clone()),
            // New, placed by its own body (not a correction, which is placed with its target),
            // and with a document number nobody holds.
            Ok(inc)
                if !known.contains(&inc.id)
                    && inc.target.is_none()
                    && inc
                        .document_key
                        .as_deref()
                        .is_none_or(|k| !held.contains(k) && seen_keys.insert(k))
                    && seen.insert(inc.id.as_str()) =>
            {
                // The same arrival logic as every other record, with nothing stored under the
                // id (a tablet's UUIDv5 id, say, is refused here too).
                let plan = arrival::plan(
                    inc,
                    meta,
                    device,
                    reference,
                    &arrival::Facts::default(),
                    &mut seq,
                );
                new_rows.gather(plan.writes);
                receipts.push(plan.receipt);
            }
            Ok(inc) => {
                new_rows.flush(&tx, meta).await?;
                receipts.push(store_one(&tx, meta, device, reference, inc, &mut seq).await?);
                // A number this record may now hold is held for the rest of the batch.
                if let Some(k) = &inc.document_key {
                    held.insert(k.clone());
                }
            }
        }
    }
    new_rows.flush(&tx, meta).await?;
    save_seq(&tx, seq).await?;
    tx.commit().await?;
    Ok(receipts)
}

/// The kinds of place, one writer each (the trait's `put_place` dispatches).
impl PgDb {
    async fn put_community(&self, code: &str, name: &str) -> DbResult<()> {
        let mut client = self.conn().await?;
        let tx = client.transaction().await?;
        let street: String = tx
            .query_opt("SELECT code FROM street", &[])
            .await?
            .map(|r| r.get(0))
            .ok_or_else(|| {
                DbError::Invalid("initialise the street first (kadian-server init)".into())
            })?;
        tx.execute(
            "INSERT INTO community (code, street_code, name) VALUES ($1, $2, $3)
             ON CONFLICT (code) DO UPDATE SET name = excluded.name",
            &[&code, &street, &name],
        )
        .await?;
        put_reference(
            &tx,
            ChangeKind::Reference(ReferenceKind::Community),
            code,
            serde_json::to_value(Community {
                code: code.to_owned(),
                name: name.to_owned(),
                street: street.to_owned(),
            })?,
            Some(code),
            None,
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    async fn put_compound(&self, community: &str, name: &str) -> DbResult<String> {
        let mut client = self.conn().await?;
        let tx = client.transaction().await?;
        if tx
            .query_opt("SELECT 1 FROM community WHERE code = $1", &[&community])
            .await?
            .is_none()
        {
            return Err(DbError::Invalid(format!("unknown community {community}")));
        }
        let id = match tx
            .query_opt(
                "SELECT id, retired_at FROM compound WHERE community_code = $1 AND name = $2",
                &[&community, &name],
            )
            .await?
        {
            Some(r) => {
                let id: String = r.get(0);
                if let Some(at) = r.get::<_, Option<DateTime<Utc>>>(1) {
                    return Err(super::retired_place("compound", name, &id, at));
                }
                id
            }
            None => {
                let id = uuid::Uuid::now_v7().to_string();
                tx.execute(
                    "INSERT INTO compound (id, community_code, name) VALUES ($1, $2, $3)",
                    &[&id, &community, &name],
                )
                .await?;
                id
            }
        };
        put_compound_body(&tx, &id, name, community, None).await?;
        tx.commit().await?;
        Ok(id)
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
        let (name, leader) = (name.trim(), leader.trim());
        let mut client = self.conn().await?;
        let tx = client.transaction().await?;
        let street: String = tx
            .query_opt("SELECT code FROM street", &[])
            .await?
            .map(|r| r.get(0))
            .ok_or_else(|| DbError::Invalid("the street is not initialised".into()))?;
        let id = match tx
            .query_opt("SELECT id FROM zone WHERE name = $1", &[&name])
            .await?
        {
            Some(r) => {
                let id: String = r.get(0);
                tx.execute(
                    "UPDATE zone SET leader = $2, phone = COALESCE($3, phone) WHERE id = $1",
                    &[&id, &leader, &phone],
                )
                .await?;
                id
            }
            None => {
                let id = uuid::Uuid::now_v7().to_string();
                tx.execute(
                    "INSERT INTO zone (id, street_code, name, leader, phone) VALUES ($1, $2, $3, $4, $5)",
                    &[&id, &street, &name, &leader, &phone],
                )
                .await?;
                id
            }
        };
        for compound in compounds {
            compound_community(&tx, compound).await?;
            let taken = tx
                .query_opt(
                    "SELECT z.id, z.name, c.name FROM zone_compound zc
                     JOIN zone z ON z.id = zc.zone_id JOIN compound c ON c.id = zc.compound_id
                     WHERE zc.compound_id = $1",
                    &[compound],
                )
                .await?;
            match taken {
                Some(r) if r.get::<_, String>(0) == id => {}
                Some(r) => {
                    return Err(super::zone_taken(
                        &r.get::<_, String>(2),
                        compound,
                        &r.get::<_, String>(1),
                    ))
                }
                None => {
                    tx.execute(
                        "INSERT INTO zone_compound (compound_id, zone_id) VALUES ($1, $2)",
                        &[compound, &id],
                    )
                    .await?;
                }
            }
        }
        put_zone_body(&tx, &id).await?;
        tx.commit().await?;
        Ok(id)
    }

    async fn put_checkpoint(&self, compound_id: &str, name: &str) -> DbResult<String> {
        let mut client = self.conn().await?;
        let tx = client.transaction().await?;
        let community = compound_community(&tx, compound_id).await?;
        let row = tx
            .query_one(
                "SELECT name, retired_at FROM compound WHERE id = $1",
                &[&compound_id],
            )
            .await?;
        if let Some(at) = row.get::<_, Option<DateTime<Utc>>>(1) {
            let compound_name: String = row.get(0);
            return Err(super::retired_place(
                "compound",
                &compound_name,
                compound_id,
                at,
            ));
        }
        let id = match tx
            .query_opt(
                "SELECT id, retired_at FROM checkpoint WHERE compound_id = $1 AND name = $2",
                &[&compound_id, &name],
            )
            .await?
        {
            Some(r) => {
                let id: String = r.get(0);
                if let Some(at) = r.get::<_, Option<DateTime<Utc>>>(1) {
                    return Err(super::retired_place("checkpoint", name, &id, at));
                }
                id
            }
            None => {
                let id = uuid::Uuid::now_v7().to_string();
                tx.execute(
                    "INSERT INTO checkpoint (id, compound_id, name) VALUES ($1, $2, $3)",
                    &[&id, &compound_id, &name],
                )
                .await?;
                id
            }
        };
        put_checkpoint_body(&tx, &id, name, compound_id, &community, None).await?;
        tx.commit().await?;
        Ok(id)
    }
}

impl PgDb {
    /// Renames, retires or reinstates a compound or checkpoint, as the SQLite backend's
    /// `change_place` does.
    async fn change_place(&self, place: &PlaceWrite) -> DbResult<String> {
        let mut client = self.conn().await?;
        let tx = client.transaction().await?;
        let id = super::place_id(place);
        let taken = |e: tokio_postgres::Error, what: &str, name: &str| {
            if e.code() == Some(&tokio_postgres::error::SqlState::UNIQUE_VIOLATION) {
                DbError::Invalid(format!("{what} {name:?} already exists there"))
            } else {
                e.into()
            }
        };
        if let Some(row) = tx
            .query_opt(
                "SELECT community_code, name, retired_at FROM compound WHERE id = $1 FOR UPDATE",
                &[&id],
            )
            .await?
        {
            let community: String = row.get(0);
            let retired: Option<DateTime<Utc>> = row.get(2);
            let (name, now_retired) = super::place_changed(place, row.get(1), retired);
            tx.execute(
                "UPDATE compound SET name = $2, retired_at = $3 WHERE id = $1",
                &[&id, &name, &now_retired],
            )
            .await
            .map_err(|e| taken(e, "a compound named", &name))?;
            put_compound_body(&tx, id, &name, &community, now_retired).await?;
            if now_retired != retired {
                for gate in tx
                    .query(
                        "SELECT id, name, retired_at, retired_with_compound FROM checkpoint
                         WHERE compound_id = $1 ORDER BY id",
                        &[&id],
                    )
                    .await?
                {
                    let Some((next, with)) =
                        super::checkpoint_follows(now_retired, gate.get(2), gate.get(3))
                    else {
                        continue;
                    };
                    let gate_id: String = gate.get(0);
                    tx.execute(
                        "UPDATE checkpoint SET retired_at = $2, retired_with_compound = $3
                         WHERE id = $1",
                        &[&gate_id, &next, &with],
                    )
                    .await?;
                    put_checkpoint_body(&tx, &gate_id, gate.get(1), id, &community, next).await?;
                }
            }
            if let Some(at) = now_retired {
                expire_codes(&tx, id, at).await?;
            }
        } else if let Some(row) = tx
            .query_opt(
                "SELECT compound_id, name, retired_at FROM checkpoint WHERE id = $1 FOR UPDATE",
                &[&id],
            )
            .await?
        {
            let compound_id: String = row.get(0);
            let retired: Option<DateTime<Utc>> = row.get(2);
            let (name, now_retired) = super::place_changed(place, row.get(1), retired);
            if now_retired.is_none() && retired.is_some() {
                let compound_retired: Option<DateTime<Utc>> = tx
                    .query_one(
                        "SELECT retired_at FROM compound WHERE id = $1",
                        &[&compound_id],
                    )
                    .await?
                    .get(0);
                if compound_retired.is_some() {
                    return Err(DbError::Invalid(format!(
                        "its compound {compound_id} is retired: reinstate the compound first"
                    )));
                }
            }
            tx.execute(
                "UPDATE checkpoint SET name = $2, retired_at = $3,
                 retired_with_compound = retired_with_compound AND $3::timestamptz IS NOT NULL AND $4
                 WHERE id = $1",
                &[&id, &name, &now_retired, &!matches!(place, PlaceWrite::Retire { .. })],
            )
            .await
            .map_err(|e| taken(e, "a checkpoint named", &name))?;
            let community = compound_community(&tx, &compound_id).await?;
            put_checkpoint_body(&tx, id, &name, &compound_id, &community, now_retired).await?;
            if let Some(at) = now_retired {
                expire_codes(&tx, id, at).await?;
            }
        } else {
            return Err(DbError::Invalid(format!("no compound or checkpoint {id}")));
        }
        tx.commit().await?;
        Ok(id.to_owned())
    }
}

/// A compound's reference body into the change stream.
async fn put_compound_body<C: GenericClient>(
    tx: &C,
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
    .await
}

/// A zone's reference body (its name, leader, phone and compounds, as the tables hold them) into
/// the change stream; unchanged, nothing is written.
async fn put_zone_body<C: GenericClient>(tx: &C, id: &str) -> DbResult<()> {
    let row = tx
        .query_one(
            "SELECT id, name, leader, phone FROM zone WHERE id = $1",
            &[&id],
        )
        .await?;
    let compounds = tx
        .query(
            "SELECT compound_id FROM zone_compound WHERE zone_id = $1 ORDER BY compound_id COLLATE \"C\"",
            &[&id],
        )
        .await?
        .iter()
        .map(|r| r.get(0))
        .collect();
    let zone = Zone {
        id: row.get(0),
        name: row.get(1),
        leader: row.get(2),
        phone: row.get(3),
        compounds,
    };
    put_reference(
        tx,
        ChangeKind::Reference(ReferenceKind::Zone),
        id,
        serde_json::to_value(&zone)?,
        None,
        None,
    )
    .await
}

/// A checkpoint's reference body into the change stream.
async fn put_checkpoint_body<C: GenericClient>(
    tx: &C,
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
    .await
}

/// A retired place's unused enrolment codes expire at its retirement.
async fn expire_codes<C: GenericClient>(tx: &C, place: &str, at: DateTime<Utc>) -> DbResult<()> {
    tx.execute(
        "UPDATE enrol_code SET expires_at = $2
         WHERE used_at IS NULL AND expires_at > $2 AND (compound_id = $1 OR checkpoint_id = $1)",
        &[&place, &at],
    )
    .await?;
    Ok(())
}

#[async_trait]
impl super::Database for PgDb {
    async fn migrate(&self) -> DbResult<()> {
        let mut client = self.conn().await?;
        client
            .batch_execute("CREATE TABLE IF NOT EXISTS kadian_schema (version INTEGER NOT NULL)")
            .await?;
        let current: i32 = client
            .query_one("SELECT COALESCE(MAX(version), 0) FROM kadian_schema", &[])
            .await?
            .get(0);
        let known = MIGRATIONS.last().map_or(0, |(v, _)| *v);
        if current > known {
            return Err(super::DbError::TooNew {
                found: i64::from(current),
                known: i64::from(known),
            });
        }
        for (version, sql) in MIGRATIONS.iter().filter(|(v, _)| *v > current) {
            tracing::info!(version, "database: applying migration");
            let tx = client.transaction().await?;
            tx.batch_execute(sql).await?;
            tx.execute(
                "INSERT INTO kadian_schema (version) VALUES ($1)",
                &[version],
            )
            .await?;
            tx.commit().await?;
        }
        // Zones set before they were reference data reach the change stream (once: an unchanged
        // body writes nothing).
        let tx = client.transaction().await?;
        let zones: Vec<String> = tx
            .query("SELECT id FROM zone", &[])
            .await?
            .iter()
            .map(|r| r.get(0))
            .collect();
        for zone in &zones {
            put_zone_body(&tx, zone).await?;
        }
        tx.commit().await?;
        Ok(())
    }

    async fn schema_version(&self) -> DbResult<i64> {
        let client = self.conn().await?;
        let v: i32 = client
            .query_one("SELECT COALESCE(MAX(version), 0) FROM kadian_schema", &[])
            .await?
            .get(0);
        Ok(i64::from(v))
    }

    async fn generation(&self) -> DbResult<Generation> {
        let client = self.conn().await?;
        current_generation(&*client).await
    }

    async fn new_generation(&self, note: &str, at: DateTime<Utc>) -> DbResult<Generation> {
        let mut client = self.conn().await?;
        let tx = client.transaction().await?;
        // One restore at a time: the numbers stay 1, 2, 3, … even if two ran at once.
        tx.batch_execute("LOCK TABLE generation IN EXCLUSIVE MODE")
            .await?;
        tx.execute(
            "INSERT INTO generation (number, id, started_at, note)
             SELECT COALESCE(MAX(number), 0) + 1, $1, $2, $3 FROM generation",
            &[&super::new_generation_id(), &at, &note],
        )
        .await?;
        let g = current_generation(&tx).await?;
        tx.commit().await?;
        Ok(g)
    }
}

async fn current_generation(client: &impl tokio_postgres::GenericClient) -> DbResult<Generation> {
    let row = client
        .query_one(
            "SELECT number, id, started_at, note FROM generation ORDER BY number DESC LIMIT 1",
            &[],
        )
        .await?;
    Ok(Generation {
        number: i64::from(row.get::<_, i32>(0)),
        id: row.get(1),
        started_at: row.get(2),
        note: row.get(3),
    })
}

#[async_trait]
impl super::Directory for PgDb {
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
        let client = self.conn().await?;
        let rows = client
            .query(
                "SELECT body FROM record WHERE kind = 'volunteer' ORDER BY compound_id, id",
                &[],
            )
            .await?;
        let bodies: Vec<String> = rows.iter().map(|r| r.get(0)).collect();
        Ok(super::volunteers_of(bodies.iter().map(String::as_str)))
    }

    async fn enrol_codes(&self) -> DbResult<Vec<EnrolCodeRow>> {
        let client = self.conn().await?;
        let rows = client
            .query(
                "SELECT role, street_code, community_code, compound_id, checkpoint_id, created_at, expires_at, used_at, zone_id
                 FROM enrol_code ORDER BY created_at",
                &[],
            )
            .await?;
        Ok(rows
            .iter()
            .filter_map(|r| {
                Some(EnrolCodeRow {
                    role: Role::parse(r.get::<_, &str>(0))?,
                    scope: Scope {
                        street: r.get(1),
                        community: r.get(2),
                        compound: r.get(3),
                        checkpoint: r.get(4),
                        zone: r.get(8),
                    },
                    created_at: r.get(5),
                    expires_at: r.get(6),
                    used_at: r.get(7),
                })
            })
            .collect())
    }

    async fn init_street(&self, code: &str, name: &str) -> DbResult<()> {
        let mut client = self.conn().await?;
        let tx = client.transaction().await?;
        match tx
            .query_opt("SELECT code FROM street", &[])
            .await?
            .map(|r| r.get::<_, String>(0))
        {
            Some(c) if c != code => {
                return Err(DbError::Invalid(format!(
                    "this server already serves street {c}"
                )))
            }
            Some(_) => {
                tx.execute(
                    "UPDATE street SET name = $2 WHERE code = $1",
                    &[&code, &name],
                )
                .await?;
            }
            None => {
                tx.execute(
                    "INSERT INTO street (code, name, created_at) VALUES ($1, $2, $3)",
                    &[&code, &name, &Utc::now()],
                )
                .await?;
            }
        }
        tx.commit().await?;
        Ok(())
    }

    async fn street(&self) -> DbResult<Option<(String, String)>> {
        let client = self.conn().await?;
        Ok(client
            .query_opt("SELECT code, name FROM street", &[])
            .await?
            .map(|r| (r.get(0), r.get(1))))
    }

    async fn put_volunteer(&self, v: &Volunteer) -> DbResult<()> {
        let mut client = self.conn().await?;
        let tx = client.transaction().await?;
        let community = compound_community(&tx, &v.compound).await?;
        put_reference(
            &tx,
            ChangeKind::Record(RecordKind::Volunteer),
            &v.id.to_string(),
            serde_json::to_value(v)?,
            Some(&community),
            Some(&v.compound),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    async fn import_places(&self, places: &[(String, String, String)]) -> DbResult<usize> {
        let mut client = self.conn().await?;
        let tx = client.transaction().await?;
        tx.execute("DELETE FROM place", &[]).await?;
        let stmt = tx
            .prepare("INSERT INTO place (code, name, parent) VALUES ($1, $2, $3)")
            .await?;
        for (c, n, p) in places {
            tx.execute(&stmt, &[c, n, p]).await?;
        }
        tx.commit().await?;
        Ok(places.len())
    }

    async fn reference(&self) -> DbResult<Reference> {
        let client = self.conn().await?;
        let mut r = Reference::default();
        for row in client
            .query("SELECT code, name FROM community", &[])
            .await?
        {
            r.communities.insert(row.get(0), row.get(1));
        }
        for row in client
            .query(
                "SELECT id, community_code, name, retired_at FROM compound",
                &[],
            )
            .await?
        {
            if let Some(at) = row.get::<_, Option<DateTime<Utc>>>(3) {
                r.retired.insert(row.get(0), at);
            }
            r.compounds.insert(row.get(0), (row.get(1), row.get(2)));
        }
        for row in client
            .query(
                "SELECT id, compound_id, name, retired_at FROM checkpoint",
                &[],
            )
            .await?
        {
            if let Some(at) = row.get::<_, Option<DateTime<Utc>>>(3) {
                r.retired.insert(row.get(0), at);
            }
            r.checkpoints.insert(row.get(0), (row.get(1), row.get(2)));
        }
        for row in client
            .query("SELECT id, name, leader, phone FROM zone", &[])
            .await?
        {
            let zone = Zone {
                id: row.get(0),
                name: row.get(1),
                leader: row.get(2),
                phone: row.get(3),
                compounds: Vec::new(),
            };
            r.zones.insert(zone.id.clone(), zone);
        }
        for row in client
            .query(
                "SELECT compound_id, zone_id FROM zone_compound ORDER BY compound_id COLLATE \"C\"",
                &[],
            )
            .await?
        {
            let (compound, zone): (String, String) = (row.get(0), row.get(1));
            if let Some(z) = r.zones.get_mut(&zone) {
                z.compounds.push(compound.clone());
            }
            r.zone_of.insert(compound, zone);
        }
        let items = client
            .query_opt(
                "SELECT body FROM record WHERE id = $1 AND kind = $2",
                &[
                    &kadian_domain::records::SupplyItems::ID,
                    &ReferenceKind::SupplyItems.as_str(),
                ],
            )
            .await?
            .map(|row| row.get::<_, String>(0));
        r.supply_items = super::supply_items_of(items.as_deref());
        Ok(r)
    }

    async fn add_enrol_code(&self, code: &EnrolCode) -> DbResult<()> {
        let client = self.conn().await?;
        client
            .execute(
                "INSERT INTO enrol_code (code_hash, role, street_code, community_code, compound_id, checkpoint_id, created_at, expires_at, zone_id)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
                &[
                    &code.code_hash,
                    &code.role.as_str(),
                    &code.scope.street,
                    &code.scope.community,
                    &code.scope.compound,
                    &code.scope.checkpoint,
                    &Utc::now(),
                    &code.expires_at,
                    &code.scope.zone,
                ],
            )
            .await?;
        Ok(())
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
        let mut client = self.conn().await?;
        let tx = client.transaction().await?;
        let taken = tx
            .execute(
                "UPDATE enrol_code SET used_at = $2 WHERE code_hash = $1 AND used_at IS NULL AND expires_at > $2",
                &[&code_hash, &now],
            )
            .await?;
        if taken == 0 {
            return Ok(None);
        }
        tx.execute(
            "INSERT INTO device (id, name, platform, role, street_code, community_code, compound_id, checkpoint_id, token_hash, enrolled_at, zone_id)
             SELECT $2, $3, $4, role, street_code, community_code, compound_id, checkpoint_id, $5, $6, zone_id FROM enrol_code WHERE code_hash = $1",
            &[&code_hash, &device_id, &name, &platform, &token_hash, &now],
        )
        .await?;
        let row = tx
            .query_one(
                &format!("SELECT {DEVICE_COLS} FROM device WHERE id = $1"),
                &[&device_id],
            )
            .await?;
        tx.commit().await?;
        Ok(Some(device_from_row(&row)))
    }

    async fn device_by_token(
        &self,
        token_hash: &str,
        now: DateTime<Utc>,
    ) -> DbResult<Option<Device>> {
        let client = self.conn().await?;
        let Some(row) = client
            .query_opt(
                &format!("SELECT {DEVICE_COLS} FROM device WHERE token_hash = $1"),
                &[&token_hash],
            )
            .await?
        else {
            return Ok(None);
        };
        let d = device_from_row(&row);
        let last: Option<DateTime<Utc>> = row.get(8);
        if !d.revoked && last.is_none_or(|t| now - t > chrono::Duration::minutes(1)) {
            client
                .execute(
                    "UPDATE device SET last_seen_at = $2 WHERE id = $1",
                    &[&d.id, &now],
                )
                .await?;
        }
        Ok(Some(d))
    }

    async fn devices(&self) -> DbResult<Vec<DeviceRow>> {
        let client = self.conn().await?;
        let rows = client
            .query(
                "SELECT id, name, platform, role, street_code, community_code, compound_id, checkpoint_id, enrolled_at, revoked_at, last_seen_at,
                        status_pending, status_rejected, status_quarantined, status_at, complete_at,
                        last_push_at, status_oldest_pending, zone_id
                 FROM device ORDER BY enrolled_at",
                &[],
            )
            .await?;
        Ok(rows
            .iter()
            .map(|r| DeviceRow {
                id: r.get(0),
                name: r.get(1),
                platform: r.get(2),
                role: Role::parse(r.get(3)).unwrap_or(Role::Volunteer),
                scope: Scope {
                    street: r.get(4),
                    community: r.get(5),
                    compound: r.get(6),
                    checkpoint: r.get(7),
                    zone: r.get(18),
                },
                enrolled_at: r.get(8),
                revoked_at: r.get(9),
                last_seen_at: r.get(10),
                status: match (r.get(11), r.get(12), r.get(13)) {
                    (Some(pending), Some(rejected), Some(quarantined)) => Some(DeviceStatus {
                        pending,
                        rejected,
                        quarantined,
                        oldest_pending: r.get(17),
                    }),
                    _ => None,
                },
                status_at: r.get(14),
                complete_at: r.get(15),
                last_push_at: r.get(16),
            })
            .collect())
    }

    async fn note_status(
        &self,
        device_id: &str,
        status: &DeviceStatus,
        at: DateTime<Utc>,
    ) -> DbResult<()> {
        let client = self.conn().await?;
        client
            .execute(
                // The WHERE clause is read before the SET list: its parameters carry their types.
                "UPDATE device SET status_pending = $2, status_rejected = $3, status_quarantined = $4, status_at = $5,
                        complete_at = CASE WHEN $2 = 0 THEN $5 ELSE complete_at END,
                        status_oldest_pending = $6
                 WHERE id = $1 AND revoked_at IS NULL
                   AND (status_pending IS DISTINCT FROM $2 OR status_rejected IS DISTINCT FROM $3
                        OR status_quarantined IS DISTINCT FROM $4
                        OR status_oldest_pending IS DISTINCT FROM $6::timestamptz
                        OR status_at IS NULL OR status_at < $5::timestamptz - interval '1 minute')",
                &[
                    &device_id,
                    &status.pending,
                    &status.rejected,
                    &status.quarantined,
                    &at,
                    &status.oldest_pending,
                ],
            )
            .await?;
        Ok(())
    }

    async fn note_push(&self, device_id: &str, at: DateTime<Utc>) -> DbResult<()> {
        let client = self.conn().await?;
        client
            .execute(
                "UPDATE device SET last_push_at = $2
                 WHERE id = $1 AND (last_push_at IS NULL OR last_push_at < $2::timestamptz - interval '1 minute')",
                &[&device_id, &at],
            )
            .await?;
        Ok(())
    }

    async fn sign_report(&self, report: &super::SignedReport) -> DbResult<bool> {
        let client = self.conn().await?;
        let signed_at = report
            .signed_at
            .to_rfc3339_opts(chrono::SecondsFormat::Millis, true);
        Ok(client
            .execute(
                "INSERT INTO signed_report (date, signer, signed_at, hash, body)
                 VALUES ($1, $2, $3, $4, $5) ON CONFLICT (date) DO NOTHING",
                &[
                    &report.date,
                    &report.signer,
                    &signed_at,
                    &report.hash,
                    &report.body,
                ],
            )
            .await?
            == 1)
    }

    async fn put_signer(&self, name: &str, pin_hash: &str) -> DbResult<()> {
        let client = self.conn().await?;
        let now = Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true);
        client
            .execute(
                "INSERT INTO report_signer (name, pin_hash, added_at) VALUES ($1, $2, $3)
                 ON CONFLICT (name) DO UPDATE SET pin_hash = excluded.pin_hash",
                &[&name, &pin_hash, &now],
            )
            .await?;
        Ok(())
    }

    async fn signer_pin(&self, name: &str) -> DbResult<Option<String>> {
        let client = self.conn().await?;
        Ok(client
            .query_opt(
                "SELECT pin_hash FROM report_signer WHERE name = $1",
                &[&name],
            )
            .await?
            .map(|r| r.get(0)))
    }

    async fn signers(&self) -> DbResult<Vec<String>> {
        let client = self.conn().await?;
        Ok(client
            .query(
                "SELECT name FROM report_signer ORDER BY added_at, name",
                &[],
            )
            .await?
            .iter()
            .map(|r| r.get(0))
            .collect())
    }

    async fn setting(&self, key: &str) -> DbResult<Option<String>> {
        let client = self.conn().await?;
        Ok(client
            .query_opt("SELECT value FROM setting WHERE key = $1", &[&key])
            .await?
            .map(|r| r.get(0)))
    }

    async fn observation_setting(&self) -> DbResult<Option<ObservationSetting>> {
        let client = self.conn().await?;
        let row = client
            .query_opt(
                "SELECT body FROM record WHERE id = $1 AND kind = $2",
                &[
                    &ObservationSetting::ID,
                    &ReferenceKind::ObservationPolicy.as_str(),
                ],
            )
            .await?;
        Ok(row
            .map(|r| serde_json::from_str(r.get::<_, &str>(0)))
            .transpose()?)
    }

    async fn street_reference(&self, kind: ReferenceKind, id: &str) -> DbResult<Option<String>> {
        let client = self.conn().await?;
        let row = client
            .query_opt(
                "SELECT body FROM record WHERE id = $1 AND kind = $2",
                &[&id, &kind.as_str()],
            )
            .await?;
        Ok(row.map(|r| r.get::<_, String>(0)))
    }

    async fn put_street_reference(
        &self,
        kind: ReferenceKind,
        id: &str,
        body: serde_json::Value,
    ) -> DbResult<()> {
        let mut client = self.conn().await?;
        let tx = client.transaction().await?;
        put_reference(&tx, ChangeKind::Reference(kind), id, body, None, None).await?;
        tx.commit().await?;
        Ok(())
    }

    async fn put_observation_setting(&self, setting: &ObservationSetting) -> DbResult<()> {
        let mut client = self.conn().await?;
        let tx = client.transaction().await?;
        put_reference(
            &tx,
            ChangeKind::Reference(ReferenceKind::ObservationPolicy),
            ObservationSetting::ID,
            serde_json::to_value(setting)?,
            None,
            None,
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    async fn set_setting(&self, key: &str, value: &str) -> DbResult<()> {
        let client = self.conn().await?;
        client
            .execute(
                "INSERT INTO setting (key, value) VALUES ($1, $2)
                 ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                &[&key, &value],
            )
            .await?;
        Ok(())
    }

    async fn signed_report(&self, date: &str) -> DbResult<Option<super::SignedReport>> {
        let client = self.conn().await?;
        Ok(client
            .query_opt(
                "SELECT date, signer, signed_at, hash, body FROM signed_report WHERE date = $1",
                &[&date],
            )
            .await?
            .map(|r| super::SignedReport {
                date: r.get(0),
                signer: r.get(1),
                signed_at: chrono::DateTime::parse_from_rfc3339(&r.get::<_, String>(2))
                    .map(|t| t.with_timezone(&Utc))
                    .unwrap_or_default(),
                hash: r.get(3),
                body: r.get(4),
            }))
    }

    async fn revoke(&self, id: &str, now: DateTime<Utc>) -> DbResult<bool> {
        let client = self.conn().await?;
        Ok(client
            .execute(
                "UPDATE device SET revoked_at = COALESCE(revoked_at, $2) WHERE id = $1",
                &[&id, &now],
            )
            .await?
            > 0)
    }
}

#[async_trait]
impl super::Records for PgDb {
    async fn store(
        &self,
        meta: &PushMeta,
        device: &Device,
        reference: Arc<Reference>,
        records: Vec<Result<Incoming, Receipt>>,
    ) -> DbResult<Vec<Receipt>> {
        let mut client = self.conn().await?;
        // Fast path: the whole batch in one transaction, new records inserted with one prepared
        // statement each. Should anything fail, it is rolled back and the batch goes again record
        // by record, each in a savepoint, so one bad record never fails the others.
        match store_fast(&mut client, meta, device, &reference, &records).await {
            Ok(receipts) => return Ok(receipts),
            Err(e) => tracing::warn!(error = %e, "batch store failed; retrying record by record"),
        }
        let mut tx = client.transaction().await?;
        let mut seq = lock_seq(&tx).await?;
        let mut receipts = Vec::with_capacity(records.len());
        for item in records {
            match item {
                Err(r) => receipts.push(r),
                Ok(inc) => {
                    let sp = tx.savepoint("one").await?;
                    let before = seq;
                    match store_one(&sp, meta, device, &reference, &inc, &mut seq).await {
                        Ok(r) => {
                            sp.commit().await?;
                            receipts.push(r);
                        }
                        Err(e) => {
                            sp.rollback().await?;
                            seq = before;
                            tracing::warn!(id = %inc.id, error = %e, "record not stored");
                            receipts.push(arrival::storage_failed(&inc.id));
                        }
                    }
                }
            }
        }
        save_seq(&tx, seq).await?;
        tx.commit().await?;
        Ok(receipts)
    }

    async fn pull(
        &self,
        filter: &PullFilter,
        cursor: i64,
        limit: i64,
    ) -> DbResult<(Vec<Change>, i64, bool)> {
        let client = self.conn().await?;
        let cols = "SELECT kind, id, version, deleted, body, seq FROM record";
        let fetch = limit + 1;
        // The newest record before the page is read: seq is handed out under a lock held to
        // commit, so every record at or below it is committed and none is skipped below.
        let newest: i64 = client
            .query_one("SELECT coalesce(max(seq), 0) FROM record", &[])
            .await?
            .get(0);
        let rows = match (&filter.zone, &filter.community, &filter.compound) {
            // A zone: its compounds' records, their communities' own records, and the zone.
            (Some(zone), _, _) => {
                client
                    .query(
                        &format!(
                            "SELECT * FROM (({cols} WHERE compound_id = ANY($2) AND seq > $1 AND {} ORDER BY seq LIMIT $5)
                              UNION ALL
                              ({cols} WHERE kind = 'community' AND seq > $1 AND community_code = ANY($3) ORDER BY seq LIMIT $5)
                              UNION ALL
                              ({cols} WHERE kind = 'zone' AND id = $4 AND seq > $1)
                              UNION ALL
                              ({cols} WHERE kind IN ({STREET_SETTINGS}) AND seq > $1)) AS page
                             ORDER BY seq LIMIT $5",
                            not_own_events("$6")
                        ),
                        &[&cursor, &zone.compounds, &zone.communities, &zone.id, &fetch, &filter.device_id],
                    )
                    .await?
            }
            (None, _, Some(compound)) => {
                client
                    .query(
                        // Two range scans merged by seq (see migration 0002).
                        &format!(
                            "SELECT * FROM (({cols} WHERE compound_id = $2 AND seq > $1 AND {}
                                   AND (event_at IS NULL OR $4::timestamptz IS NULL OR event_at >= $4 OR kind IN ({CASE_EVENTS})) ORDER BY seq LIMIT $5)
                              UNION ALL
                              ({cols} WHERE kind = 'community' AND seq > $1 AND community_code = $3 ORDER BY seq LIMIT $5)
                              UNION ALL
                              ({cols} WHERE kind IN ({STREET_SETTINGS}) AND seq > $1)) AS page
                             ORDER BY seq LIMIT $5",
                            not_own_events("$6")
                        ),
                        &[&cursor, compound, &filter.community, &filter.events_since, &fetch, &filter.device_id],
                    )
                    .await?
            }
            (None, Some(community), None) => {
                client
                    .query(
                        // The community's records, and the street's observation setting
                        // (placed nowhere), merged by seq.
                        &format!(
                            "SELECT * FROM (({cols} WHERE community_code = $1 AND seq > $2 AND {} ORDER BY seq LIMIT $3)
                              UNION ALL
                              ({cols} WHERE kind IN ({STREET_SETTINGS}) AND seq > $2)) AS page
                             ORDER BY seq LIMIT $3",
                            not_own_events("$4")
                        ),
                        &[community, &cursor, &fetch, &filter.device_id],
                    )
                    .await?
            }
            (None, None, None) => {
                client
                    .query(
                        &format!("{cols} WHERE seq > $1 AND {} ORDER BY seq LIMIT $2", not_own_events("$3")),
                        &[&cursor, &fetch, &filter.device_id],
                    )
                    .await?
            }
        };
        let changes: Vec<(Change, i64, usize)> = rows
            .iter()
            .map(|r| {
                let body: String = r.get(4);
                (
                    Change {
                        kind: r.get(0),
                        id: r.get(1),
                        version: r.get(2),
                        deleted: r.get(3),
                        body: serde_json::from_str(&body).unwrap_or(serde_json::Value::Null),
                    },
                    r.get(5),
                    body.len(),
                )
            })
            .collect();
        let (changes, last, more) = cut_page(changes, limit);
        let mut next = last.unwrap_or(cursor);
        if !more {
            // As in the SQLite backend: past the records left out, up to the newest seen
            // before the page.
            next = next.max(newest);
        }
        Ok((changes, next, more))
    }

    async fn head(&self) -> DbResult<i64> {
        let client = self.conn().await?;
        Ok(client
            .query_one("SELECT COALESCE(MAX(seq), 0) FROM record", &[])
            .await?
            .get(0))
    }

    async fn report_records(
        &self,
        events_from: DateTime<Utc>,
        events_to: DateTime<Utc>,
    ) -> DbResult<Vec<super::PlacedRecord>> {
        let client = self.conn().await?;
        let rows = client
            .query(
                &format!(
                    "SELECT kind, body::text, community_code, compound_id, seq FROM record
                     WHERE kind IN ('passage', 'temperature_reading', 'shift_event') AND event_at >= $1
                       AND event_at < $2 AND NOT deleted
                     UNION ALL
                     SELECT kind, body::text, community_code, compound_id, seq FROM record
                     WHERE kind IN ({}) AND NOT deleted
                     ORDER BY seq",
                    super::REPORT_WHOLE_KINDS
                ),
                &[&events_from, &events_to],
            )
            .await?;
        Ok(rows
            .iter()
            .map(|r| super::PlacedRecord {
                kind: r.get(0),
                body: r.get(1),
                community: r.get(2),
                compound: r.get(3),
            })
            .collect())
    }

    async fn coverage_records(
        &self,
        events_from: DateTime<Utc>,
        events_to: DateTime<Utc>,
        visits_to: DateTime<Utc>,
        sink: &mut (dyn FnMut(super::PlacedRecord) + Send),
    ) -> DbResult<()> {
        use futures_util::StreamExt;
        use tokio_postgres::types::ToSql;
        let client = self.conn().await?;
        // A walk-in's passage accounts for nobody: left out here (the body is the server's own
        // canonical JSON, where an absent person is `"person_id":null`).
        let rows = client
            .query_raw(
                &format!(
                    "SELECT kind, body::text, community_code, compound_id FROM record
                     WHERE kind IN ({}) AND NOT deleted
                     UNION ALL
                     SELECT kind, body::text, community_code, compound_id FROM record
                     WHERE kind IN ('passage', 'screening') AND event_at >= $1 AND event_at < $2
                       AND NOT deleted AND body::text NOT LIKE '%\"person_id\":null%'
                     UNION ALL
                     SELECT kind, body::text, community_code, compound_id FROM record
                     WHERE kind IN ('follow_up_visit', 'household_visit') AND event_at >= $1
                       AND event_at < $3 AND NOT deleted",
                    super::COVERAGE_WHOLE_KINDS
                ),
                [&events_from as &(dyn ToSql + Sync), &events_to, &visits_to],
            )
            .await?;
        let mut rows = std::pin::pin!(rows);
        while let Some(r) = rows.next().await {
            let r = r?;
            sink(super::PlacedRecord {
                kind: r.get(0),
                body: r.get(1),
                community: r.get(2),
                compound: r.get(3),
            });
        }
        Ok(())
    }

    async fn count(&self, kind: &str) -> DbResult<i64> {
        let client = self.conn().await?;
        Ok(client
            .query_one("SELECT count(*) FROM record WHERE kind = $1", &[&kind])
            .await?
            .get(0))
    }

    async fn clocked_records(&self, kinds: &[&str]) -> DbResult<Vec<super::ClockedRecord>> {
        let kinds: Vec<String> = kinds.iter().map(|k| (*k).to_owned()).collect();
        let client = self.conn().await?;
        let rows = client
            .query(
                "SELECT kind, body, community_code, compound_id, device_time, received_at, clock_flagged, version
                 FROM record WHERE kind = ANY($1) AND NOT deleted ORDER BY seq",
                &[&kinds],
            )
            .await?;
        Ok(rows
            .iter()
            .map(|r| super::ClockedRecord {
                kind: r.get(0),
                body: r.get(1),
                community: r.get(2),
                compound: r.get(3),
                device_time: r.get(4),
                received_at: r.get(5),
                clock_flagged: r.get(6),
                version: r.get(7),
            })
            .collect())
    }

    async fn flagged(&self) -> DbResult<Vec<(String, DateTime<Utc>, DateTime<Utc>)>> {
        let client = self.conn().await?;
        let rows = client
            .query(
                "SELECT id, device_time, received_at FROM record WHERE clock_flagged ORDER BY seq",
                &[],
            )
            .await?;
        Ok(rows
            .iter()
            .map(|r| (r.get(0), r.get(1), r.get(2)))
            .collect())
    }
}
