//! Phone numbers as people type them at a gate: mainland mobiles normalised to 11 digits,
//! landlines kept with their area code, anything else kept as typed with a warning.

use serde::{Deserialize, Serialize};

use crate::notice::{CheckResult, Checked, Field, Notice};
use crate::text::fold_width;

/// What kind of number a [`Phone`] is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PhoneKind {
    /// Mainland mobile: 11 digits starting 13–19 (numbering plan of the MIIT,
    /// 电信网编号计划 2017).
    Mobile,
    /// Fixed line with its area code, written `0370-3221234`.
    Landline,
    /// Not recognised; kept exactly as typed (trimmed) for a person to check.
    Unrecognised,
}

/// A checked phone number.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Phone {
    /// The stored form: 11 digits, `0xxx-xxxxxxx`, or the trimmed input.
    pub number: String,
    /// Which kind it is.
    pub kind: PhoneKind,
}

impl Phone {
    /// Normalises a typed phone number.
    ///
    /// Mobiles: `+86 138 0013 8000`, `0086-138…`, `86138…`, full-width digits, spaces, dashes
    /// and brackets all become `13800138000`. Landlines: a leading `0`, a 3-digit (`010`,
    /// `02x`) or 4-digit area code and a 7–8 digit local number become `0370-3221234`.
    /// Anything else is kept as typed with the warning `phone_unrecognised`: never cut.
    ///
    /// Errors: `phone_missing` for an empty input (callers decide whether a phone is required).
    pub fn parse(raw: &str) -> CheckResult<Self> {
        let folded = fold_width(raw);
        let trimmed = folded.trim();
        if trimmed.is_empty() {
            return Err(Notice::error(
                Field::Phone,
                "phone_missing",
                "请填写联系电话",
                "Enter a phone number",
            ));
        }
        let separators = |c: char| c.is_whitespace() || matches!(c, '-' | '(' | ')' | '.' | '—');
        let compact: String = trimmed.chars().filter(|c| !separators(*c)).collect();
        let digits = compact.strip_prefix('+').unwrap_or(&compact);
        if digits.bytes().all(|b| b.is_ascii_digit()) {
            let national = ["0086", "86"]
                .iter()
                .find_map(|p| {
                    digits
                        .strip_prefix(p)
                        .filter(|rest| rest.len() == 11 && rest.starts_with('1'))
                })
                .unwrap_or(digits);
            if is_mobile(national) {
                return Ok(Checked::ok(Phone {
                    number: national.to_owned(),
                    kind: PhoneKind::Mobile,
                }));
            }
            if let Some(landline) = landline(national) {
                return Ok(Checked::ok(Phone {
                    number: landline,
                    kind: PhoneKind::Landline,
                }));
            }
        }
        Ok(Checked::warned(
            Phone {
                number: trimmed.to_owned(),
                kind: PhoneKind::Unrecognised,
            },
            Notice::warning(
                Field::Phone,
                "phone_unrecognised",
                format!("无法识别的电话号码“{trimmed}”，将按原样保存，请核对"),
                format!("Unrecognised phone number \"{trimmed}\", kept as typed; please check"),
            ),
        ))
    }
}

fn is_mobile(d: &str) -> bool {
    d.len() == 11 && d.starts_with('1') && matches!(d.as_bytes()[1], b'3'..=b'9')
}

fn landline(d: &str) -> Option<String> {
    if !d.starts_with('0') || d.starts_with("00") {
        return None;
    }
    let area_len = if d.starts_with("010") || d.starts_with("02") {
        3
    } else {
        4
    };
    let local = d.get(area_len..)?;
    ((7..=8).contains(&local.len()) && !local.starts_with('0'))
        .then(|| format!("{}-{}", &d[..area_len], local))
}
