//! Derived columns that make the gate's lookups index range scans: pinyin initials of a name and
//! reversed numbers (so "ends with 1234" becomes "starts with 4321").

use pinyin::ToPinyin;

/// Lower-case pinyin initials of a name, one letter per Han character (`张三` → `zs`); ASCII
/// letters are kept (lower-cased), anything else (the middle dot, characters the pinyin table does
/// not know) is skipped.
pub(crate) fn initials(name: &str) -> String {
    name.chars()
        .filter_map(|c| {
            if c.is_ascii_alphabetic() {
                return Some(c.to_ascii_lowercase());
            }
            let mut buf = [0u8; 4];
            let s: &str = c.encode_utf8(&mut buf);
            s.to_pinyin()
                .next()
                .flatten()
                .and_then(|p| p.first_letter().chars().next())
        })
        .collect()
}

/// Lower-case full pinyin of a name without tones, syllables joined (`罗汉晓` → `luohanxiao`);
/// ü is written v, as typed on pinyin keyboards (吕 → lv); ASCII letters are kept (lower-cased),
/// anything else is skipped. A character with several readings gets the reading the pinyin table
/// lists first (单 → dan).
pub(crate) fn full_pinyin(name: &str) -> String {
    let mut out = String::with_capacity(name.len() * 2);
    for c in name.chars() {
        if c.is_ascii_alphabetic() {
            out.push(c.to_ascii_lowercase());
            continue;
        }
        let mut buf = [0u8; 4];
        let s: &str = c.encode_utf8(&mut buf);
        if let Some(p) = s.to_pinyin().next().flatten() {
            // ü is typed v on every pinyin keyboard (吕 → lv).
            out.extend(p.plain().chars().map(|c| if c == 'ü' { 'v' } else { c }));
        }
    }
    out
}

/// The string reversed by character.
pub(crate) fn reversed(s: &str) -> String {
    s.chars().rev().collect()
}

/// The exclusive upper bound of all strings that start with `prefix`, for
/// `col >= prefix AND col < upper` (SQLite compares text bytewise as UTF-8).
pub(crate) fn prefix_upper(prefix: &str) -> String {
    let mut s = String::with_capacity(prefix.len() + 4);
    s.push_str(prefix);
    s.push(char::MAX);
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn full_pinyin_of_names() {
        assert_eq!(full_pinyin("罗汉晓"), "luohanxiao");
        assert_eq!(full_pinyin("吕女士"), "lvnvshi");
        assert_eq!(
            full_pinyin("阿依古丽·买买提"),
            "ayiguli".to_owned() + "maimaiti"
        );
        assert_eq!(full_pinyin("John Smith"), "johnsmith");
    }

    #[test]
    fn initials_of_names() {
        assert_eq!(initials("张三"), "zs");
        assert_eq!(initials("阿依古丽·买买提"), "aygl".to_owned() + "mmt");
        assert_eq!(initials("王𠈌"), "w");
        assert_eq!(initials("John Smith"), "johnsmith");
    }

    #[test]
    fn reversed_and_upper_bound() {
        assert_eq!(reversed("41140219370119799X"), "X99791107391204114");
        assert!(prefix_upper("zs").as_str() > "zsz");
        assert!(prefix_upper("zs").as_str() < "zt");
    }
}
