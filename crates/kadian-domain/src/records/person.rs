//! The person (entity): one entry of the resident register (居民花名册), or a visitor, and the
//! rules a stored person keeps.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::id_number::{DocumentType, Sex};
use crate::name::MAX_NAME_CHARS;
use crate::{Field, Notice};

use super::rules::{date, opt_text, reference, text};
use super::{bad, new_id, MAX_SHORT_CHARS};

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
    /// The household (户) they are a member of ([`super::Household`]), if known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub household: Option<Uuid>,
    /// Their relation to the head of that household (与户主关系).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub relation: Option<super::Relation>,
    /// Registered here (户籍在此: 户在人在, 户在人不在), when a roster says.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub registered_here: Option<bool>,
    /// Living here (常住: 户在人在, 人在户不在), when a roster says.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub living_here: Option<bool>,
    /// Where a member living away is (外出务工地点): a GB/T 2260 division code (`3303`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub away_place_code: Option<String>,
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
            household: None,
            relation: None,
            registered_here: None,
            living_here: None,
            away_place_code: None,
        }
    }
}

/// A person: a name (not empty, at most 40 characters); a document number that fits its type
/// (resident ID and residence permit: 18 characters, 17 digits and a digit or `X`; other types:
/// at most 40 characters); a 12-digit community code; short fields bounded.
///
/// Errors: `name_missing`, `too_long`, `control_character`, `id_format`, `community_format`,
/// `date_out_of_range`, `reference_missing`.
pub fn check_person(p: &Person) -> Result<(), Notice> {
    if p.name.trim().is_empty() {
        return Err(bad(
            Field::Name,
            "name_missing",
            "姓名为空",
            "The name is empty",
        ));
    }
    text(Field::Name, "姓名 / name", &p.name, MAX_NAME_CHARS, false)?;
    if let Some(n) = &p.document_number {
        match p.document_type {
            DocumentType::ResidentId | DocumentType::ResidencePermit => {
                let b = n.as_bytes();
                let ok = b.len() == 18
                    && b[..17].iter().all(u8::is_ascii_digit)
                    && (b[17].is_ascii_digit() || b[17] == b'X');
                if !ok {
                    return Err(bad(
                        Field::IdNumber,
                        "id_format",
                        "身份证号码必须是 18 位（17 位数字加一位数字或 X）",
                        "A resident ID number has 18 characters: 17 digits and a digit or X",
                    ));
                }
            }
            _ => {
                if n.trim().is_empty() {
                    return Err(bad(
                        Field::IdNumber,
                        "id_format",
                        "证件号码为空",
                        "The document number is empty",
                    ));
                }
                text(
                    Field::IdNumber,
                    "证件号码 / document number",
                    n,
                    MAX_SHORT_CHARS,
                    true,
                )?;
            }
        }
    }
    opt_text(
        Field::Phone,
        "电话 / phone",
        p.phone.as_deref(),
        MAX_SHORT_CHARS,
        true,
    )?;
    if let Some(c) = &p.community_code {
        if c.len() != 12 || !c.bytes().all(|b| b.is_ascii_digit()) {
            return Err(bad(
                Field::Record,
                "community_format",
                "社区代码必须是 12 位数字",
                "A community code has 12 digits",
            ));
        }
    }
    if let Some(c) = &p.compound {
        reference("小区 / compound", c)?;
    }
    for (name, v) in [
        ("楼栋 / building", &p.building),
        ("单元 / unit", &p.unit),
        ("门牌号 / room", &p.room),
    ] {
        opt_text(Field::Record, name, v.as_deref(), MAX_SHORT_CHARS, true)?;
    }
    if let Some(code) = &p.away_place_code {
        if !(2..=12).contains(&code.len()) || !code.bytes().all(|b| b.is_ascii_digit()) {
            return Err(bad(
                Field::Record,
                "division_code",
                "外出地点应为 2–12 位行政区划代码",
                "A place away is a division code of 2 to 12 digits",
            ));
        }
    }
    date("出生日期 / birth date", p.birth_date, 1880)
}
