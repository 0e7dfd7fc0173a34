//! Identity documents: the resident ID number of GB 11643-1999 (and the Hong Kong, Macau and
//! Taiwan residents' residence permits that share its format), and the other documents a person at
//! a gate may carry, which are not forced through the ID rules.

use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};

use crate::notice::{CheckResult, Checked, Field, Notice};
use crate::text::fold_width;

/// Weights of ISO 7064 MOD 11-2 for the 17 body digits (GB 11643-1999 §8.2).
const WEIGHTS: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
/// Check character for each remainder 0..=10 (GB 11643-1999 §8.2).
const CHECK: [char; 11] = ['1', '0', 'X', '9', '8', '7', '6', '5', '4', '3', '2'];

/// Province-level prefixes of GB/T 2260 (11–65), Taiwan (71), and the residence permits for
/// residents of Hong Kong (81), Macau (82) and Taiwan (83) issued since 2018 under the
/// 港澳台居民居住证申领发放办法 with the same number format.
const PROVINCES: [u8; 35] = [
    11, 12, 13, 14, 15, 21, 22, 23, 31, 32, 33, 34, 35, 36, 37, 41, 42, 43, 44, 45, 46, 50, 51, 52,
    53, 54, 61, 62, 63, 64, 65, 71, 81, 82, 83,
];

/// The kind of document a number belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DocumentType {
    /// 居民身份证 (GB 11643-1999), 18 characters.
    ResidentId,
    /// 港澳台居民居住证: the same format with prefix 81, 82 or 83.
    ResidencePermit,
    /// Passport (护照): letters and digits as printed; not checked against a format.
    Passport,
    /// 港澳居民来往内地通行证 (home-return permit): H or M and 8 or 10 digits.
    HomeReturnPermit,
    /// 台湾居民来往大陆通行证 (Taiwan compatriot permit): 8 digits (or 10 with a suffix).
    TaiwanCompatriotPermit,
    /// Any other document; kept as typed.
    Other,
}

impl DocumentType {
    /// The stored name (`resident_id`, `passport`, ...).
    pub fn as_str(self) -> &'static str {
        match self {
            DocumentType::ResidentId => "resident_id",
            DocumentType::ResidencePermit => "residence_permit",
            DocumentType::Passport => "passport",
            DocumentType::HomeReturnPermit => "home_return_permit",
            DocumentType::TaiwanCompatriotPermit => "taiwan_compatriot_permit",
            DocumentType::Other => "other",
        }
    }

    /// Parses the stored name back; `None` for anything else.
    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "resident_id" => DocumentType::ResidentId,
            "residence_permit" => DocumentType::ResidencePermit,
            "passport" => DocumentType::Passport,
            "home_return_permit" => DocumentType::HomeReturnPermit,
            "taiwan_compatriot_permit" => DocumentType::TaiwanCompatriotPermit,
            "other" => DocumentType::Other,
            _ => return None,
        })
    }
}

/// Sex as encoded in the 17th character of the ID number (odd: male).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Sex {
    /// 男
    Male,
    /// 女
    Female,
}

impl Sex {
    /// 男 or 女, as registers write it.
    pub fn as_zh(self) -> &'static str {
        match self {
            Sex::Male => "男",
            Sex::Female => "女",
        }
    }
}

/// A resident ID number (or HK/Macau/Taiwan residence permit number) in its normal form: 18 ASCII
/// characters, the last a digit or upper-case `X`. Made only by [`ResidentIdNumber::parse`]
/// (never deserialised: its accessors slice by position and trust that form).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
#[serde(transparent)]
pub struct ResidentIdNumber(String);

impl ResidentIdNumber {
    /// Checks and normalises a typed ID number (GB 11643-1999).
    ///
    /// Normalises full-width digits, spaces (also U+3000) and a lower-case `x`. Accepts the
    /// 15-digit numbers issued before 1999 and upgrades them to 18 (inserting `19` and computing
    /// the check digit) with the warning `id_upgraded_from_15`. A wrong check digit is the
    /// warning `id_checksum` (a typo is likelier than a false card, so a person confirms it).
    /// The 6-digit region is *not* checked against today's division list: retired codes such as
    /// 4123xx (商丘地区 before 1997) are on valid cards; only the province prefix is checked.
    ///
    /// Errors: `id_missing`, `id_format`, `id_province`, `id_birth_date` (impossible date),
    /// `id_birth_future` (after `today`, the local date at the gate).
    pub fn parse(raw: &str, today: NaiveDate) -> CheckResult<Self> {
        let s: String = fold_width(raw)
            .chars()
            .filter(|c| !c.is_whitespace() && *c != '-')
            .map(|c| c.to_ascii_uppercase())
            .collect();
        if s.is_empty() {
            return Err(Notice::error(
                Field::IdNumber,
                "id_missing",
                "请填写身份证号码",
                "Enter the ID number",
            ));
        }
        let all_digits = |t: &str| t.bytes().all(|b| b.is_ascii_digit());
        let mut warnings = Vec::new();
        let number = match s.len() {
            15 if all_digits(&s) => {
                let upgraded = format!("{}19{}", &s[..6], &s[6..]);
                let check = check_char(&upgraded);
                let upgraded = format!("{upgraded}{check}");
                warnings.push(
                    Notice::warning(
                        Field::IdNumber,
                        "id_upgraded_from_15",
                        format!("15 位旧身份证号已升级为 18 位：{upgraded}，请核对"),
                        format!("15-digit legacy ID number upgraded to 18 digits: {upgraded}; please check"),
                    )
                    .with_suggestion(upgraded.clone()),
                );
                upgraded
            }
            // 18 bytes of which some are not ASCII (六个汉字) are no ID number, and must not be
            // sliced by bytes (found by the register fuzzer).
            18 if s.is_ascii()
                && all_digits(&s[..17])
                && matches!(s.as_bytes()[17], b'0'..=b'9' | b'X') =>
            {
                s
            }
            _ => {
                return Err(Notice::error(
                    Field::IdNumber,
                    "id_format",
                    format!(
                        "身份证号码应为 18 位（最后一位可为 X），现在是 {} 位",
                        s.chars().count()
                    ),
                    format!(
                        "An ID number has 18 characters (the last may be X); this one has {}",
                        s.chars().count()
                    ),
                ))
            }
        };
        let province: u8 = number[..2].parse().unwrap_or(0);
        if !PROVINCES.contains(&province) {
            return Err(Notice::error(
                Field::IdNumber,
                "id_province",
                format!("身份证号码前两位 {province:02} 不是有效的省级代码"),
                format!("The first two digits {province:02} are not a valid province code"),
            ));
        }
        let birth = birth_date_of(&number).ok_or_else(|| {
            Notice::error(
                Field::IdNumber,
                "id_birth_date",
                format!("身份证号码中的出生日期 {} 不存在", &number[6..14]),
                format!(
                    "The birth date {} in the ID number does not exist",
                    &number[6..14]
                ),
            )
        })?;
        if birth > today || birth.year() < 1880 {
            return Err(Notice::error(
                Field::IdNumber,
                "id_birth_future",
                format!("身份证号码中的出生日期 {birth} 不可能"),
                format!("The birth date {birth} in the ID number is impossible"),
            ));
        }
        let expected = check_char(&number[..17]);
        if number.as_bytes()[17] as char != expected {
            warnings.push(Notice::warning(
                Field::IdNumber,
                "id_checksum",
                "身份证号码校验位不符，请对照证件逐位核对",
                "The ID number's check digit does not match; compare it with the card digit by digit",
            ));
        }
        Ok(Checked {
            value: ResidentIdNumber(number),
            warnings,
        })
    }

    /// The normal form: 18 characters.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Birth date encoded in characters 7–14.
    pub fn birth_date(&self) -> NaiveDate {
        birth_date_of(&self.0).unwrap_or_default()
    }

    /// Sex encoded in character 17 (odd: male).
    pub fn sex(&self) -> Sex {
        if (self.0.as_bytes()[16] - b'0') % 2 == 1 {
            Sex::Male
        } else {
            Sex::Female
        }
    }

    /// True for a HK/Macau/Taiwan residence permit number (prefix 81, 82, 83).
    pub fn is_residence_permit(&self) -> bool {
        matches!(&self.0[..2], "81" | "82" | "83")
    }

    /// The 6-digit region code (GB/T 2260 at the time of issue; may be retired).
    pub fn region_code(&self) -> &str {
        &self.0[..6]
    }
}

impl std::fmt::Display for ResidentIdNumber {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// The check character for a 17-digit body (ISO 7064 MOD 11-2).
pub fn check_char(body17: &str) -> char {
    let sum: u32 = body17
        .bytes()
        .zip(WEIGHTS)
        .map(|(b, w)| u32::from(b - b'0') * w)
        .sum();
    CHECK[(sum % 11) as usize]
}

fn birth_date_of(number: &str) -> Option<NaiveDate> {
    let y = number.get(6..10)?.parse().ok()?;
    let m = number.get(10..12)?.parse().ok()?;
    let d = number.get(12..14)?.parse().ok()?;
    NaiveDate::from_ymd_opt(y, m, d)
}

/// A document number of any type, normalised by its type's rule.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DocumentNumber {
    /// The document type.
    pub doc_type: DocumentType,
    /// The normalised number.
    pub number: String,
}

impl DocumentNumber {
    /// Checks a number of the given type. Resident IDs and residence permits go through
    /// [`ResidentIdNumber::parse`] (a resident ID with prefix 81–83 becomes a residence permit);
    /// other documents are upper-cased with spaces removed and only checked for being
    /// letters and digits of a plausible length (5–20), never forced through the ID rules.
    pub fn parse(doc_type: DocumentType, raw: &str, today: NaiveDate) -> CheckResult<Self> {
        match doc_type {
            DocumentType::ResidentId | DocumentType::ResidencePermit => {
                let checked = ResidentIdNumber::parse(raw, today)?;
                let doc_type = if checked.value.is_residence_permit() {
                    DocumentType::ResidencePermit
                } else {
                    DocumentType::ResidentId
                };
                Ok(Checked {
                    value: DocumentNumber {
                        doc_type,
                        number: checked.value.0,
                    },
                    warnings: checked.warnings,
                })
            }
            other => {
                let s: String = fold_width(raw)
                    .chars()
                    .filter(|c| !c.is_whitespace())
                    .map(|c| c.to_ascii_uppercase())
                    .collect();
                if s.is_empty() {
                    return Err(Notice::error(
                        Field::IdNumber,
                        "id_missing",
                        "请填写证件号码",
                        "Enter the document number",
                    ));
                }
                let plausible = (5..=20).contains(&s.len())
                    && s.bytes()
                        .all(|b| b.is_ascii_alphanumeric() || b == b'(' || b == b')');
                let value = DocumentNumber {
                    doc_type: other,
                    number: s,
                };
                if plausible {
                    Ok(Checked::ok(value))
                } else {
                    Ok(Checked::warned(
                        value,
                        Notice::warning(
                            Field::IdNumber,
                            "document_number_unusual",
                            "证件号码格式少见，请核对",
                            "Unusual document number; please check it",
                        ),
                    ))
                }
            }
        }
    }
}
