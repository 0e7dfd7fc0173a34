//! The records Kadian keeps. Events (passage, temperature reading, travel declaration,
//! correction) are created once and never edited; the person is an entity that changes with a
//! version. Ids are UUIDv7 made on the device that creates the record. Instants are UTC with the
//! device's offset beside them; date-only fields are plain dates.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::id_number::{DocumentType, Sex};
use crate::temperature::Celsius;

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
    /// [`crate::volunteer::Volunteer`] (entity; set by compound staff).
    Volunteer,
}

impl RecordKind {
    /// The stored name (`passage`, ...).
    pub fn as_str(self) -> &'static str {
        match self {
            RecordKind::Person => "person",
            RecordKind::Passage => "passage",
            RecordKind::TemperatureReading => "temperature_reading",
            RecordKind::TravelDeclaration => "travel_declaration",
            RecordKind::Correction => "correction",
            RecordKind::Volunteer => "volunteer",
        }
    }

    /// True for kinds that are never edited once made.
    pub fn is_event(self) -> bool {
        !matches!(self, RecordKind::Person | RecordKind::Volunteer)
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

/// A person's place in the register.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PersonCategory {
    /// 常住居民
    Resident,
    /// 租户
    Tenant,
    /// 访客 / 外来人员
    Visitor,
}

impl PersonCategory {
    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            PersonCategory::Resident => "resident",
            PersonCategory::Tenant => "tenant",
            PersonCategory::Visitor => "visitor",
        }
    }
}

/// One entry of the resident register (居民花名册), or a visitor (entity).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Person {
    /// UUIDv7.
    pub id: Uuid,
    /// Normalised name ([`crate::PersonName`]).
    pub name: String,
    /// Document type.
    pub document_type: DocumentType,
    /// Normalised document number; `None` when unknown.
    pub document_number: Option<String>,
    /// Normalised phone ([`crate::Phone`]).
    pub phone: Option<String>,
    /// Sex, from the ID number or the register.
    pub sex: Option<Sex>,
    /// Birth date, from the ID number or the register.
    pub birth_date: Option<NaiveDate>,
    /// Community: 12-digit statistical division code (GB/T 2260 and below).
    pub community_code: Option<String>,
    /// Compound (小区) name or id.
    pub compound: Option<String>,
    /// Building (楼栋).
    pub building: Option<String>,
    /// Unit (单元).
    pub unit: Option<String>,
    /// Room (门牌号).
    pub room: Option<String>,
    /// Resident, tenant or visitor.
    pub category: PersonCategory,
}

impl Person {
    /// A person with a new id and only a name; the other fields empty.
    pub fn new(name: impl Into<String>, category: PersonCategory) -> Self {
        Person {
            id: new_id(),
            name: name.into(),
            document_type: DocumentType::ResidentId,
            document_number: None,
            phone: None,
            sex: None,
            birth_date: None,
            community_code: None,
            compound: None,
            building: None,
            unit: None,
            room: None,
            category,
        }
    }
}

/// In or out of the gate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Direction {
    /// 进
    In,
    /// 出
    Out,
}

impl Direction {
    /// The stored name (`in`, `out`).
    pub fn as_str(self) -> &'static str {
        match self {
            Direction::In => "in",
            Direction::Out => "out",
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

/// One entry or exit at a checkpoint (出入登记), an event.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Passage {
    /// UUIDv7.
    pub id: Uuid,
    /// The checkpoint's id.
    pub checkpoint_id: String,
    /// In or out.
    pub direction: Direction,
    /// When.
    pub at: Instant,
    /// The registered person, if known.
    pub person_id: Option<Uuid>,
    /// A walk-in's name when there is no person record.
    pub walk_in_name: Option<String>,
    /// Vehicle plate ([`crate::LicencePlate`]), if any.
    pub plate: Option<String>,
    /// Number of people with them.
    pub companions: u16,
    /// Purpose of the visit (事由).
    pub purpose: Option<String>,
    /// Who on duty registered it (volunteer id).
    pub recorded_by: String,
}

/// One temperature measurement, an event. A re-measure (复测) is a new reading pointing at the
/// first, never an overwrite.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TemperatureReading {
    /// UUIDv7.
    pub id: Uuid,
    /// The passage it was taken at, if any.
    pub passage_id: Option<Uuid>,
    /// The person, if known.
    pub person_id: Option<Uuid>,
    /// The checkpoint.
    pub checkpoint_id: String,
    /// When.
    pub at: Instant,
    /// The reading, °C.
    pub celsius: Celsius,
    /// At or above the street's fever threshold when taken.
    pub fever: bool,
    /// The reading this one re-measures.
    pub remeasure_of: Option<Uuid>,
    /// Who measured.
    pub recorded_by: String,
}

/// How someone travelled.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TransportMode {
    /// 火车 (reference: train number, e.g. G1936).
    Train,
    /// 飞机 (reference: flight number, e.g. CZ4129).
    Flight,
    /// 自驾 (reference: plate).
    Car,
    /// 客车 / 大巴.
    Coach,
    /// 船.
    Ship,
    /// 其他.
    Other,
}

/// One place of a travel declaration: a GB/T 2260 division code (2, 4 or 6 digits) and free text.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TravelPlace {
    /// Division code, e.g. `420106` (武昌区) or `4201` (武汉市).
    pub division_code: Option<String>,
    /// Free text as declared (`武汉市武昌区`, a street, a hospital).
    pub text: Option<String>,
}

/// Where a person has been (行程 / 旅居史), an event.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TravelDeclaration {
    /// UUIDv7.
    pub id: Uuid,
    /// The person.
    pub person_id: Option<Uuid>,
    /// The passage it was declared at, if any.
    pub passage_id: Option<Uuid>,
    /// Places, in order.
    pub places: Vec<TravelPlace>,
    /// Left the first place (local date).
    pub from_date: Option<NaiveDate>,
    /// Arrived here (local date); home observation counts 14 days from it.
    pub to_date: Option<NaiveDate>,
    /// Transport mode.
    pub transport: Option<TransportMode>,
    /// Train or flight number, or plate.
    pub transport_ref: Option<String>,
    /// When declared.
    pub declared_at: Instant,
    /// Who took the declaration.
    pub recorded_by: String,
}

/// What a correction does to its target.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CorrectionAction {
    /// The target no longer counts.
    Void,
    /// The target is replaced by `replacement_id`.
    Amend,
}

/// The only way to fix an event: a new event that voids or amends it, with a reason.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Correction {
    /// UUIDv7.
    pub id: Uuid,
    /// Kind of the corrected event.
    pub target_kind: RecordKind,
    /// Id of the corrected event.
    pub target_id: Uuid,
    /// Void or amend.
    pub action: CorrectionAction,
    /// For an amend: the new event that replaces the target.
    pub replacement_id: Option<Uuid>,
    /// Why (required, never empty).
    pub reason: String,
    /// When.
    pub at: Instant,
    /// Who.
    pub recorded_by: String,
}
