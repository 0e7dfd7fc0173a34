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

use chrono::{DateTime, NaiveDate, TimeZone, Utc};
use serde_json::Value;
use uuid::Uuid;

use crate::id_number::DocumentType;
use crate::name::MAX_NAME_CHARS;
use crate::records::{
    Correction, CorrectionAction, Instant, Passage, Person, RecordKind, TemperatureReading,
    TravelDeclaration,
};
use crate::temperature::{MAX_TENTHS, MIN_TENTHS};
use crate::volunteer::{check_volunteer_name, is_pin_hash, volunteer_id, Volunteer};
use crate::{Field, Notice};

/// Most characters of free text (事由, a correction's reason, a travel place as declared).
pub const MAX_TEXT_CHARS: usize = 500;
/// Most characters of a short field (building, unit, room, plate, transport number, phone,
/// document number).
pub const MAX_SHORT_CHARS: usize = 40;
/// Most characters of an identifier that is not a UUID (checkpoint id, compound id or name,
/// `recorded_by`).
pub const MAX_REF_CHARS: usize = 64;
/// Most places in one travel declaration.
pub const MAX_TRAVEL_PLACES: usize = 20;
/// Most companions on one passage.
pub const MAX_COMPANIONS: u16 = 200;
/// Largest offset from UTC a device may state, minutes (±14 h, the widest zone on earth).
pub const MAX_OFFSET_MINUTES: i32 = 14 * 60;

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
        };
        v.unwrap_or(Value::Null)
    }
}

impl std::str::FromStr for RecordKind {
    type Err = Notice;

    /// Parses a kind's stored name (`passage`, ...). Errors: `unknown_kind`.
    fn from_str(s: &str) -> Result<Self, Notice> {
        Ok(match s {
            "person" => RecordKind::Person,
            "passage" => RecordKind::Passage,
            "temperature_reading" => RecordKind::TemperatureReading,
            "travel_declaration" => RecordKind::TravelDeclaration,
            "correction" => RecordKind::Correction,
            "volunteer" => RecordKind::Volunteer,
            other => {
                return Err(bad(
                    Field::Record,
                    "unknown_kind",
                    format!("未知记录类型 {}", clip(other)),
                    format!("unknown record kind {}", clip(other)),
                ))
            }
        })
    }
}

/// The UUID `s` names, only when `s` is in canonical form (lower-case, hyphenated, 36
/// characters). `None` for any other spelling (upper case, braces, `urn:uuid:`, no dashes): one
/// record has one id, spelled one way.
pub fn canonical_uuid(s: &str) -> Option<Uuid> {
    let id = Uuid::try_parse(s).ok()?;
    (id.hyphenated().to_string() == s).then_some(id)
}

/// Parses `body` as a record of `kind` and checks it by that kind's rules.
///
/// Errors (field, code): (`record`, `invalid_record`) for a body that is not the kind's shape,
/// and each kind's own codes (see the `check_*` functions of this module).
pub fn check_record(kind: RecordKind, body: &Value) -> Result<TypedRecord, Notice> {
    fn parse<T: serde::de::DeserializeOwned>(kind: RecordKind, body: &Value) -> Result<T, Notice> {
        T::deserialize(body).map_err(|e| {
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
        })
    }
    let typed = match kind {
        RecordKind::Person => TypedRecord::Person(parse(kind, body)?),
        RecordKind::Passage => TypedRecord::Passage(parse(kind, body)?),
        RecordKind::TemperatureReading => TypedRecord::TemperatureReading(parse(kind, body)?),
        RecordKind::TravelDeclaration => TypedRecord::TravelDeclaration(parse(kind, body)?),
        RecordKind::Correction => TypedRecord::Correction(parse(kind, body)?),
        RecordKind::Volunteer => TypedRecord::Volunteer(parse(kind, body)?),
    };
    match &typed {
        TypedRecord::Person(r) => check_person(r)?,
        TypedRecord::Passage(r) => check_passage(r)?,
        TypedRecord::TemperatureReading(r) => check_reading(r)?,
        TypedRecord::TravelDeclaration(r) => check_travel(r)?,
        TypedRecord::Correction(r) => check_correction(r)?,
        TypedRecord::Volunteer(r) => check_volunteer(r)?,
    }
    Ok(typed)
}

fn bad(field: Field, code: &str, zh: impl Into<String>, en: impl Into<String>) -> Notice {
    Notice::error(field, code, zh, en)
}

/// The first 40 characters of `s`, to quote hostile input without echoing all of it.
fn clip(s: &str) -> String {
    let mut out: String = s.chars().take(40).collect();
    if s.chars().nth(40).is_some() {
        out.push('…');
    }
    out
}

/// A text field: at most `max` characters, no control characters; `free` text (everything but
/// names) may hold line breaks and tabs (Alt+Enter in an Excel cell).
fn text(field: Field, name: &str, value: &str, max: usize, free: bool) -> Result<(), Notice> {
    let count = value.chars().count();
    if count > max {
        return Err(bad(
            field,
            "too_long",
            format!("{name} 最多 {max} 个字（收到 {count} 个）"),
            format!("{name} has at most {max} characters ({count} received)"),
        ));
    }
    if value.chars().any(|c| {
        (c.is_control() && !(free && matches!(c, '\n' | '\t' | '\r'))) || (!free && is_invisible(c))
    }) {
        return Err(bad(
            field,
            "control_character",
            format!("{name} 含有不可见的控制字符"),
            format!("{name} holds control characters"),
        ));
    }
    Ok(())
}

/// Characters that show nothing or turn text around (zero-width spaces and joiners, direction
/// marks and overrides, line and paragraph separators, the byte-order mark, Hangul fillers):
/// a name made of them looks empty or reads backwards.
pub fn is_invisible(c: char) -> bool {
    matches!(c as u32,
        0x00AD | 0x115F | 0x1160 | 0x180E | 0x200B..=0x200F | 0x2028..=0x202E | 0x2060..=0x206F
        | 0x3164 | 0xFE00..=0xFE0F | 0xFEFF | 0xFFA0)
}

fn opt_text(
    field: Field,
    name: &str,
    value: Option<&str>,
    max: usize,
    free: bool,
) -> Result<(), Notice> {
    value.map_or(Ok(()), |v| text(field, name, v, max, free))
}

/// A reference by id or name (checkpoint, compound, recorded_by): not empty, bounded.
fn reference(name: &str, value: &str) -> Result<(), Notice> {
    if value.trim().is_empty() {
        return Err(bad(
            Field::Record,
            "reference_missing",
            format!("{name} 为空"),
            format!("{name} is empty"),
        ));
    }
    text(Field::Record, name, value, MAX_REF_CHARS, true)
}

fn the_epoch() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2000, 1, 1, 0, 0, 0)
        .single()
        .unwrap_or_default()
}

fn the_horizon() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2100, 1, 1, 0, 0, 0)
        .single()
        .unwrap_or_default()
}

/// An instant between 2000-01-01 and 2100-01-01 UTC with an offset within ±14 h.
fn instant(name: &str, at: &Instant) -> Result<(), Notice> {
    if at.utc < the_epoch() || at.utc >= the_horizon() {
        return Err(bad(
            Field::Date,
            "date_out_of_range",
            format!("{name} 不在 2000 年到 2099 年之间"),
            format!("{name} is not between 2000 and 2099"),
        ));
    }
    if !(-MAX_OFFSET_MINUTES..=MAX_OFFSET_MINUTES).contains(&at.offset_minutes) {
        return Err(bad(
            Field::Date,
            "offset_out_of_range",
            format!("{name} 的时区偏移超出 ±14 小时"),
            format!("{name} has a UTC offset beyond ±14 hours"),
        ));
    }
    Ok(())
}

/// A plain date between `from` and 2099-12-31.
fn date(name: &str, d: Option<NaiveDate>, from_year: i32) -> Result<(), Notice> {
    match d {
        Some(d) if !(from_year..2100).contains(&chrono::Datelike::year(&d)) => Err(bad(
            Field::Date,
            "date_out_of_range",
            format!("{name} 不在 {from_year} 年到 2099 年之间"),
            format!("{name} is not between {from_year} and 2099"),
        )),
        _ => Ok(()),
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
    date("出生日期 / birth date", p.birth_date, 1880)
}

/// A passage: a registered person or a walk-in's name (at most 40 characters); a checkpoint and
/// who recorded it; plate (at most 40), purpose (at most 500), at most 200 companions; a time
/// between 2000 and 2099.
///
/// Errors: `name_missing`, `too_long`, `control_character`, `reference_missing`,
/// `companions_out_of_range`, `date_out_of_range`, `offset_out_of_range`.
pub fn check_passage(p: &Passage) -> Result<(), Notice> {
    if p.person_id.is_none()
        && p.walk_in_name
            .as_deref()
            .is_none_or(|n| n.trim().is_empty())
    {
        return Err(bad(
            Field::Name,
            "name_missing",
            "出入登记需要登记人员或姓名",
            "A passage needs a registered person or a name",
        ));
    }
    opt_text(
        Field::Name,
        "姓名 / name",
        p.walk_in_name.as_deref(),
        MAX_NAME_CHARS,
        false,
    )?;
    reference("卡点 / checkpoint", &p.checkpoint_id)?;
    reference("登记人 / recorded by", &p.recorded_by)?;
    opt_text(
        Field::Plate,
        "车牌 / plate",
        p.plate.as_deref(),
        MAX_SHORT_CHARS,
        true,
    )?;
    opt_text(
        Field::Record,
        "事由 / purpose",
        p.purpose.as_deref(),
        MAX_TEXT_CHARS,
        true,
    )?;
    if p.companions > MAX_COMPANIONS {
        return Err(bad(
            Field::Record,
            "companions_out_of_range",
            format!("同行人数最多 {MAX_COMPANIONS}"),
            format!("at most {MAX_COMPANIONS} companions"),
        ));
    }
    instant("登记时间 / time", &p.at)
}

/// A temperature reading: 34.0–43.0 °C; a checkpoint and who measured; a time between 2000 and
/// 2099. (The fever flag is kept as the device decided it: the threshold is the street's.)
///
/// Errors: `temperature_out_of_range`, `reference_missing`, `too_long`, `date_out_of_range`.
pub fn check_reading(r: &TemperatureReading) -> Result<(), Notice> {
    if !(MIN_TENTHS..=MAX_TENTHS).contains(&r.celsius.tenths()) {
        return Err(bad(
            Field::TemperatureC,
            "temperature_out_of_range",
            "体温超出 34.0–43.0 ℃",
            "temperature outside 34.0–43.0 °C",
        ));
    }
    reference("卡点 / checkpoint", &r.checkpoint_id)?;
    reference("测温人 / recorded by", &r.recorded_by)?;
    instant("测温时间 / time", &r.at)
}

/// A travel declaration: at most 20 places, each with a GB/T 2260 code of 2, 4 or 6 digits or
/// a text (at most 500 characters), or both; dates between 2000 and 2099; transport number at
/// most 40 characters.
///
/// Errors: `place_missing`, `place_code_format`, `too_many_places`, `too_long`,
/// `control_character`, `reference_missing`, `date_out_of_range`.
pub fn check_travel(t: &TravelDeclaration) -> Result<(), Notice> {
    if t.places.len() > MAX_TRAVEL_PLACES {
        return Err(bad(
            Field::Record,
            "too_many_places",
            format!("一份行程最多 {MAX_TRAVEL_PLACES} 个地点"),
            format!("a declaration has at most {MAX_TRAVEL_PLACES} places"),
        ));
    }
    for place in &t.places {
        let text_empty = place.text.as_deref().is_none_or(|s| s.trim().is_empty());
        match &place.division_code {
            Some(c) if !(matches!(c.len(), 2 | 4 | 6) && c.bytes().all(|b| b.is_ascii_digit())) => {
                return Err(bad(
                    Field::Record,
                    "place_code_format",
                    format!("地区代码“{}”必须是 2、4 或 6 位数字", clip(c)),
                    format!(
                        "the division code \"{}\" must have 2, 4 or 6 digits",
                        clip(c)
                    ),
                ));
            }
            None if text_empty => {
                return Err(bad(
                    Field::Record,
                    "place_missing",
                    "行程地点需要地区代码或地名",
                    "A travel place needs a division code or a name",
                ));
            }
            _ => {}
        }
        opt_text(
            Field::Record,
            "地点 / place",
            place.text.as_deref(),
            MAX_TEXT_CHARS,
            true,
        )?;
    }
    opt_text(
        Field::Record,
        "车次航班 / transport number",
        t.transport_ref.as_deref(),
        MAX_SHORT_CHARS,
        true,
    )?;
    reference("登记人 / recorded by", &t.recorded_by)?;
    date("出发日期 / from date", t.from_date, 2000)?;
    date("抵达日期 / arrival date", t.to_date, 2000)?;
    instant("申报时间 / time", &t.declared_at)
}

/// A correction: of a passage, a reading or a travel declaration; a reason (not empty, at most
/// 500 characters); an amend names its replacement, a void names none.
///
/// Errors: `not_correctable`, `reason_missing`, `replacement_missing`, `too_long`,
/// `reference_missing`, `date_out_of_range`.
pub fn check_correction(c: &Correction) -> Result<(), Notice> {
    if !matches!(
        c.target_kind,
        RecordKind::Passage | RecordKind::TemperatureReading | RecordKind::TravelDeclaration
    ) {
        return Err(bad(
            Field::Record,
            "not_correctable",
            "只能作废或更正出入、体温和行程记录",
            "Only passages, readings and travel declarations can be corrected",
        ));
    }
    if c.reason.trim().is_empty() {
        return Err(bad(
            Field::Record,
            "reason_missing",
            "作废或更正必须有原因",
            "A correction needs a reason",
        ));
    }
    text(
        Field::Record,
        "原因 / reason",
        &c.reason,
        MAX_TEXT_CHARS,
        true,
    )?;
    if c.action == CorrectionAction::Amend && c.replacement_id.is_none() {
        return Err(bad(
            Field::Record,
            "replacement_missing",
            "更正需要指明替代记录",
            "An amend names the record that replaces the target",
        ));
    }
    reference("登记人 / recorded by", &c.recorded_by)?;
    instant("时间 / time", &c.at)
}

/// A volunteer: the id is that of compound and name ([`volunteer_id`]), a name of at most 20
/// characters, the PIN as an Argon2id hash within the limits of [`is_pin_hash`].
///
/// Errors: `volunteer_id`, `name_missing`, `name_too_long`, `pin_not_hashed`,
/// `reference_missing`, `too_long`.
pub fn check_volunteer(v: &Volunteer) -> Result<(), Notice> {
    reference("小区 / compound", &v.compound)?;
    if check_volunteer_name(&v.name)? != v.name {
        return Err(bad(
            Field::Name,
            "name_not_trimmed",
            "志愿者姓名前后不能有空格",
            "A volunteer's name has no spaces before or after it",
        ));
    }
    text(Field::Name, "姓名 / name", &v.name, MAX_NAME_CHARS, false)?;
    if v.id != volunteer_id(&v.compound, &v.name) {
        return Err(bad(
            Field::Record,
            "volunteer_id",
            "志愿者编号与小区和姓名不符",
            "The volunteer's id is not that of its compound and name",
        ));
    }
    if !is_pin_hash(&v.pin_hash) {
        return Err(bad(
            Field::Pin,
            "pin_not_hashed",
            "密码必须以 Argon2 散列发送，不能发送明文",
            "The PIN must come as an Argon2 hash, never in clear",
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_offset_of_i32_min_is_refused_not_a_panic() {
        let at = Instant {
            utc: Utc::now(),
            offset_minutes: i32::MIN,
        };
        assert_eq!(
            instant("t", &at).expect_err("refused").code,
            "offset_out_of_range"
        );
    }

    #[test]
    fn a_name_of_invisible_characters_is_refused() {
        for name in [
            "\u{200B}\u{200B}",
            "\u{202E}三张",
            "\u{3164}",
            "李\u{2028}四",
        ] {
            assert_eq!(
                text(Field::Name, "n", name, 40, false)
                    .expect_err(name)
                    .code,
                "control_character"
            );
        }
        assert!(text(Field::Record, "n", "1号楼\n2单元", 40, true).is_ok());
    }

    #[test]
    fn only_the_canonical_spelling_of_a_uuid_is_an_id() {
        let id = Uuid::now_v7();
        let s = id.to_string();
        assert_eq!(canonical_uuid(&s), Some(id));
        for other in [
            s.to_uppercase(),
            format!("{{{s}}}"),
            format!("urn:uuid:{s}"),
            s.replace('-', ""),
        ] {
            assert_eq!(canonical_uuid(&other), None, "{other}");
        }
    }
}
