//! Small text helpers shared by the rules: width folding and Han detection.

use unicode_normalization::UnicodeNormalization;

/// NFKC-folds `s` (full-width digits and letters become ASCII, `．` becomes `.`, U+3000 a space).
pub(crate) fn fold_width(s: &str) -> String {
    s.nfkc().collect()
}

/// True for a Han ideograph, including the CJK extensions outside the BMP (`𠈌` is U+2020C).
pub(crate) fn is_han(c: char) -> bool {
    matches!(c as u32,
        0x3400..=0x4DBF | 0x4E00..=0x9FFF | 0xF900..=0xFAFF | 0x20000..=0x323AF)
        || c == '〇'
}
