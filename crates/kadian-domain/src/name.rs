//! Person names as registers hold them: padded to line up, with minority names' middle dot typed
//! in four different ways, and rare characters outside the BMP.

use serde::{Deserialize, Serialize};
use unicode_normalization::UnicodeNormalization;

use crate::notice::{CheckResult, Checked, Field, Notice};
use crate::text::is_han;

/// Longest name accepted, in characters (Unicode scalar values).
pub const MAX_NAME_CHARS: usize = 40;

/// Dots people type between the parts of a minority name (阿依古丽·买买提); all become U+00B7,
/// the interpunct of GB/T 15834-2011 for transliterated names.
const DOTS: [char; 8] = ['·', '・', '•', '.', '．', '‧', '∙', '･'];

/// A checked person name.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct PersonName(String);

impl PersonName {
    /// Normalises a typed name: NFC, trimmed (also U+3000); in a name with Han characters all
    /// white space inside is removed (`王　伟` → `王伟`) and a dot between two Han characters
    /// becomes U+00B7; in other names runs of white space become one space. Characters outside
    /// the BMP (`𠈌`) are kept.
    ///
    /// Errors: `name_missing` (empty), `name_too_long` (over [`MAX_NAME_CHARS`] characters).
    /// Warning: `name_unusual` when the name holds digits or symbols.
    pub fn parse(raw: &str) -> CheckResult<Self> {
        let nfc: String = raw.nfc().collect();
        let trimmed = nfc.trim();
        let has_han = trimmed.chars().any(is_han);
        let mut out = String::with_capacity(trimmed.len());
        if has_han {
            let chars: Vec<char> = trimmed.chars().filter(|c| !c.is_whitespace()).collect();
            for (i, &c) in chars.iter().enumerate() {
                let between_han =
                    i > 0 && i + 1 < chars.len() && is_han(chars[i - 1]) && is_han(chars[i + 1]);
                out.push(if DOTS.contains(&c) && between_han {
                    '·'
                } else {
                    c
                });
            }
        } else {
            out = trimmed.split_whitespace().collect::<Vec<_>>().join(" ");
        }
        let len = out.chars().count();
        if len == 0 {
            return Err(Notice::error(
                Field::Name,
                "name_missing",
                "请填写姓名",
                "Enter the name",
            ));
        }
        if len > MAX_NAME_CHARS {
            return Err(Notice::error(
                Field::Name,
                "name_too_long",
                format!("姓名过长（{len} 个字，最多 {MAX_NAME_CHARS} 个）"),
                format!("The name is too long ({len} characters, at most {MAX_NAME_CHARS})"),
            ));
        }
        let unusual = out.chars().any(|c| {
            c.is_ascii_digit() || (c.is_ascii_punctuation() && c != '-' && c != '\'' && c != '.')
        });
        let name = PersonName(out);
        if unusual {
            let shown = name.0.clone();
            return Ok(Checked::warned(
                name,
                Notice::warning(
                    Field::Name,
                    "name_unusual",
                    format!("姓名“{shown}”含有数字或符号，请核对"),
                    format!("The name \"{shown}\" contains digits or symbols; please check"),
                ),
            ));
        }
        Ok(Checked::ok(name))
    }

    /// The normal form.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Length in characters (Unicode scalar values): `王𠈌` is 2.
    pub fn len_chars(&self) -> usize {
        self.0.chars().count()
    }
}

impl std::fmt::Display for PersonName {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}
