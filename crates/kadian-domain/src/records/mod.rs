//! The records Kadian keeps. Events (passage, temperature reading, travel declaration,
//! correction, follow-up visit, case transition) are created once and never edited; the person,
//! the volunteer and the observation case are entities that change with a version. Ids are UUIDv7 made on the device that creates the record. Instants are UTC with the
//! device's offset beside them; date-only fields are plain dates.
//!
//! One file per kind: the kind's type and the rules a stored record of it keeps
//! (`check_<kind>`). [`RecordKind`] is the one list of kinds.
//!
//! The rules a stored record of each kind must keep, one check per kind, applied in two places
//! with the same code: the server before it stores a pushed record, and the device store before
//! it writes any record (typed, imported or pulled). Whatever the server accepted, every device
//! of its scope can therefore apply.
//!
//! These are the *storable* rules: shape, bounds and references that keep a record from breaking
//! another device. They are looser than the rules of a form (a wrong ID check digit is a warning
//! a person confirms at the form, and such a record is storable); they never look at anything
//! but the record itself.
//!
//! A record arrives as JSON; [`check_record`] parses it into its kind's type (unknown fields are
//! dropped, every id comes out in canonical lower-case form) and checks it. The server stores and
//! relays [`TypedRecord::to_value`], never the body as it was sent.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use uuid::Uuid;

use crate::{Field, Notice};

mod case_transition;
mod correction;
mod disinfection;
mod donation;
mod follow_up_visit;
mod hotline_report;
mod household;
mod household_visit;
mod key_area;
mod observation_case;
mod passage;
mod person;
mod person_link;
mod referral;
pub mod rules;
mod screening;
mod shift;
mod supplies;
mod temperature_reading;
mod travel_declaration;
pub mod volunteer;

pub use case_transition::{check_case_transition, CaseTransition};
pub use correction::{check_correction, Correction, CorrectionAction};
pub use disinfection::{
    check_disinfection, check_disinfection_site, site_id, DisinfectantAgent, DisinfectedArea,
    DisinfectedBy, Disinfection, DisinfectionMethod, DisinfectionSite, SiteKind,
    MAX_CONCENTRATION_MG_L, MAX_TIMES_PER_DAY, SITE_NAMESPACE,
};
pub use donation::{
    check_donation, donation_id, Donation, DonationLine, DonorKind, DONATION_NAMESPACE,
    MAX_DONATION_LINES, OTHER_ITEM,
};
pub use follow_up_visit::{
    check_follow_up_visit, FollowUpVisit, Symptom, VisitAction, VisitMethod, VisitSlot,
};
pub use hotline_report::{
    check_hotline_report, check_report_action, device_tag, district_report_id, hotline_number,
    reported_person_id, CheckFinding, HotlineCategory, HotlineChannel, HotlineReport, ReportAction,
    ReportActionKind, ReportDisposition, Urgency, DISTRICT_REPORT_NAMESPACE,
};
pub use household::{
    check_household, household_id_for, household_key, Household, HouseholdKind, HouseholdPlace,
    Relation, HOUSEHOLD_NAMESPACE,
};
pub use household_visit::{
    check_household_visit, HouseholdNeed, HouseholdVisit, HouseholdVisitMethod,
    HouseholdVisitOutcome, MemberSeen,
};
pub use key_area::{
    check_key_area, check_key_area_change, standing, DeclaredBy, KeyArea, KeyAreaChange,
    KeyAreaChangeKind, KeyAreaReason, KeyAreaStanding, MAX_KEY_AREA_PARTS,
};
pub use observation_case::{
    address_line, check_observation_case, gate_opening_reason, observation_case_id_for_declaration,
    ObservationCase, ObservationReason, OBSERVATION_CASE_NAMESPACE,
};
pub use passage::{check_destination, check_passage, check_purpose, Direction, Passage};
pub use person::{check_person, Person, PersonCategory};
pub use person_link::{check_person_link, latest_words, linked, pair_of, LinkVerdict, PersonLink};
pub use referral::{
    check_referral, referral_id_for, Disposition, Referral, ReferralSource, ReferralStatus,
    REFERRAL_NAMESPACE,
};
pub use rules::{
    canonical_uuid, is_invisible, MAX_COMPANIONS, MAX_OFFSET_MINUTES, MAX_REF_CHARS,
    MAX_SHORT_CHARS, MAX_TEXT_CHARS, MAX_TRAVEL_PLACES,
};
pub use screening::{
    check_screening, MemberCheck, MemberStatus, Screening, ScreeningMethod, MAX_SCREENED_MEMBERS,
};
pub use shift::{check_shift_event, ShiftEvent, ShiftMark};
pub use supplies::{
    check_stock_movement, check_supply_items, check_supply_items_change, item_code_ok,
    transfer_allowed, Holder, MovementKind, ReceiptSource, StockMovement, SupplyItem, SupplyItems,
    MAX_PACK_SIZE, MAX_QUANTITY, MAX_SUPPLY_ITEMS, PLAN_ITEMS,
};
pub use temperature_reading::{check_reading, TemperatureReading};
pub use travel_declaration::{check_travel, TransportMode, TravelDeclaration, TravelPlace};
pub use volunteer::{check_volunteer, Volunteer};

use rules::{bad, clip};

/// A new record id: UUIDv7 (time-ordered, so inserts stay at the end of indexes).
pub fn new_id() -> Uuid {
    Uuid::now_v7()
}

/// The kind of a record, as the outbox and the sync protocol name it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RecordKind {
    /// [`Person`] (entity).
    Person,
    /// [`Passage`] (event).
    Passage,
    /// [`TemperatureReading`] (event).
    TemperatureReading,
    /// [`TravelDeclaration`] (event).
    TravelDeclaration,
    /// [`Correction`] (event).
    Correction,
    /// [`crate::records::volunteer::Volunteer`] (entity; set by compound staff).
    Volunteer,
    /// [`ObservationCase`] (entity; compound staff).
    ObservationCase,
    /// [`FollowUpVisit`] (event; compound staff).
    FollowUpVisit,
    /// [`CaseTransition`] (event; compound staff).
    CaseTransition,
    /// [`Referral`] (entity; staff, or a gate for a fever under observation).
    Referral,
    /// [`Household`] (entity; compound staff).
    Household,
    /// [`Screening`] (event; compound staff).
    Screening,
    /// [`KeyArea`] (entity; community or street staff).
    KeyArea,
    /// [`KeyAreaChange`] (event; staff).
    KeyAreaChange,
    /// [`HouseholdVisit`] (event; compound staff).
    HouseholdVisit,
    /// [`PersonLink`] (event; staff): two person records said to be one person, or two.
    PersonLink,
    /// [`HotlineReport`] (entity; staff): a tip or a district list's row to check, and where it
    /// is assigned.
    HotlineReport,
    /// [`ReportAction`] (event; staff): a step on a hotline report (assign, check result,
    /// disposition, close).
    ReportAction,
    /// [`DisinfectionSite`] (entity; staff): a place disinfected on a schedule (消杀点位).
    DisinfectionSite,
    /// [`Disinfection`] (event; staff): a disinfection done at a site (消杀记录).
    Disinfection,
    /// [`StockMovement`] (event; staff): supplies received, dispatched, confirmed, used, lost
    /// or counted (物资出入库).
    StockMovement,
    /// [`Donation`] (entity; street staff): what a donor gave, line by line, and where it went
    /// (捐赠).
    Donation,
    /// [`ShiftEvent`] (event; a checkpoint's tablet): a volunteer's sign-in (签到) or hand-over
    /// (交班) there.
    ShiftEvent,
}

impl RecordKind {
    /// Every kind, in the order the sync protocol lists them. The one list: the server's rules,
    /// the OpenAPI enum, the device's pull and the store's tables all follow it, each with an
    /// exhaustive `match`, so a new kind that one of them does not handle does not compile.
    pub const ALL: [RecordKind; 23] = [
        RecordKind::Person,
        RecordKind::Passage,
        RecordKind::TemperatureReading,
        RecordKind::TravelDeclaration,
        RecordKind::Correction,
        RecordKind::Volunteer,
        RecordKind::ObservationCase,
        RecordKind::FollowUpVisit,
        RecordKind::CaseTransition,
        RecordKind::Referral,
        RecordKind::Household,
        RecordKind::Screening,
        RecordKind::KeyArea,
        RecordKind::KeyAreaChange,
        RecordKind::HouseholdVisit,
        RecordKind::PersonLink,
        RecordKind::HotlineReport,
        RecordKind::ReportAction,
        RecordKind::DisinfectionSite,
        RecordKind::Disinfection,
        RecordKind::StockMovement,
        RecordKind::Donation,
        RecordKind::ShiftEvent,
    ];

    /// The stored name (`passage`, ...).
    pub fn as_str(self) -> &'static str {
        match self {
            RecordKind::Person => "person",
            RecordKind::Passage => "passage",
            RecordKind::TemperatureReading => "temperature_reading",
            RecordKind::TravelDeclaration => "travel_declaration",
            RecordKind::Correction => "correction",
            RecordKind::Volunteer => "volunteer",
            RecordKind::ObservationCase => "observation_case",
            RecordKind::FollowUpVisit => "follow_up_visit",
            RecordKind::CaseTransition => "case_transition",
            RecordKind::Referral => "referral",
            RecordKind::Household => "household",
            RecordKind::Screening => "screening",
            RecordKind::KeyArea => "key_area",
            RecordKind::KeyAreaChange => "key_area_change",
            RecordKind::HouseholdVisit => "household_visit",
            RecordKind::PersonLink => "person_link",
            RecordKind::HotlineReport => "hotline_report",
            RecordKind::ReportAction => "report_action",
            RecordKind::DisinfectionSite => "disinfection_site",
            RecordKind::Disinfection => "disinfection",
            RecordKind::StockMovement => "stock_movement",
            RecordKind::Donation => "donation",
            RecordKind::ShiftEvent => "shift_event",
        }
    }

    /// True for kinds that are never edited once made.
    pub fn is_event(self) -> bool {
        match self {
            RecordKind::Person
            | RecordKind::Volunteer
            | RecordKind::ObservationCase
            | RecordKind::Referral
            | RecordKind::Household
            | RecordKind::KeyArea
            | RecordKind::HotlineReport
            | RecordKind::DisinfectionSite
            | RecordKind::Donation => false,
            RecordKind::Passage
            | RecordKind::TemperatureReading
            | RecordKind::TravelDeclaration
            | RecordKind::Correction
            | RecordKind::FollowUpVisit
            | RecordKind::CaseTransition
            | RecordKind::Screening
            | RecordKind::KeyAreaChange
            | RecordKind::HouseholdVisit
            | RecordKind::PersonLink
            | RecordKind::ReportAction
            | RecordKind::Disinfection
            | RecordKind::StockMovement
            | RecordKind::ShiftEvent => true,
        }
    }
}

impl std::str::FromStr for RecordKind {
    type Err = Notice;

    /// Parses a kind's stored name (`passage`, ...). Errors: `unknown_kind`.
    fn from_str(s: &str) -> Result<Self, Notice> {
        RecordKind::ALL
            .into_iter()
            .find(|k| k.as_str() == s)
            .ok_or_else(|| {
                bad(
                    Field::Record,
                    "unknown_kind",
                    format!("未知记录类型 {}", clip(s)),
                    format!("unknown record kind {}", clip(s)),
                )
            })
    }
}

/// Reference data the server sends with the records: the places a device's scope is made of.
/// Set on the server (`kadian-server community|compound|checkpoint`), never pushed by devices.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReferenceKind {
    /// A community (社区/村), by its 12-digit division code.
    Community,
    /// A compound or village (小区/自然村).
    Compound,
    /// A checkpoint (卡点) of a compound.
    Checkpoint,
    /// A grid zone (片区) with its compounds: to the street's devices and the zone's own.
    Zone,
    /// The street's home-observation setting (one row, to every device):
    /// [`crate::observation::ObservationSetting`].
    ObservationPolicy,
    /// The street's hotline deadlines (one row, placed nowhere).
    HotlinePolicy,
    /// The street's disinfection grace (one row, placed nowhere):
    /// [`crate::disinfection::DisinfectionPolicy`].
    DisinfectionPolicy,
    /// The street's items (one row, placed nowhere): [`SupplyItems`].
    SupplyItems,
}

impl ReferenceKind {
    /// Every reference kind.
    pub const ALL: [ReferenceKind; 8] = [
        ReferenceKind::Community,
        ReferenceKind::Compound,
        ReferenceKind::Checkpoint,
        ReferenceKind::Zone,
        ReferenceKind::ObservationPolicy,
        ReferenceKind::HotlinePolicy,
        ReferenceKind::DisinfectionPolicy,
        ReferenceKind::SupplyItems,
    ];

    /// The stored name (`community`, ...).
    pub fn as_str(self) -> &'static str {
        match self {
            ReferenceKind::Community => "community",
            ReferenceKind::Compound => "compound",
            ReferenceKind::Checkpoint => "checkpoint",
            ReferenceKind::Zone => "zone",
            ReferenceKind::ObservationPolicy => "observation_policy",
            ReferenceKind::HotlinePolicy => "hotline_policy",
            ReferenceKind::DisinfectionPolicy => "disinfection_policy",
            ReferenceKind::SupplyItems => "supply_items",
        }
    }
}

/// What one change of a pull carries: a record, reference data, or the values a merge kept out
/// (a conflict, for review on the devices that see the record).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ChangeKind {
    /// A record of the sync protocol.
    Record(RecordKind),
    /// Reference data.
    Reference(ReferenceKind),
    /// A field conflict of a merged entity.
    Conflict,
}

impl ChangeKind {
    /// The stored name of a conflict change.
    pub const CONFLICT: &'static str = "conflict";

    /// The kind of a change by its stored name; `None` for a name this version does not know
    /// (a newer server's kind: the device quarantines it).
    pub fn parse(name: &str) -> Option<ChangeKind> {
        RecordKind::ALL
            .into_iter()
            .find(|k| k.as_str() == name)
            .map(ChangeKind::Record)
            .or_else(|| {
                ReferenceKind::ALL
                    .into_iter()
                    .find(|k| k.as_str() == name)
                    .map(ChangeKind::Reference)
            })
            .or((name == Self::CONFLICT).then_some(ChangeKind::Conflict))
    }

    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            ChangeKind::Record(k) => k.as_str(),
            ChangeKind::Reference(k) => k.as_str(),
            ChangeKind::Conflict => Self::CONFLICT,
        }
    }

    /// Every kind a pull may carry, by name (the OpenAPI enum of `Change.kind`).
    pub fn all_names() -> Vec<&'static str> {
        RecordKind::ALL
            .into_iter()
            .map(RecordKind::as_str)
            .chain(ReferenceKind::ALL.into_iter().map(ReferenceKind::as_str))
            .chain([Self::CONFLICT])
            .collect()
    }
}

/// Where a write came from; sync never mistakes its own writes for a user's edit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Source {
    /// Typed by a person on this device.
    User,
    /// Pulled from the server.
    Sync,
    /// Read from a register file.
    Import,
}

impl Source {
    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            Source::User => "user",
            Source::Sync => "sync",
            Source::Import => "import",
        }
    }
}

/// When something happened: the UTC instant and the device's offset from UTC at that moment
/// (Asia/Shanghai is +480 minutes).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Instant {
    /// UTC.
    pub utc: DateTime<Utc>,
    /// Device offset from UTC in minutes.
    pub offset_minutes: i32,
}

impl Instant {
    /// Now, with China Standard Time's offset (+08:00), which all of China uses.
    pub fn now_cst() -> Self {
        Instant {
            utc: Utc::now(),
            offset_minutes: 480,
        }
    }
}

/// A record of any kind, typed and checked by [`check_record`].
#[derive(Debug, Clone, PartialEq)]
pub enum TypedRecord {
    /// A person (entity).
    Person(Person),
    /// A passage (event).
    Passage(Passage),
    /// A temperature reading (event).
    TemperatureReading(TemperatureReading),
    /// A travel declaration (event).
    TravelDeclaration(TravelDeclaration),
    /// A correction (event).
    Correction(Correction),
    /// A volunteer of a compound (entity).
    Volunteer(Volunteer),
    /// A person under home observation (entity).
    ObservationCase(ObservationCase),
    /// A follow-up visit (event).
    FollowUpVisit(FollowUpVisit),
    /// A case's change of status (event).
    CaseTransition(CaseTransition),
    /// A referral to the emergency response group (entity).
    Referral(Referral),
    /// A household (entity).
    Household(Household),
    /// A screening of a household (event).
    Screening(Screening),
    /// A key area (entity).
    KeyArea(KeyArea),
    /// A key area's change (event).
    KeyAreaChange(KeyAreaChange),
    /// A household visit (event).
    HouseholdVisit(HouseholdVisit),
    /// A word on two person records (event).
    PersonLink(PersonLink),
    /// A hotline report (entity).
    HotlineReport(HotlineReport),
    /// A step on a hotline report (event).
    ReportAction(ReportAction),
    /// A disinfection site (entity).
    DisinfectionSite(DisinfectionSite),
    /// A disinfection done (event).
    Disinfection(Disinfection),
    /// A stock movement (event).
    StockMovement(StockMovement),
    /// A donation (entity).
    Donation(Donation),
    /// A shift's sign-in or hand-over (event).
    ShiftEvent(ShiftEvent),
}

impl TypedRecord {
    /// The record's kind.
    pub fn kind(&self) -> RecordKind {
        match self {
            TypedRecord::Person(_) => RecordKind::Person,
            TypedRecord::Passage(_) => RecordKind::Passage,
            TypedRecord::TemperatureReading(_) => RecordKind::TemperatureReading,
            TypedRecord::TravelDeclaration(_) => RecordKind::TravelDeclaration,
            TypedRecord::Correction(_) => RecordKind::Correction,
            TypedRecord::Volunteer(_) => RecordKind::Volunteer,
            TypedRecord::ObservationCase(_) => RecordKind::ObservationCase,
            TypedRecord::FollowUpVisit(_) => RecordKind::FollowUpVisit,
            TypedRecord::CaseTransition(_) => RecordKind::CaseTransition,
            TypedRecord::Referral(_) => RecordKind::Referral,
            TypedRecord::Household(_) => RecordKind::Household,
            TypedRecord::Screening(_) => RecordKind::Screening,
            TypedRecord::KeyArea(_) => RecordKind::KeyArea,
            TypedRecord::KeyAreaChange(_) => RecordKind::KeyAreaChange,
            TypedRecord::HouseholdVisit(_) => RecordKind::HouseholdVisit,
            TypedRecord::PersonLink(_) => RecordKind::PersonLink,
            TypedRecord::HotlineReport(_) => RecordKind::HotlineReport,
            TypedRecord::ReportAction(_) => RecordKind::ReportAction,
            TypedRecord::DisinfectionSite(_) => RecordKind::DisinfectionSite,
            TypedRecord::Disinfection(_) => RecordKind::Disinfection,
            TypedRecord::StockMovement(_) => RecordKind::StockMovement,
            TypedRecord::Donation(_) => RecordKind::Donation,
            TypedRecord::ShiftEvent(_) => RecordKind::ShiftEvent,
        }
    }

    /// The record's id.
    pub fn id(&self) -> Uuid {
        match self {
            TypedRecord::Person(r) => r.id,
            TypedRecord::Passage(r) => r.id,
            TypedRecord::TemperatureReading(r) => r.id,
            TypedRecord::TravelDeclaration(r) => r.id,
            TypedRecord::Correction(r) => r.id,
            TypedRecord::Volunteer(r) => r.id,
            TypedRecord::ObservationCase(r) => r.id,
            TypedRecord::FollowUpVisit(r) => r.id,
            TypedRecord::CaseTransition(r) => r.id,
            TypedRecord::Referral(r) => r.id,
            TypedRecord::Household(r) => r.id,
            TypedRecord::Screening(r) => r.id,
            TypedRecord::KeyArea(r) => r.id,
            TypedRecord::KeyAreaChange(r) => r.id,
            TypedRecord::HouseholdVisit(r) => r.id,
            TypedRecord::PersonLink(r) => r.id,
            TypedRecord::HotlineReport(r) => r.id,
            TypedRecord::ReportAction(r) => r.id,
            TypedRecord::DisinfectionSite(r) => r.id,
            TypedRecord::Disinfection(r) => r.id,
            TypedRecord::StockMovement(r) => r.id,
            TypedRecord::Donation(r) => r.id,
            TypedRecord::ShiftEvent(r) => r.id,
        }
    }

    /// The typed record as JSON: only the kind's fields, ids in canonical form.
    pub fn to_value(&self) -> Value {
        let v = match self {
            TypedRecord::Person(r) => serde_json::to_value(r),
            TypedRecord::Passage(r) => serde_json::to_value(r),
            TypedRecord::TemperatureReading(r) => serde_json::to_value(r),
            TypedRecord::TravelDeclaration(r) => serde_json::to_value(r),
            TypedRecord::Correction(r) => serde_json::to_value(r),
            TypedRecord::Volunteer(r) => serde_json::to_value(r),
            TypedRecord::ObservationCase(r) => serde_json::to_value(r),
            TypedRecord::FollowUpVisit(r) => serde_json::to_value(r),
            TypedRecord::CaseTransition(r) => serde_json::to_value(r),
            TypedRecord::Referral(r) => serde_json::to_value(r),
            TypedRecord::Household(r) => serde_json::to_value(r),
            TypedRecord::Screening(r) => serde_json::to_value(r),
            TypedRecord::KeyArea(r) => serde_json::to_value(r),
            TypedRecord::KeyAreaChange(r) => serde_json::to_value(r),
            TypedRecord::HouseholdVisit(r) => serde_json::to_value(r),
            TypedRecord::PersonLink(r) => serde_json::to_value(r),
            TypedRecord::HotlineReport(r) => serde_json::to_value(r),
            TypedRecord::ReportAction(r) => serde_json::to_value(r),
            TypedRecord::DisinfectionSite(r) => serde_json::to_value(r),
            TypedRecord::Disinfection(r) => serde_json::to_value(r),
            TypedRecord::StockMovement(r) => serde_json::to_value(r),
            TypedRecord::Donation(r) => serde_json::to_value(r),
            TypedRecord::ShiftEvent(r) => serde_json::to_value(r),
        };
        v.unwrap_or(Value::Null)
    }
}

/// Parses `body` as a record of `kind` and checks it by that kind's rules.
///
/// Errors (field, code): (`record`, `invalid_record`) for a body that is not the kind's shape,
/// and each kind's own codes (see the `check_*` functions of this module).
pub fn check_record(kind: RecordKind, body: &Value) -> Result<TypedRecord, Notice> {
    let typed = typed(kind, body).map_err(|e| malformed(kind, &e))?;
    check_typed(&typed)?;
    Ok(typed)
}

/// [`check_record`] for a body as JSON text (a stored record), read straight into its type
/// without a JSON tree first: a server counting a day reads tens of thousands. Trailing text
/// after the record is malformed too. Errors: as [`check_record`]'s.
pub fn check_record_text(kind: RecordKind, body: &str) -> Result<TypedRecord, Notice> {
    let mut de = serde_json::Deserializer::from_str(body);
    let typed = typed(kind, &mut de)
        .and_then(|t| de.end().map(|()| t))
        .map_err(|e| malformed(kind, &e))?;
    check_typed(&typed)?;
    Ok(typed)
}

/// `invalid_record`: the body is not the kind's shape.
fn malformed(kind: RecordKind, e: &serde_json::Error) -> Notice {
    bad(
        Field::Record,
        "invalid_record",
        format!(
            "记录格式不对（{}）：{}",
            kind.as_str(),
            clip(&e.to_string())
        ),
        format!("malformed {}: {}", kind.as_str(), clip(&e.to_string())),
    )
}

/// The record of `kind` a deserializer holds, in its type (not yet checked).
fn typed<'de, D: serde::Deserializer<'de, Error = serde_json::Error>>(
    kind: RecordKind,
    d: D,
) -> Result<TypedRecord, serde_json::Error> {
    Ok(match kind {
        RecordKind::Person => TypedRecord::Person(Deserialize::deserialize(d)?),
        RecordKind::Passage => TypedRecord::Passage(Deserialize::deserialize(d)?),
        RecordKind::TemperatureReading => {
            TypedRecord::TemperatureReading(Deserialize::deserialize(d)?)
        }
        RecordKind::TravelDeclaration => {
            TypedRecord::TravelDeclaration(Deserialize::deserialize(d)?)
        }
        RecordKind::Correction => TypedRecord::Correction(Deserialize::deserialize(d)?),
        RecordKind::Volunteer => TypedRecord::Volunteer(Deserialize::deserialize(d)?),
        RecordKind::ObservationCase => TypedRecord::ObservationCase(Deserialize::deserialize(d)?),
        RecordKind::FollowUpVisit => TypedRecord::FollowUpVisit(Deserialize::deserialize(d)?),
        RecordKind::CaseTransition => TypedRecord::CaseTransition(Deserialize::deserialize(d)?),
        RecordKind::Referral => TypedRecord::Referral(Deserialize::deserialize(d)?),
        RecordKind::Household => TypedRecord::Household(Deserialize::deserialize(d)?),
        RecordKind::Screening => TypedRecord::Screening(Deserialize::deserialize(d)?),
        RecordKind::KeyArea => TypedRecord::KeyArea(Deserialize::deserialize(d)?),
        RecordKind::KeyAreaChange => TypedRecord::KeyAreaChange(Deserialize::deserialize(d)?),
        RecordKind::HouseholdVisit => TypedRecord::HouseholdVisit(Deserialize::deserialize(d)?),
        RecordKind::PersonLink => TypedRecord::PersonLink(Deserialize::deserialize(d)?),
        RecordKind::HotlineReport => TypedRecord::HotlineReport(Deserialize::deserialize(d)?),
        RecordKind::ReportAction => TypedRecord::ReportAction(Deserialize::deserialize(d)?),
        RecordKind::DisinfectionSite => TypedRecord::DisinfectionSite(Deserialize::deserialize(d)?),
        RecordKind::Disinfection => TypedRecord::Disinfection(Deserialize::deserialize(d)?),
        RecordKind::StockMovement => TypedRecord::StockMovement(Deserialize::deserialize(d)?),
        RecordKind::Donation => TypedRecord::Donation(Deserialize::deserialize(d)?),
        RecordKind::ShiftEvent => TypedRecord::ShiftEvent(Deserialize::deserialize(d)?),
    })
}

/// A typed record checked by its kind's rules.
fn check_typed(typed: &TypedRecord) -> Result<(), Notice> {
    match typed {
        TypedRecord::Person(r) => check_person(r)?,
        TypedRecord::Passage(r) => check_passage(r)?,
        TypedRecord::TemperatureReading(r) => check_reading(r)?,
        TypedRecord::TravelDeclaration(r) => check_travel(r)?,
        TypedRecord::Correction(r) => check_correction(r)?,
        TypedRecord::Volunteer(r) => check_volunteer(r)?,
        TypedRecord::ObservationCase(r) => check_observation_case(r)?,
        TypedRecord::FollowUpVisit(r) => check_follow_up_visit(r)?,
        TypedRecord::CaseTransition(r) => check_case_transition(r)?,
        TypedRecord::Referral(r) => check_referral(r)?,
        TypedRecord::Household(r) => check_household(r)?,
        TypedRecord::Screening(r) => check_screening(r)?,
        TypedRecord::KeyArea(r) => check_key_area(r)?,
        TypedRecord::KeyAreaChange(r) => check_key_area_change(r)?,
        TypedRecord::HouseholdVisit(r) => check_household_visit(r)?,
        TypedRecord::PersonLink(r) => check_person_link(r)?,
        TypedRecord::HotlineReport(r) => check_hotline_report(r)?,
        TypedRecord::ReportAction(r) => check_report_action(r)?,
        TypedRecord::DisinfectionSite(r) => check_disinfection_site(r)?,
        TypedRecord::Disinfection(r) => check_disinfection(r)?,
        TypedRecord::StockMovement(r) => check_stock_movement(r)?,
        TypedRecord::Donation(r) => check_donation(r)?,
        TypedRecord::ShiftEvent(r) => check_shift_event(r)?,
    }
    Ok(())
}
