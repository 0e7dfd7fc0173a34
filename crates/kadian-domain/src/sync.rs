//! The sync protocol's wire types (HTTP API v1), shared by the device's client and the server.
//! Documented in `docs/sync-protocol.md`; every response carries the header `Kadian-Protocol: 1`.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// Protocol version; the value of the `Kadian-Protocol` header.
pub const PROTOCOL: u32 = 1;
/// The header every server response carries. A 2xx without it (a captive portal's login page)
/// is not the server.
pub const PROTOCOL_HEADER: &str = "Kadian-Protocol";
/// Most records in one push.
pub const MAX_PUSH_RECORDS: usize = 1000;
/// Largest push body, bytes (4 MiB).
pub const MAX_PUSH_BYTES: usize = 4 * 1024 * 1024;
/// A device clock further off than this (5 minutes) is flagged on its records.
pub const CLOCK_SKEW_FLAG_MS: i64 = 5 * 60 * 1000;

/// `GET /api/v1/health`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Health {
    /// `ok`.
    pub status: String,
    /// [`PROTOCOL`].
    pub protocol: u32,
    /// The server's clock, UTC.
    pub server_time: DateTime<Utc>,
    /// The server's generation (32 hex digits): a new one after every restore from a backup.
    /// A device that sees it change pulls again from the start and sends again every record it
    /// holds (docs/sync-protocol.md §3.6). Absent from servers before schema 5.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub generation: Option<String>,
    /// The generation's number (1 for a server never restored). A device that knows no
    /// generation yet (an older app until now) but has pulled before treats a number above 1
    /// as a restore it has not seen.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub generation_number: Option<i64>,
}

/// What a device may see and do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// A checkpoint tablet (志愿者): its compound.
    Volunteer,
    /// A compound laptop (小区功能型党组织): its compound.
    Compound,
    /// A community laptop (社区): its community.
    Community,
    /// The street office (街道): everything.
    Street,
    /// A grid zone leader's laptop (片区长): the compounds of its zone, across communities.
    Zone,
}

impl Role {
    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Volunteer => "volunteer",
            Role::Compound => "compound",
            Role::Community => "community",
            Role::Street => "street",
            Role::Zone => "zone",
        }
    }

    /// Parses the stored name.
    pub fn parse(s: &str) -> Option<Role> {
        Some(match s {
            "volunteer" => Role::Volunteer,
            "compound" => Role::Compound,
            "community" => Role::Community,
            "street" => Role::Street,
            "zone" => Role::Zone,
            _ => return None,
        })
    }
}

/// Where a device belongs: the checkpoint, compound, community and street it is bound to (the
/// levels below its role are `None`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Scope {
    /// Street division code (9 digits).
    pub street: String,
    /// Community code (12 digits), for community roles and below.
    pub community: Option<String>,
    /// Compound id, for compound roles and below.
    pub compound: Option<String>,
    /// Checkpoint id, for volunteers.
    pub checkpoint: Option<String>,
    /// Grid zone id (片区), for a zone leader's laptop: it sees the compounds the zone holds now
    /// (a compound put in the zone later joins its scope). Absent for every other role, so
    /// enrolments stored before zones keep their meaning.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub zone: Option<String>,
}

/// `POST /api/v1/devices/enrol` request.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EnrolRequest {
    /// The one-time code.
    pub code: String,
    /// A name people recognise (`3号门平板`).
    pub device_name: String,
    /// `linux`, `android`, `windows`, ...
    pub platform: String,
}

/// `POST /api/v1/devices/enrol` response (201).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EnrolResponse {
    /// The new device's id.
    pub device_id: String,
    /// Bearer token; shown once, the server keeps only its hash.
    pub token: String,
    /// The device's role.
    pub role: Role,
    /// The device's scope.
    pub scope: Scope,
    /// The street's name (`平原街道`), for titles and the street laptop's place; none from a
    /// server older than it, or one whose street is not set up.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub street_name: Option<String>,
}

/// One record of a push.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PushRecord {
    /// `person`, `passage`, `temperature_reading`, `travel_declaration`, `correction`.
    pub kind: String,
    /// The record's UUIDv7.
    pub id: String,
    /// `create` or `update`.
    pub op: String,
    /// For an update: the version it was made on.
    pub base_version: Option<i64>,
    /// SHA-256 of the JSON body as the device wrote it, hex.
    pub hash: String,
    /// The record (kadian-domain's types as JSON).
    pub body: serde_json::Value,
}

/// `POST /api/v1/sync/push` request.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PushRequest {
    /// The device's clock when it sent the batch.
    pub device_time: DateTime<Utc>,
    /// At most [`MAX_PUSH_RECORDS`] records.
    pub records: Vec<PushRecord>,
}

/// What a device says of itself with each pull (query parameters `pending`, `rejected`,
/// `quarantined`, and `oldest_pending` in RFC 3339), as of the start of that pull: its backlog, which the street office sees in
/// `kadian-server device list` beside when the device was last seen.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeviceStatus {
    /// Records waiting on the device for the server (not yet acknowledged).
    pub pending: i64,
    /// Records the server refused, waiting on the device for a person to look at.
    pub rejected: i64,
    /// Pulled changes the device could not apply (quarantined, with their reasons).
    pub quarantined: i64,
    /// When the oldest record still waiting was made (the device's clock, UTC): how long its
    /// backlog has been waiting. None when nothing waits, or from an app that does not say.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub oldest_pending: Option<DateTime<Utc>>,
}

/// The server's answer for one record.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReceiptStatus {
    /// Stored now.
    Accepted,
    /// Already stored with the same content: nothing new.
    Duplicate,
    /// An entity changed on the server since `base_version`: merged field by field; the
    /// server's values won where both changed the same field.
    Conflict,
    /// Not stored; `error` says why. The device keeps it for a person to fix.
    Rejected,
}

/// An error code and message.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApiError {
    /// Stable code (`id_reused`, `out_of_scope`, `invalid_record`, ...).
    pub code: String,
    /// What happened, in words (zh-CN first).
    pub message: String,
}

/// The server's answer for one pushed record.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Receipt {
    /// The record's id.
    pub id: String,
    /// What happened.
    pub status: ReceiptStatus,
    /// The record's position in the server's change sequence (the pull cursor), once stored.
    pub server_seq: Option<i64>,
    /// The record's version on the server.
    pub version: Option<i64>,
    /// Why it was rejected.
    pub error: Option<ApiError>,
}

/// `POST /api/v1/sync/push` response.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PushResponse {
    /// One receipt per record, in order.
    pub receipts: Vec<Receipt>,
    /// The server's clock.
    pub server_time: DateTime<Utc>,
    /// Device clock minus server clock, milliseconds.
    pub clock_skew_ms: i64,
}

/// One change of a pull.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Change {
    /// Record kind (also `community`, `compound`, `checkpoint` for reference data).
    pub kind: String,
    /// Id.
    pub id: String,
    /// Version on the server.
    pub version: i64,
    /// Deleted (reference data only; events are never deleted).
    pub deleted: bool,
    /// The record.
    pub body: serde_json::Value,
}

/// `GET /api/v1/sync/pull` response.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PullResponse {
    /// Changes after the cursor, oldest first.
    pub changes: Vec<Change>,
    /// The cursor to ask from next time.
    pub cursor: i64,
    /// True when more changes wait.
    pub more: bool,
    /// The generation the cursor belongs to (see [`Health::generation`]): a page of another
    /// generation than the device's is not applied.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub generation: Option<String>,
}

/// `POST /api/v1/reports/daily/sign` request: a street laptop signs a day's report (签发) for
/// a 签发人 the server knows (`kadian-server report signer`), with their PIN.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SignReportRequest {
    /// The China day (`2026-03-01`).
    pub date: String,
    /// 签发人.
    pub signer: String,
    /// Their PIN (4–6 digits); checked against its argon2 hash, never kept.
    pub pin: String,
}

/// `POST /api/v1/reports/daily/sign` response: the signature now on the day's report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SignReportResponse {
    /// The China day.
    pub date: String,
    /// 签发人.
    pub signer: String,
    /// When it was signed (UTC).
    pub signed_at: DateTime<Utc>,
    /// SHA-256 of the report as signed, hex.
    pub hash: String,
}
