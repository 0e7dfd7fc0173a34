//! Motor vehicle licence plates (号牌) as GA 36-2018 defines them: a province abbreviation, the
//! issuing authority's letter, then five characters (seven in all), or six for new-energy
//! vehicles (eight in all).

use serde::{Deserialize, Serialize};

use crate::notice::{CheckResult, Checked, Field, Notice};
use crate::text::fold_width;

/// Province abbreviations that open a civil plate (GA 36-2018 table A.1).
const PROVINCES: &str = "京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青藏川宁琼";
/// Characters that may close a 7-character plate (trailer, learner, police, HK, Macau, ...).
const SUFFIXES: &str = "挂学警港澳领使试超";

/// A checked licence plate, e.g. `豫ND12345` or `沪AE22075`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct LicencePlate(String);

impl LicencePlate {
    /// Normalises and checks a typed plate: `·` (and `•`, `.`), spaces and dashes are removed,
    /// full-width letters folded and letters upper-cased.
    ///
    /// Warning: `plate_maybe_new_energy` (a 7-character plate with D or F third and digits after,
    /// `宁AD1234`: an ordinary plate, or a new-energy one missing a digit).
    ///
    /// Errors: `plate_missing`, `plate_length` (not 7 or 8 characters), `plate_format` (no
    /// province abbreviation, no authority letter, or other characters where letters and digits
    /// belong; an 8-character plate without the new-energy `D`/`F`).
    pub fn parse(raw: &str) -> CheckResult<Self> {
        let s: String = fold_width(raw)
            .chars()
            .filter(|c| !c.is_whitespace() && !matches!(c, '·' | '•' | '・' | '.' | '-' | '—'))
            .map(|c| c.to_ascii_uppercase())
            .collect();
        let chars: Vec<char> = s.chars().collect();
        if chars.is_empty() {
            return Err(Notice::error(
                Field::Plate,
                "plate_missing",
                "请填写车牌号",
                "Enter the licence plate",
            ));
        }
        if !(7..=8).contains(&chars.len()) {
            return Err(Notice::error(
                Field::Plate,
                "plate_length",
                format!("车牌号应为 7 位（新能源 8 位），“{s}”是 {} 位", chars.len()),
                format!(
                    "A plate has 7 characters (8 for new-energy vehicles); \"{s}\" has {}",
                    chars.len()
                ),
            ));
        }
        let format_error = || {
            Notice::error(
                Field::Plate,
                "plate_format",
                format!("“{s}”不是有效的车牌号"),
                format!("\"{s}\" is not a valid licence plate"),
            )
        };
        if !PROVINCES.contains(chars[0]) || !chars[1].is_ascii_uppercase() {
            return Err(format_error());
        }
        let body = &chars[2..];
        let last = body.len() - 1;
        let body_ok = body.iter().enumerate().all(|(i, c)| {
            c.is_ascii_uppercase()
                || c.is_ascii_digit()
                || (i == last && chars.len() == 7 && SUFFIXES.contains(*c))
        });
        // New-energy plates: small vehicles carry D, A, B, C, E (electric) or F, G, H, J, K
        // (other) in the third place, large vehicles D or F in the last.
        let new_energy_ok =
            chars.len() == 7 || "ABCDEFGHJK".contains(chars[2]) || matches!(chars[7], 'D' | 'F');
        if !body_ok || !new_energy_ok {
            return Err(format_error());
        }
        // An ordinary plate's five-character serial may begin with D or F (鄂A·D7662), but a
        // new-energy plate typed with a digit missing looks the same: kept, and asked about.
        let mut warnings = Vec::new();
        if chars.len() == 7
            && matches!(chars[2], 'D' | 'F')
            && chars[3..].iter().all(char::is_ascii_digit)
        {
            warnings.push(Notice::warning(
                Field::Plate,
                "plate_maybe_new_energy",
                format!("“{s}”第三位是 D/F：若是新能源车（绿牌），车牌应为 8 位，请核对"),
                format!("\"{s}\" has D/F third: a new-energy (green) plate has 8 characters; please check"),
            ));
        }
        Ok(Checked {
            value: LicencePlate(s),
            warnings,
        })
    }

    /// The normal form.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// True for an 8-character new-energy plate.
    pub fn is_new_energy(&self) -> bool {
        self.0.chars().count() == 8
    }
}

impl std::fmt::Display for LicencePlate {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// The plate abbreviation (the first character of a plate, GA 36-2018) of a province, from the
/// first two digits of a GB/T 2260 division code (`41…` → `豫`); `None` for a code of no
/// province (Hong Kong, Macao and Taiwan have no mainland plates).
pub fn province_abbreviation(division_code: &str) -> Option<char> {
    const BY_CODE: [(&str, char); 31] = [
        ("11", '京'),
        ("12", '津'),
        ("13", '冀'),
        ("14", '晋'),
        ("15", '蒙'),
        ("21", '辽'),
        ("22", '吉'),
        ("23", '黑'),
        ("31", '沪'),
        ("32", '苏'),
        ("33", '浙'),
        ("34", '皖'),
        ("35", '闽'),
        ("36", '赣'),
        ("37", '鲁'),
        ("41", '豫'),
        ("42", '鄂'),
        ("43", '湘'),
        ("44", '粤'),
        ("45", '桂'),
        ("46", '琼'),
        ("50", '渝'),
        ("51", '川'),
        ("52", '贵'),
        ("53", '云'),
        ("54", '藏'),
        ("61", '陕'),
        ("62", '甘'),
        ("63", '青'),
        ("64", '宁'),
        ("65", '新'),
    ];
    let prefix = division_code.get(..2)?;
    BY_CODE.iter().find(|(c, _)| *c == prefix).map(|(_, a)| *a)
}

#[cfg(test)]
mod province_tests {
    #[test]
    fn every_abbreviation_is_a_plate_province_and_the_street_is_henan() {
        assert_eq!(super::province_abbreviation("411402001"), Some('豫'));
        assert_eq!(super::province_abbreviation("420100"), Some('鄂'));
        assert_eq!(super::province_abbreviation("810000"), None);
        assert_eq!(super::province_abbreviation("4"), None);
        for code in [
            "11", "12", "13", "14", "15", "21", "22", "23", "31", "32", "33", "34", "35", "36",
            "37", "41", "42", "43", "44", "45", "46", "50", "51", "52", "53", "54", "61", "62",
            "63", "64", "65",
        ] {
            let a = super::province_abbreviation(code).expect(code);
            assert!(super::PROVINCES.contains(a), "{a}");
        }
    }
}
