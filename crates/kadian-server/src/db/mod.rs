//! Server storage behind one trait, chosen once from the URL: `sqlite:///path/kadian.db` (the
//! embedded default) or `postgres://…` (production). Both run the same story tests.

pub mod arrival;
mod postgres;
mod sqlite;

use std::sync::Arc;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use kadian_domain::sync::{Change, DeviceStatus, Receipt, Role, Scope};

use kadian_domain::observation::ObservationSetting;
use kadian_domain::places::PlaceWrite;
use kadian_domain::records::{ReferenceKind, Volunteer};

use crate::rules::{Device, Incoming, Reference};

/// A storage failure (never shown to clients in detail).
#[derive(Debug, thiserror::Error)]
pub enum DbError {
    /// The URL names no backend we have.
    #[error(
        "unsupported database URL {0:?}: use sqlite:///path/kadian.db or postgres://user@host/db"
    )]
    Url(String),
    /// A rule of the data was broken (unknown community, duplicate name, ...).
    #[error("{0}")]
    Invalid(String),
    /// The backend failed.
    #[error("database error: {0}")]
    Backend(String),
    /// There is no database at the URL, and only `init` creates one.
    #[error(
        "no database at {0}: create it with `kadian-server init --street CODE --name NAME` \
         (with this --db), or point --db / KADIAN_DB at the existing one"
    )]
    Missing(String),
    /// The database was written by a newer kadian-server than this one.
    #[error(
        "the database's schema is version {found}, newer than this kadian-server knows \
         ({known}): run the kadian-server that wrote it (or a newer one)"
    )]
    TooNew {
        /// The database's schema version.
        found: i64,
        /// The newest this build knows.
        known: i64,
    },
}

impl From<serde_json::Error> for DbError {
    fn from(e: serde_json::Error) -> Self {
        DbError::Backend(e.to_string())
    }
}

impl From<rusqlite::Error> for DbError {
    fn from(e: rusqlite::Error) -> Self {
        DbError::Backend(e.to_string())
    }
}

impl From<tokio_postgres::Error> for DbError {
    fn from(e: tokio_postgres::Error) -> Self {
        DbError::Backend(pg_reason(&e))
    }
}

/// PostgreSQL's own reason for a failure: the server's message and SQLSTATE
/// (`password authentication failed for user "kadian" (28P01)`, `database "x" does not exist
/// (3D000)`), or the client's error with its causes (`invalid configuration: password missing`,
/// `error connecting to server: Connection refused`), never a bare "db error".
pub fn pg_reason(e: &tokio_postgres::Error) -> String {
    if let Some(db) = e.as_db_error() {
        return format!("{} ({})", db.message(), db.code().code());
    }
    let mut out = e.to_string();
    let mut cause = std::error::Error::source(e);
    while let Some(c) = cause {
        let text = c.to_string();
        if !out.contains(&text) {
            out.push_str(": ");
            out.push_str(&text);
        }
        cause = c.source();
    }
    out
}

/// A database URL as logs and messages may show it: the password replaced by `***`
/// (`postgres://kadian:***@db/kadian`), in the user-info part and in a `password=` parameter.
pub fn masked_url(url: &str) -> String {
    // The user-info ends at the last '@' of the whole URL (tokio-postgres reads the credentials
    // up to an '@' wherever it is, so a password may hold '/' or '?'); at worst more is hidden.
    let mut out = url.to_owned();
    if let Some(start) = url.find("://").map(|i| i + 3) {
        if let Some(at) = url[start..].rfind('@').map(|i| start + i) {
            if let Some(colon) = url[start..at].find(':').map(|i| start + i) {
                out = format!("{}***{}", &url[..=colon], &url[at..]);
            }
        }
    }
    // Every `password=` parameter (the last one counts for tokio-postgres; all are hidden).
    if let Some((base, query)) = out.split_once('?') {
        let query: Vec<String> = query
            .split('&')
            .map(|kv| match kv.split_once('=') {
                Some((k, _)) if k == "password" => format!("{k}=***"),
                _ => kv.to_owned(),
            })
            .collect();
        out = format!("{base}?{}", query.join("&"));
    }
    out
}

/// Storage result.
pub type DbResult<T> = Result<T, DbError>;

/// A device as `device list` shows it.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct DeviceRow {
    /// Id.
    pub id: String,
    /// Name.
    pub name: String,
    /// Platform.
    pub platform: String,
    /// Role.
    pub role: Role,
    /// Scope.
    pub scope: Scope,
    /// When enrolled.
    pub enrolled_at: DateTime<Utc>,
    /// When revoked.
    pub revoked_at: Option<DateTime<Utc>>,
    /// Last request.
    pub last_seen_at: Option<DateTime<Utc>>,
    /// What the device last said of its backlog, and when (its last pull).
    pub status: Option<DeviceStatus>,
    /// When it said it.
    pub status_at: Option<DateTime<Utc>>,
    /// When it last pushed (to the minute: written at most once a minute).
    pub last_push_at: Option<DateTime<Utc>>,
    /// When it last had nothing waiting to send (a pull that said pending = 0): everything it
    /// recorded before then is here.
    pub complete_at: Option<DateTime<Utc>>,
}

/// A new enrolment code (its hash).
#[derive(Debug, Clone)]
pub struct EnrolCode {
    /// SHA-256 of the code.
    pub code_hash: String,
    /// Role it grants.
    pub role: Role,
    /// Scope it grants.
    pub scope: Scope,
    /// Expiry.
    pub expires_at: DateTime<Utc>,
}

/// An enrolment code as `enrol-codes` lists it.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct EnrolCodeRow {
    /// Role it grants.
    pub role: Role,
    /// Scope it grants.
    pub scope: Scope,
    /// When it was issued (UTC).
    pub created_at: DateTime<Utc>,
    /// When it stops working (UTC).
    pub expires_at: DateTime<Utc>,
    /// When a device used it (UTC); a code is used once.
    pub used_at: Option<DateTime<Utc>>,
}

/// Volunteers from stored bodies, leaving out any that does not read as one.
pub(crate) fn volunteers_of<'a>(bodies: impl Iterator<Item = &'a str>) -> Vec<Volunteer> {
    bodies
        .filter_map(|b| serde_json::from_str::<Volunteer>(b).ok())
        .collect()
}

/// What a pull may see.
#[derive(Debug, Clone, PartialEq)]
pub struct PullFilter {
    /// Only this community (None: the whole street).
    pub community: Option<String>,
    /// Only this compound.
    pub compound: Option<String>,
    /// Only a grid zone's compounds (a zone leader's laptop); `community` and `compound` are
    /// then `None`.
    pub zone: Option<ZonePull>,
    /// Only events since then (checkpoint tablets: 14 days).
    pub events_since: Option<DateTime<Utc>>,
    /// The pulling device: its own events are not sent back (it holds them already, and events
    /// never change). Its entities are, since the server may have merged them.
    pub device_id: String,
}

/// What a zone device pulls: the records of the zone's compounds, the community records of
/// their communities, and the zone itself.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ZonePull {
    /// The zone's id.
    pub id: String,
    /// Its compounds now (ids).
    pub compounds: Vec<String>,
    /// Their communities (codes).
    pub communities: Vec<String>,
}

/// The street's settings every device pulls (reference rows placed nowhere): the
/// home-observation setting, the hotline deadlines, the disinfection grace, the items.
pub(crate) const STREET_SETTINGS: &str =
    "'observation_policy', 'hotline_policy', 'disinfection_policy', 'supply_items'";

/// The street's items from their reference row's body (JSON text): the plan's seven when the
/// street never set its own, or when the row does not read as a list (it is checked when set,
/// so only a hand-edited database gets here).
pub(crate) fn supply_items_of(body: Option<&str>) -> kadian_domain::records::SupplyItems {
    body.and_then(|b| serde_json::from_str(b).ok())
        .unwrap_or_default()
}

/// The event kinds a tablet pulls whatever their age (its 14-day window does not apply): a
/// home-observation case's visits and status changes (cases and referrals are entities: pulled
/// whatever their age already). A case can run past 14 days (extended while its last day is not seen,
/// re-exposed), and a tablet that missed its older changes would warn at the gate about a
/// person released long ago, or not about one referred. A compound holds a few hundred. And
/// stock movements: a gate's stock is the sum of all of its movements, and a delivery sent
/// weeks ago still waits to be confirmed (a tablet keeps only its own checkpoint's:
/// `rules::redact`).
pub(crate) const CASE_EVENTS: &str = "'follow_up_visit', 'case_transition', 'stock_movement'";

/// The WHERE condition that leaves out the pulling device's own events; the parameter is
/// [`PullFilter::device_id`].
pub(crate) fn not_own_events(param: &str) -> String {
    format!("(event_at IS NULL OR device_id IS NULL OR device_id <> {param})")
}

/// Most body bytes in one pull page (4 MiB): a page holds at least one change, and no more
/// than this once it holds one.
pub const MAX_PULL_BYTES: usize = 4 * 1024 * 1024;

/// Cuts rows fetched with `limit + 1` — (change, seq, body bytes), by seq — to one page: at most
/// `limit` changes and [`MAX_PULL_BYTES`] of bodies, at least one change. Returns the changes,
/// the seq of the last one, and whether more wait.
pub(crate) fn cut_page(
    rows: Vec<(Change, i64, usize)>,
    limit: i64,
) -> (Vec<Change>, Option<i64>, bool) {
    let mut more = rows.len() as i64 > limit;
    let mut bytes = 0usize;
    let mut last = None;
    let mut out = Vec::with_capacity(rows.len().min(limit as usize));
    for (change, seq, size) in rows.into_iter().take(limit as usize) {
        if !out.is_empty() && bytes + size > MAX_PULL_BYTES {
            more = true;
            break;
        }
        bytes += size;
        last = Some(seq);
        out.push(change);
    }
    (out, last, more)
}

/// The refusal to write reference data under an id that a record of another kind holds: an id
/// belongs to one kind forever.
pub(crate) fn id_of_another_kind(id: &str, kind: &str) -> DbError {
    DbError::Invalid(format!(
        "the id {id} belongs to a record of kind {kind}; an id belongs to one kind forever"
    ))
}

/// A zone's name and leader before they are stored: not empty, at most 40 characters each.
pub(crate) fn check_zone(name: &str, leader: &str) -> DbResult<()> {
    for (what, v) in [("zone name", name), ("zone leader", leader)] {
        if v.trim().is_empty() {
            return Err(DbError::Invalid(format!("the {what} is empty")));
        }
        if v.chars().count() > 40 || v.chars().any(char::is_control) {
            return Err(DbError::Invalid(format!(
                "the {what} must be at most 40 characters, without control characters"
            )));
        }
    }
    Ok(())
}

/// The refusal to put a compound in a second zone.
pub(crate) fn zone_taken(compound: &str, id: &str, zone: &str) -> DbError {
    DbError::Invalid(format!(
        "compound {compound} ({id}) is in zone {zone} already: a compound is in one zone"
    ))
}

/// The refusal to add a place under the name of a retired one (it would come back silently).
pub(crate) fn retired_place(what: &str, name: &str, id: &str, at: DateTime<Utc>) -> DbError {
    DbError::Invalid(format!(
        "the {what} {name:?} was retired at {} (China time); bring it back with \
         `kadian-server {what} reinstate --id {id}`",
        crate::china_time::china_minute(at)
    ))
}

/// The id a rename or retirement names.
pub(crate) fn place_id(place: &PlaceWrite) -> &str {
    match place {
        PlaceWrite::Rename { id, .. } | PlaceWrite::Retire { id, .. } => id,
        PlaceWrite::Community { code, .. } => code,
        PlaceWrite::Compound { name, .. }
        | PlaceWrite::Checkpoint { name, .. }
        | PlaceWrite::Zone { name, .. } => name,
    }
}

/// A place's (name, retired at) after a rename or retirement: retiring a retired place keeps
/// its first date; reinstating a place in use changes nothing.
pub(crate) fn place_changed(
    place: &PlaceWrite,
    name: String,
    retired: Option<DateTime<Utc>>,
) -> (String, Option<DateTime<Utc>>) {
    match place {
        PlaceWrite::Rename { name: new, .. } => (new.clone(), retired),
        PlaceWrite::Retire { at, .. } => (name, at.and(retired.or(*at))),
        _ => (name, retired),
    }
}

/// What a checkpoint's retirement becomes when its compound is retired (`compound` is the new
/// instant) or reinstated (`None`): `Some((retired_at, retired_with_compound))` to write, `None`
/// to leave it. One in use retires with the compound; one the compound retired comes back with
/// it; one retired on its own stays so.
pub(crate) fn checkpoint_follows(
    compound: Option<DateTime<Utc>>,
    gate: Option<DateTime<Utc>>,
    with_compound: bool,
) -> Option<(Option<DateTime<Utc>>, bool)> {
    match (compound, gate) {
        (Some(at), None) => Some((Some(at), true)),
        (None, Some(_)) if with_compound => Some((None, false)),
        _ => None,
    }
}

/// The push's metadata.
#[derive(Debug, Clone)]
pub struct PushMeta {
    /// Pushing device.
    pub device_id: String,
    /// Its clock.
    pub device_time: DateTime<Utc>,
    /// Our clock.
    pub received_at: DateTime<Utc>,
    /// Its clock is off by more than 5 minutes.
    pub clock_flagged: bool,
}

/// Server storage: the records of the sync protocol ([`Records`]) and the street's directory
/// ([`Directory`]), behind one schema. SQLite and PostgreSQL implement it; what an arrival means
/// is decided once, in [`arrival`].
#[async_trait]
pub trait Database: Records + Directory + 'static {
    /// Applies pending migrations. Errors: `TooNew` when the database's schema is newer than
    /// this build's.
    async fn migrate(&self) -> DbResult<()>;
    /// The schema version (the number of migrations applied).
    async fn schema_version(&self) -> DbResult<i64>;
    /// The current generation (the newest; every database has one from schema 5 on).
    async fn generation(&self) -> DbResult<Generation>;
    /// Starts a new generation, after the data went back in time (a restore from a backup):
    /// a new random id, numbered one more, with `note` and `at` (UTC). Devices that see it pull
    /// again from the start and send again every record they hold.
    async fn new_generation(&self, note: &str, at: DateTime<Utc>) -> DbResult<Generation>;
}

/// The server's generation: which life of its data a device talks to. A restore from a backup
/// starts a new one (`kadian-server restore`), since the change sequence then goes back to where
/// the backup stopped (docs/sync-protocol.md §3.6).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Generation {
    /// 1 for the first, one more per restore.
    pub number: i64,
    /// Random, 32 hex digits: what devices compare.
    pub id: String,
    /// When it started (UTC).
    pub started_at: DateTime<Utc>,
    /// Why: `created`, `restored from /var/backups/kadian/kadian-2026-12-01.db`, …
    pub note: String,
}

/// A new generation's random id: 32 hex digits.
pub(crate) fn new_generation_id() -> String {
    uuid::Uuid::from_bytes(random_16()).simple().to_string()
}

fn random_16() -> [u8; 16] {
    let mut b = [0u8; 16];
    // The id only has to differ from every earlier one; the OS's randomness never fails here,
    // and if it did the time still makes the id new.
    if getrandom::fill(&mut b).is_err() {
        let nanos = Utc::now().timestamp_nanos_opt().unwrap_or_default();
        b[..8].copy_from_slice(&nanos.to_le_bytes());
    }
    b
}

/// The street's directory: the street, its places (reference data of any kind, through one
/// [`Directory::put_place`]), volunteers, enrolment codes and devices.
#[async_trait]
pub trait Directory: Send + Sync {
    /// Creates the street (once).
    async fn init_street(&self, code: &str, name: &str) -> DbResult<()>;
    /// The street (code, name), if initialised.
    async fn street(&self) -> DbResult<Option<(String, String)>>;
    /// Sets a place of the street: a community is added or renamed; a compound or checkpoint
    /// found by its name under its parent, or added. Returns its id (a community's code).
    /// Errors: `Invalid` for an unknown parent or a street not initialised.
    async fn put_place(&self, place: &PlaceWrite) -> DbResult<String>;
    /// Adds a volunteer of a compound (or gives them a new PIN): a `volunteer` record that the
    /// compound's devices pull. Its id is derived by the caller (`volunteer_id`); `pin_hash` is
    /// an Argon2 PHC string, never the PIN. Errors: `Invalid` for an unknown compound or an id
    /// that a record of another kind holds.
    async fn put_volunteer(&self, v: &Volunteer) -> DbResult<()>;
    /// Every volunteer of the street (retired ones included, flagged), by compound. A stored
    /// body that is not a volunteer's is left out (the arrival's rules keep such bodies out).
    async fn volunteers(&self) -> DbResult<Vec<Volunteer>>;
    /// Every enrolment code issued, oldest first (the code itself is never kept: its role,
    /// place, and when it was made, expires and was used).
    async fn enrol_codes(&self) -> DbResult<Vec<EnrolCodeRow>>;
    /// Replaces the place list: (code, name, parent).
    async fn import_places(&self, places: &[(String, String, String)]) -> DbResult<usize>;
    /// The street's layout.
    async fn reference(&self) -> DbResult<Reference>;
    /// Stores an enrolment code's hash.
    async fn add_enrol_code(&self, code: &EnrolCode) -> DbResult<()>;
    /// Uses a code (single use, unexpired) and creates the device; `None` for a wrong, used or
    /// expired code.
    async fn enrol(
        &self,
        code_hash: &str,
        device_id: &str,
        name: &str,
        platform: &str,
        token_hash: &str,
        now: DateTime<Utc>,
    ) -> DbResult<Option<Device>>;
    /// The device holding this token hash (revoked ones included, flagged).
    async fn device_by_token(
        &self,
        token_hash: &str,
        now: DateTime<Utc>,
    ) -> DbResult<Option<Device>>;
    /// All devices.
    async fn devices(&self) -> DbResult<Vec<DeviceRow>>;
    /// Keeps what a device said of its backlog with a pull (`at`: the server's clock): written
    /// when a figure changed or the last one is a minute old; nothing for a revoked device.
    async fn note_status(
        &self,
        device_id: &str,
        status: &DeviceStatus,
        at: DateTime<Utc>,
    ) -> DbResult<()>;
    /// Keeps when a device pushed (`at`: the server's clock): written when the last one is a
    /// minute old, so a push stays one write of its records.
    async fn note_push(&self, device_id: &str, at: DateTime<Utc>) -> DbResult<()>;
    /// Revokes a device; false when unknown.
    async fn revoke(&self, id: &str, now: DateTime<Utc>) -> DbResult<bool>;
    /// Keeps a signed daily report (frozen); `false` when that day is signed already (the
    /// first signature stands).
    async fn sign_report(&self, report: &SignedReport) -> DbResult<bool>;
    /// The signed report of a China day (`YYYY-MM-DD`), if it was signed.
    async fn signed_report(&self, date: &str) -> DbResult<Option<SignedReport>>;
    /// Adds a 签发人 or replaces their PIN (`pin_hash`: argon2id PHC string).
    async fn put_signer(&self, name: &str, pin_hash: &str) -> DbResult<()>;
    /// A 签发人's PIN hash, if they are one.
    async fn signer_pin(&self, name: &str) -> DbResult<Option<String>>;
    /// The 签发人, by name.
    async fn signers(&self) -> DbResult<Vec<String>>;
    /// The street's home-observation setting as devices get it, if the street set one (`None`:
    /// every device uses the default).
    async fn observation_setting(&self) -> DbResult<Option<ObservationSetting>>;
    /// Sets it: one reference row (kind `observation_policy`, placed nowhere, so every device
    /// pulls it); an unchanged body writes nothing.
    async fn put_observation_setting(&self, setting: &ObservationSetting) -> DbResult<()>;
    /// The body (JSON text) of one of the street's settings that devices pull (a reference row
    /// of `kind` placed nowhere: `hotline_policy`, `disinfection_policy`, `supply_items`), if it was
    /// set.
    async fn street_reference(&self, kind: ReferenceKind, id: &str) -> DbResult<Option<String>>;
    /// Sets one: one reference row of `kind`, placed nowhere, so every device pulls it; an
    /// unchanged body writes nothing.
    async fn put_street_reference(
        &self,
        kind: ReferenceKind,
        id: &str,
        body: serde_json::Value,
    ) -> DbResult<()>;
    /// The street's hotline deadlines as devices get them, if the street set them (`None`:
    /// every device uses the default).
    async fn hotline_policy(&self) -> DbResult<Option<kadian_domain::hotline::HotlinePolicy>> {
        let kind = ReferenceKind::HotlinePolicy;
        let body = self
            .street_reference(kind, kadian_domain::hotline::HotlinePolicy::ID)
            .await?;
        Ok(body.map(|b| serde_json::from_str(&b)).transpose()?)
    }
    /// Sets them (kind `hotline_policy`).
    async fn put_hotline_policy(
        &self,
        policy: &kadian_domain::hotline::HotlinePolicy,
    ) -> DbResult<()> {
        let body = serde_json::to_value(policy)?;
        self.put_street_reference(
            ReferenceKind::HotlinePolicy,
            kadian_domain::hotline::HotlinePolicy::ID,
            body,
        )
        .await
    }
    /// The street's disinfection grace as devices get it, if the street set it (`None`: every
    /// device uses the default, 2 hours).
    async fn disinfection_policy(
        &self,
    ) -> DbResult<Option<kadian_domain::disinfection::DisinfectionPolicy>> {
        let kind = ReferenceKind::DisinfectionPolicy;
        let body = self
            .street_reference(kind, kadian_domain::disinfection::DisinfectionPolicy::ID)
            .await?;
        Ok(body.map(|b| serde_json::from_str(&b)).transpose()?)
    }
    /// Sets it (kind `disinfection_policy`).
    async fn put_disinfection_policy(
        &self,
        policy: &kadian_domain::disinfection::DisinfectionPolicy,
    ) -> DbResult<()> {
        let body = serde_json::to_value(policy)?;
        self.put_street_reference(
            ReferenceKind::DisinfectionPolicy,
            kadian_domain::disinfection::DisinfectionPolicy::ID,
            body,
        )
        .await
    }
    /// The street's items as devices get them (the plan's seven when the street never set its
    /// own).
    async fn supply_items(&self) -> DbResult<kadian_domain::records::SupplyItems> {
        let kind = ReferenceKind::SupplyItems;
        let body = self
            .street_reference(kind, kadian_domain::records::SupplyItems::ID)
            .await?;
        Ok(supply_items_of(body.as_deref()))
    }
    /// Sets the street's items (kind `supply_items`): every device gets them at its next sync.
    /// The caller checks them ([`kadian_domain::records::check_supply_items`] and
    /// [`kadian_domain::records::check_supply_items_change`]).
    async fn put_supply_items(&self, items: &kadian_domain::records::SupplyItems) -> DbResult<()> {
        let body = serde_json::to_value(items)?;
        self.put_street_reference(
            ReferenceKind::SupplyItems,
            kadian_domain::records::SupplyItems::ID,
            body,
        )
        .await
    }
    /// A street setting (`report_cutoff`, …), if set.
    async fn setting(&self, key: &str) -> DbResult<Option<String>>;
    /// Sets a street setting.
    async fn set_setting(&self, key: &str, value: &str) -> DbResult<()>;
}

/// The kinds the daily report reads whole (few beside the gate's passages and readings): a
/// returnee on file, a case's days and status, a referral from a gate, a correction of any day.
/// SQL list.
pub const REPORT_WHOLE_KINDS: &str =
    "'travel_declaration', 'observation_case', 'case_transition', \
     'follow_up_visit', 'referral', 'correction'";

/// The kinds screening coverage reads whole: the register (persons, households), a visit's
/// case (whose person it saw), a correction (a voided passage is no evidence), staff's links of
/// person records (one person counted once). SQL list.
pub const COVERAGE_WHOLE_KINDS: &str =
    "'person', 'household', 'observation_case', 'correction', 'person_link'";

/// A stored record with where the server placed it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlacedRecord {
    /// Its kind.
    pub kind: String,
    /// Its body (JSON text).
    pub body: String,
    /// Its community's code, if placed in one.
    pub community: Option<String>,
    /// Its compound's id, if placed in one.
    pub compound: Option<String>,
}

/// A signed daily report as kept: frozen.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignedReport {
    /// The China day, `YYYY-MM-DD`.
    pub date: String,
    /// 签发人.
    pub signer: String,
    /// When (UTC).
    pub signed_at: DateTime<Utc>,
    /// SHA-256 of `body`, hex.
    pub hash: String,
    /// The report's JSON as signed.
    pub body: String,
}

/// The records of the sync protocol: pushes stored with a receipt each, pulls after a cursor.
#[async_trait]
pub trait Records: Send + Sync {
    /// Stores a batch, each record on its own merits (one [`arrival::plan`] each); receipts in
    /// order. A record that failed its kind's rules comes as `Err(receipt)` and is answered with
    /// that receipt in its place.
    async fn store(
        &self,
        meta: &PushMeta,
        device: &Device,
        reference: Arc<Reference>,
        records: Vec<Result<Incoming, Receipt>>,
    ) -> DbResult<Vec<Receipt>>;
    /// Changes after `cursor` that `filter` lets through, at most `limit` and
    /// [`MAX_PULL_BYTES`] of bodies (at least one change); (changes, next cursor, more).
    async fn pull(
        &self,
        filter: &PullFilter,
        cursor: i64,
        limit: i64,
    ) -> DbResult<(Vec<Change>, i64, bool)>;
    /// The newest change's position in the sequence (the highest cursor a pull can give), 0 for
    /// none.
    async fn head(&self) -> DbResult<i64>;
    /// What the daily report reads: passages, readings and shift events that happened in
    /// `[events_from, events_to)` (UTC), and every record of [`REPORT_WHOLE_KINDS`], oldest first, deleted
    /// ones left out; each with where the server placed it.
    async fn report_records(
        &self,
        events_from: DateTime<Utc>,
        events_to: DateTime<Utc>,
    ) -> DbResult<Vec<PlacedRecord>>;
    /// What screening coverage reads: the passages of a person (not a walk-in) and the
    /// screenings that happened in `[events_from, events_to)` (UTC), the follow-up and household
    /// visits recorded in `[events_from, visits_to)` (a visit may be typed in late), and every
    /// record of [`COVERAGE_WHOLE_KINDS`], in no particular order, deleted ones left out; each
    /// with where the server placed it, each handed to `sink` as it is read (PostgreSQL streams
    /// them: the caller parses one while the next arrives).
    async fn coverage_records(
        &self,
        events_from: DateTime<Utc>,
        events_to: DateTime<Utc>,
        visits_to: DateTime<Utc>,
        sink: &mut (dyn FnMut(PlacedRecord) + Send),
    ) -> DbResult<()>;
    /// Number of records of a kind (tests, admin).
    async fn count(&self, kind: &str) -> DbResult<i64>;
    /// Records flagged for a wrong device clock: (id, device_time, received_at).
    async fn flagged(&self) -> DbResult<Vec<(String, DateTime<Utc>, DateTime<Utc>)>>;
    /// Every record of `kinds` (not deleted) with both clocks of its last arrival, by `seq`:
    /// what a figure whose deadlines run on the server's time reads (hotline reports).
    async fn clocked_records(&self, kinds: &[&str]) -> DbResult<Vec<ClockedRecord>>;
}

/// A stored record with the clocks of its last arrival.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClockedRecord {
    /// Its kind.
    pub kind: String,
    /// Its body (JSON text).
    pub body: String,
    /// Its community's code, if placed in one.
    pub community: Option<String>,
    /// Its compound's id, if placed in one.
    pub compound: Option<String>,
    /// The pushing device's clock when it sent the batch (UTC; none from an import).
    pub device_time: Option<DateTime<Utc>>,
    /// The server's clock when it arrived (UTC).
    pub received_at: DateTime<Utc>,
    /// The device's clock was off by more than the protocol's tolerance (5 minutes).
    pub clock_flagged: bool,
    /// Its version (1: as first pushed; the clocks are those of that push only then).
    pub version: i64,
}

impl ClockedRecord {
    /// How far the device's clock was ahead of the server's at the arrival (negative: behind),
    /// when it was flagged as off; zero otherwise. An instant the device wrote, minus this, is
    /// the server's time of it. Only the first version's: a later version's clocks are those
    /// of whoever changed it last, not of whoever wrote the record's instants (an event has
    /// one version).
    pub fn skew(&self) -> chrono::Duration {
        match (self.clock_flagged, self.device_time, self.version) {
            (true, Some(d), 1) => d - self.received_at,
            _ => chrono::Duration::zero(),
        }
    }
}

/// The newest SQLite schema version this build knows (a backup of a newer one is refused).
pub fn sqlite_schema_known() -> i64 {
    sqlite::SCHEMA_KNOWN
}

/// Opens the database a URL names and migrates it: `sqlite:///abs/path.db`,
/// `sqlite://./relative.db`, or `postgres://…`.
pub async fn connect(url: &str) -> DbResult<Arc<dyn Database>> {
    let db: Arc<dyn Database> = if let Some(path) = url.strip_prefix("sqlite://") {
        Arc::new(sqlite::SqliteDb::open(std::path::Path::new(path))?)
    } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        Arc::new(postgres::PgDb::connect(url).await?)
    } else {
        return Err(DbError::Url(masked_url(url)));
    };
    db.migrate().await?;
    Ok(db)
}

/// Like [`connect`], for every command but `init`: a SQLite file that does not exist is not
/// created (`DbError::Missing`), so a server started from the wrong folder, or with a mistyped
/// path, says so instead of serving an empty street that tells every device to enrol again.
pub async fn connect_existing(url: &str) -> DbResult<Arc<dyn Database>> {
    if let Some(path) = url.strip_prefix("sqlite://") {
        if !std::path::Path::new(path).exists() {
            return Err(DbError::Missing(path.to_owned()));
        }
    }
    connect(url).await
}

/// Scope of an enrolment, from the role's level and the reference data.
pub fn scope_for(reference: &Reference, street: &str, role: Role, target: &str) -> DbResult<Scope> {
    let unknown = |what: &str| DbError::Invalid(format!("unknown {what} {target}"));
    // The place, or a checkpoint's compound (a reinstated gate under a compound retired since).
    let parent = reference.checkpoints.get(target).map(|(c, _)| c.as_str());
    for place in std::iter::once(target).chain(parent) {
        if let Some(at) = reference.retired_at(place) {
            return Err(DbError::Invalid(format!(
                "{} was retired at {} (China time): no device is enrolled there any more",
                reference.place_name(place),
                crate::china_time::china_minute(at)
            )));
        }
    }
    Ok(match role {
        Role::Street => Scope {
            street: street.to_owned(),
            community: None,
            compound: None,
            checkpoint: None,
            zone: None,
        },
        Role::Community => {
            if !reference.communities.contains_key(target) {
                return Err(unknown("community"));
            }
            Scope {
                street: street.to_owned(),
                community: Some(target.to_owned()),
                compound: None,
                checkpoint: None,
                zone: None,
            }
        }
        Role::Compound => {
            let (community, _) = reference
                .compounds
                .get(target)
                .ok_or_else(|| unknown("compound"))?;
            Scope {
                street: street.to_owned(),
                community: Some(community.clone()),
                compound: Some(target.to_owned()),
                checkpoint: None,
                zone: None,
            }
        }
        Role::Zone => {
            // By id or by name (`第一片区`).
            let zone = reference
                .zones
                .values()
                .find(|z| z.id == target || z.name == target.trim())
                .ok_or_else(|| unknown("zone"))?;
            Scope {
                street: street.to_owned(),
                community: None,
                compound: None,
                checkpoint: None,
                zone: Some(zone.id.clone()),
            }
        }
        Role::Volunteer => {
            let (compound, _) = reference
                .checkpoints
                .get(target)
                .ok_or_else(|| unknown("checkpoint"))?;
            let (community, _) = reference
                .compounds
                .get(compound)
                .ok_or_else(|| unknown("compound"))?;
            Scope {
                street: street.to_owned(),
                community: Some(community.clone()),
                compound: Some(compound.clone()),
                checkpoint: Some(target.to_owned()),
                zone: None,
            }
        }
    })
}

#[cfg(test)]
mod tests {
    #[test]
    fn no_code_is_issued_for_a_gate_whose_compound_is_retired() {
        use super::{scope_for, Reference};
        use kadian_domain::sync::Role;
        let mut r = Reference::bayi();
        assert!(scope_for(&r, "411402001", Role::Volunteer, "g1").is_ok());
        r.retired.insert("c1".into(), chrono::Utc::now());
        let err = scope_for(&r, "411402001", Role::Volunteer, "g1").expect_err("retired");
        assert!(err.to_string().starts_with("八一新苑 was retired"), "{err}");
        assert!(scope_for(&r, "411402001", Role::Compound, "c1").is_err());
    }

    #[test]
    fn a_password_never_shows_in_a_url_said_in_a_log_or_an_error() {
        use super::masked_url;
        assert_eq!(
            masked_url("postgres://kadian:s3cr%40t@db.local:5432/kadian"),
            "postgres://kadian:***@db.local:5432/kadian"
        );
        assert_eq!(
            masked_url("postgres://kadian@db.local/kadian?password=s3cret&sslmode=disable"),
            "postgres://kadian@db.local/kadian?password=***&sslmode=disable"
        );
        assert_eq!(
            masked_url("sqlite:///var/lib/kadian/kadian.db"),
            "sqlite:///var/lib/kadian/kadian.db"
        );
        assert_eq!(
            masked_url("postgres://kadian@db/k"),
            "postgres://kadian@db/k"
        );
        assert_eq!(
            masked_url("postgres://kadian:pa/ss@db/k"),
            "postgres://kadian:***@db/k"
        );
        assert_eq!(
            masked_url("postgres://kadian@db/k?password=a&application_name=x&password=b"),
            "postgres://kadian@db/k?password=***&application_name=x&password=***"
        );
        assert_eq!(
            masked_url("postgress://kadian:secret@db/k"),
            "postgress://kadian:***@db/k"
        );
    }

    use super::*;

    fn row(seq: i64, bytes: usize) -> (Change, i64, usize) {
        (
            Change {
                kind: "passage".into(),
                id: seq.to_string(),
                version: 1,
                deleted: false,
                body: serde_json::Value::Null,
            },
            seq,
            bytes,
        )
    }

    #[test]
    fn a_pull_page_stops_at_4_mib_but_always_holds_one_change() {
        let mib = 1024 * 1024;
        let (page, last, more) = cut_page(vec![row(1, 3 * mib), row(2, 2 * mib)], 500);
        assert_eq!((page.len(), last, more), (1, Some(1), true));
        let (page, last, more) = cut_page(vec![row(5, 9 * mib), row(6, 10)], 500);
        assert_eq!(
            (page.len(), last, more),
            (1, Some(5), true),
            "one huge change"
        );
        let (page, last, more) = cut_page(vec![row(1, 10), row(2, 10), row(3, 10)], 2);
        assert_eq!((page.len(), last, more), (2, Some(2), true), "by count");
        let (page, last, more) = cut_page(vec![row(1, 10)], 2);
        assert_eq!((page.len(), last, more), (1, Some(1), false));
    }
}
