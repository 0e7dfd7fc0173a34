//! What every kind's rules share: the length limits, the checks of text, references, instants
//! and dates, and the refusal they return.

use chrono::{DateTime, NaiveDate, TimeZone, Utc};
use uuid::Uuid;

use super::Instant;
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

/// The UUID `s` names, only when `s` is in canonical form (lower-case, hyphenated, 36
/// characters). `None` for any other spelling (upper case, braces, `urn:uuid:`, no dashes): one
/// record has one id, spelled one way.
pub fn canonical_uuid(s: &str) -> Option<Uuid> {
    let id = Uuid::try_parse(s).ok()?;
    (id.hyphenated().to_string() == s).then_some(id)
}

pub(crate) fn bad(
    field: Field,
    code: &str,
    zh: impl Into<String>,
    en: impl Into<String>,
) -> Notice {
    Notice::error(field, code, zh, en)
}

/// The first 40 characters of `s`, to quote hostile input without echoing all of it.
pub(crate) fn clip(s: &str) -> String {
    let mut out: String = s.chars().take(40).collect();
    if s.chars().nth(40).is_some() {
        out.push('…');
    }
    out
}

/// A text field: at most `max` characters, no control characters; `free` text (everything but
/// names) may hold line breaks and tabs (Alt+Enter in an Excel cell).
pub(crate) fn text(
    field: Field,
    name: &str,
    value: &str,
    max: usize,
    free: bool,
) -> Result<(), Notice> {
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

pub(crate) fn opt_text(
    field: Field,
    name: &str,
    value: Option<&str>,
    max: usize,
    free: bool,
) -> Result<(), Notice> {
    value.map_or(Ok(()), |v| text(field, name, v, max, free))
}

/// A reference by id or name (checkpoint, compound, recorded_by): not empty, bounded.
pub(crate) fn reference(name: &str, value: &str) -> Result<(), Notice> {
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

pub(crate) fn the_epoch() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2000, 1, 1, 0, 0, 0)
        .single()
        .unwrap_or_default()
}

pub(crate) fn the_horizon() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2100, 1, 1, 0, 0, 0)
        .single()
        .unwrap_or_default()
}

/// An instant between 2000-01-01 and 2100-01-01 UTC with an offset within ±14 h.
pub(crate) fn instant(name: &str, at: &Instant) -> Result<(), Notice> {
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
pub(crate) fn date(name: &str, d: Option<NaiveDate>, from_year: i32) -> Result<(), Notice> {
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

/// A community's code: 12 digits (GB/T 2260 + 6, the residents' committee). Errors:
/// `invalid_community`.
pub(crate) fn community_code(code: &str) -> Result<(), Notice> {
    if code.len() != 12 || !code.bytes().all(|b| b.is_ascii_digit()) {
        return Err(super::bad(
            Field::Record,
            "invalid_community",
            "社区代码应为 12 位数字",
            "The community code has 12 digits",
        ));
    }
    Ok(())
}

/// A temperature taken by staff (a visit, a referral): 34.0–43.0 °C, the range a reading at the
/// gate keeps. Errors: `temperature_out_of_range`.
pub(crate) fn celsius(c: crate::temperature::Celsius) -> Result<(), Notice> {
    use crate::temperature::{MAX_TENTHS, MIN_TENTHS};
    if !(MIN_TENTHS..=MAX_TENTHS).contains(&c.tenths()) {
        return Err(super::bad(
            Field::TemperatureC,
            "temperature_out_of_range",
            "体温应在 34.0–43.0 ℃ 之间",
            "A temperature is between 34.0 and 43.0 °C",
        ));
    }
    Ok(())
}

/// Symptoms, each once. Errors: `symptom_repeated`.
pub(crate) fn symptoms_once(symptoms: &[super::Symptom]) -> Result<(), Notice> {
    let mut seen = std::collections::BTreeSet::new();
    if !symptoms.iter().all(|s| seen.insert(*s)) {
        return Err(super::bad(
            Field::Record,
            "symptom_repeated",
            "同一症状只记一次",
            "Each symptom is listed once",
        ));
    }
    Ok(())
}

/// The day a visit counts for (a follow-up visit, a household visit): from 2019, no later than
/// the day after it was recorded (`at`, in its own offset) and at most 60 days before (typed in
/// late). Errors: `date_out_of_range`, `visit_date_off`.
pub(crate) fn visit_day(name: &str, day: NaiveDate, at: &Instant) -> Result<(), Notice> {
    date(name, Some(day), 2019)?;
    let recorded_on =
        (at.utc + chrono::Duration::minutes(i64::from(at.offset_minutes))).date_naive();
    if day > recorded_on + chrono::Days::new(1) || day + chrono::Days::new(60) < recorded_on {
        return Err(super::bad(
            Field::Date,
            "visit_date_off",
            "随访日期应在登记当天或之前 60 天内",
            "A visit is dated on the day it is recorded or up to 60 days before",
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
