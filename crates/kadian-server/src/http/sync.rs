//! `POST /api/v1/sync/push` and `GET /api/v1/sync/pull`: records in with a receipt each (the
//! kind's rules, then the arrival), changes out after a cursor, within the device's scope.

use std::net::SocketAddr;
use std::sync::Arc;

use axum::extract::{ConnectInfo, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::Json;
use chrono::{DateTime, Utc};
use kadian_domain::sync::{
    DeviceStatus, PullResponse, PushRequest, PushResponse, Receipt, ReceiptStatus, Role,
    CLOCK_SKEW_FLAG_MS, MAX_PUSH_BYTES, MAX_PUSH_RECORDS,
};
use serde::Deserialize;

use super::{authenticate, json_body, read_body, AppState, Failure, AUDIT};
use crate::db::{PullFilter, PushMeta, ZonePull};
use crate::rules::{prepare, Device, Reference};

/// Default pull page.
const DEFAULT_PULL_LIMIT: i64 = 500;

/// Largest pull page. With bodies of at most about 45 KB (the record rules' bounds: a travel
/// declaration of 20 places of 500 characters), one pull holds at most about 45 MB in memory
/// before it is cut to 4 MiB.
const MAX_PULL_LIMIT: i64 = 1000;

/// How far back a checkpoint tablet sees events.
const TABLET_EVENT_DAYS: i64 = 14;

/// Pushes one device may have in flight at once (a device pushes one batch at a time; a retry
/// may overlap the answer it gave up on). More is 429 `push_in_progress`, before the body is
/// read: one token, stolen or buggy, holds at most this many bodies of 4 MiB in memory.
pub const MAX_PUSHES_PER_DEVICE: usize = 2;

/// Pushes the server reads and stores at once: at most 64 bodies of 4 MiB (256 MiB) in memory
/// whatever the number of connections. A push waits up to [`PUSH_WAIT`] for its turn, then is
/// 503 `busy` and the device retries with its backoff.
pub const MAX_PUSHES_IN_FLIGHT: usize = 64;

/// How long a push waits for a turn among [`MAX_PUSHES_IN_FLIGHT`].
const PUSH_WAIT: std::time::Duration = std::time::Duration::from_secs(10);

/// A device's turn among its [`MAX_PUSHES_PER_DEVICE`]; given back when dropped.
struct DevicePush {
    state: AppState,
    device: String,
}

impl DevicePush {
    fn take(state: &AppState, device: &str) -> Result<DevicePush, Failure> {
        let mut in_flight = state
            .device_pushes
            .lock()
            .unwrap_or_else(|p| p.into_inner());
        let n = in_flight.entry(device.to_owned()).or_default();
        if *n >= MAX_PUSHES_PER_DEVICE {
            return Err(Failure::new(
                StatusCode::TOO_MANY_REQUESTS,
                "push_in_progress",
                format!("本设备已有 {MAX_PUSHES_PER_DEVICE} 次上传在进行，稍后自动重试 / this device already has {MAX_PUSHES_PER_DEVICE} pushes in progress; it retries later"),
            ));
        }
        *n += 1;
        Ok(DevicePush {
            state: state.clone(),
            device: device.to_owned(),
        })
    }
}

impl Drop for DevicePush {
    fn drop(&mut self) {
        let mut in_flight = self
            .state
            .device_pushes
            .lock()
            .unwrap_or_else(|p| p.into_inner());
        if let Some(n) = in_flight.get_mut(&self.device) {
            *n -= 1;
            if *n == 0 {
                in_flight.remove(&self.device);
            }
        }
    }
}

pub(super) async fn push(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    body: axum::body::Body,
) -> Result<Json<PushResponse>, Failure> {
    // The token first: a body is read only for an enrolled device.
    let device = authenticate(&state, &headers, peer).await?;
    // Then a turn, for this device and among all: bodies in memory are bounded whatever the
    // number of slow senders.
    let device_turn = DevicePush::take(&state, &device.id)?;
    let turn = tokio::time::timeout(PUSH_WAIT, state.pushes.clone().acquire_owned())
        .await
        .ok()
        .and_then(Result::ok)
        .ok_or_else(|| {
            Failure::new(
                StatusCode::SERVICE_UNAVAILABLE,
                "busy",
                "服务器正忙，稍后自动重试 / the server is busy; the device retries later",
            )
        })?;
    let req: PushRequest = json_body(&read_body(body, MAX_PUSH_BYTES).await?)?;
    if req.records.len() > MAX_PUSH_RECORDS {
        return Err(Failure::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "too_many_records",
            format!(
                "一次最多 {MAX_PUSH_RECORDS} 条记录 / at most {MAX_PUSH_RECORDS} records a request"
            ),
        ));
    }
    let received_at = Utc::now();
    let skew = (req.device_time - received_at).num_milliseconds();
    let reference = Arc::new(state.db.reference().await.map_err(Failure::internal)?);
    let prepared = req
        .records
        .iter()
        .map(|r| {
            prepare(r, &device, &reference).map_err(|error| Receipt {
                id: r.id.clone(),
                status: ReceiptStatus::Rejected,
                server_seq: None,
                version: None,
                error: Some(error),
            })
        })
        .collect();
    let meta = PushMeta {
        device_id: device.id.clone(),
        device_time: req.device_time,
        received_at,
        clock_flagged: skew.abs() > CLOCK_SKEW_FLAG_MS,
    };
    // The store runs to its end even when the device hangs up (its receipts come again as
    // `duplicate`), and holds both turns until then: a device that sends and hangs up, again and
    // again, still has at most its two pushes at work.
    let store = {
        let (db, device) = (state.db.clone(), device.clone());
        tokio::spawn(async move {
            let _turns = (turn, device_turn);
            db.store(&meta, &device, reference, prepared).await
        })
    };
    let receipts = store
        .await
        .map_err(Failure::internal)?
        .map_err(Failure::internal)?;
    if let Err(e) = state.db.note_push(&device.id, received_at).await {
        tracing::warn!(device = %device.id, error = %e, "the push's time was not kept");
    }
    let count = |s: ReceiptStatus| receipts.iter().filter(|r| r.status == s).count();
    tracing::info!(
        target: AUDIT,
        device = %device.id,
        client = %peer.ip(),
        records = receipts.len(),
        accepted = count(ReceiptStatus::Accepted),
        duplicate = count(ReceiptStatus::Duplicate),
        conflict = count(ReceiptStatus::Conflict),
        rejected = count(ReceiptStatus::Rejected),
        clock_skew_ms = skew,
        "push"
    );
    Ok(Json(PushResponse {
        receipts,
        server_time: Utc::now(),
        clock_skew_ms: skew,
    }))
}

/// Query of a pull.
#[derive(Debug, Deserialize)]
pub struct PullQuery {
    /// Changes after this server sequence (0: from the start).
    pub cursor: Option<i64>,
    /// Page size (default 500, at most 1000).
    pub limit: Option<i64>,
    /// The device's backlog ([`DeviceStatus`]): entries still waiting on it for the server.
    /// Read as text: a value that is not a number drops the report, never the pull.
    pub pending: Option<String>,
    /// Records the server refused, waiting on the device for a person.
    pub rejected: Option<String>,
    /// Pulled changes the device could not apply.
    pub quarantined: Option<String>,
    /// When the oldest record waiting on the device was made (RFC 3339).
    pub oldest_pending: Option<String>,
}

/// Largest backlog figure kept: a device's own report, bounded so a hostile one cannot make the
/// device list absurd.
const MAX_STATUS_FIGURE: i64 = 1_000_000_000;

/// The moment a device says its oldest waiting record was made: kept when it reads as RFC 3339
/// and lies between 2020-01-01 and a day after `now` (a device's clock may run ahead a little;
/// a hostile or broken one cannot make the device list absurd). Anything else drops this figure
/// alone.
fn oldest_pending(said: Option<&str>, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
    let at = DateTime::parse_from_rfc3339(said?.trim())
        .ok()?
        .with_timezone(&Utc);
    let earliest = DateTime::<Utc>::from_timestamp(1_577_836_800, 0)?;
    (at >= earliest && at <= now + chrono::Duration::days(1)).then_some(at)
}

/// What a device may pull. A zone device's compounds come from `reference` (the street's layout
/// now: a compound put in the zone joins its pull).
pub fn filter_for(device: &Device, reference: &Reference) -> PullFilter {
    match device.role {
        Role::Zone => {
            let zone = device.scope.zone.clone().unwrap_or_default();
            let mut compounds: Vec<String> = reference
                .zone_of
                .iter()
                .filter(|(_, z)| **z == zone)
                .map(|(c, _)| c.clone())
                .collect();
            compounds.sort();
            let mut communities: Vec<String> = compounds
                .iter()
                .filter_map(|c| reference.compounds.get(c).map(|(m, _)| m.clone()))
                .collect();
            communities.sort();
            communities.dedup();
            PullFilter {
                community: None,
                compound: None,
                zone: Some(ZonePull {
                    id: zone,
                    compounds,
                    communities,
                }),
                events_since: None,
                device_id: device.id.clone(),
            }
        }
        Role::Street => PullFilter {
            community: None,
            compound: None,
            zone: None,
            events_since: None,
            device_id: device.id.clone(),
        },
        Role::Community => PullFilter {
            community: device.scope.community.clone(),
            compound: None,
            zone: None,
            events_since: None,
            device_id: device.id.clone(),
        },
        Role::Compound => PullFilter {
            community: device.scope.community.clone(),
            compound: device.scope.compound.clone(),
            zone: None,
            events_since: None,
            device_id: device.id.clone(),
        },
        Role::Volunteer => PullFilter {
            community: device.scope.community.clone(),
            compound: device.scope.compound.clone(),
            zone: None,
            events_since: Some(Utc::now() - chrono::Duration::days(TABLET_EVENT_DAYS)),
            device_id: device.id.clone(),
        },
    }
}

pub(super) async fn pull(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    Query(q): Query<PullQuery>,
) -> Result<Json<PullResponse>, Failure> {
    let device = authenticate(&state, &headers, peer).await?;
    let limit = q
        .limit
        .unwrap_or(DEFAULT_PULL_LIMIT)
        .clamp(1, MAX_PULL_LIMIT);
    // The device's own report, all three figures or none; bounded, and never a reason to fail
    // the pull.
    let figure = |v: &Option<String>| -> Option<i64> {
        Some(
            v.as_deref()?
                .parse::<i64>()
                .ok()?
                .clamp(0, MAX_STATUS_FIGURE),
        )
    };
    let status = match (
        figure(&q.pending),
        figure(&q.rejected),
        figure(&q.quarantined),
    ) {
        (Some(pending), Some(rejected), Some(quarantined)) => Some(DeviceStatus {
            pending,
            rejected,
            quarantined,
            oldest_pending: oldest_pending(q.oldest_pending.as_deref(), Utc::now()),
        }),
        _ => None,
    };
    if let Some(s) = &status {
        if let Err(e) = state.db.note_status(&device.id, s, Utc::now()).await {
            tracing::warn!(device = %device.id, error = %e, "the device's status was not kept");
        }
    }
    let generation = state.generation().await.map_err(Failure::internal)?;
    let since = q.cursor.unwrap_or(0).max(0);
    // Only a zone device's pull depends on the street's layout.
    let reference = if device.role == Role::Zone {
        state.db.reference().await.map_err(Failure::internal)?
    } else {
        Reference::default()
    };
    let (mut changes, cursor, more) = state
        .db
        .pull(&filter_for(&device, &reference), since, limit)
        .await
        .map_err(Failure::internal)?;
    changes.retain(|c| !crate::rules::redact::withheld(&device, c));
    for c in &mut changes {
        crate::rules::redact::for_device(&device, c);
    }
    if changes.is_empty() && since > 0 {
        // A cursor is only ever handed out by this server: one beyond the newest change means
        // the data went back in time without a new generation.
        match state.db.head().await {
            Ok(head) if since > head => tracing::warn!(
                target: AUDIT,
                device = %device.id,
                client = %peer.ip(),
                cursor = since,
                head,
                generation = generation.number,
                "a device says it has read past this database's newest change. If the database \
                 was put back from a backup without `kadian-server restore`, stop the server and \
                 run it (docs/operations.md §6.4); if not, this device's cursor is wrong"
            ),
            Ok(_) => {}
            Err(e) => tracing::warn!(error = %e, "the newest change could not be read"),
        }
    }
    tracing::info!(
        target: AUDIT,
        device = %device.id,
        client = %peer.ip(),
        from = q.cursor.unwrap_or(0),
        to = cursor,
        changes = changes.len(),
        more,
        pending = status.map(|s| s.pending),
        rejected = status.map(|s| s.rejected),
        quarantined = status.map(|s| s.quarantined),
        "pull"
    );
    Ok(Json(PullResponse {
        changes,
        cursor,
        more,
        generation: Some(generation.id),
    }))
}
