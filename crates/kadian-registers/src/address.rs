//! A household address as staff type it in one cell (现住址): the compound named in it, then
//! building, unit and room in the forms registers use — `八一新苑13号楼1单元602`,
//! `八一新苑 12#楼 2单元 1502`, `7栋2单元101`, `3-1-402`, `10号楼1单元1602室`,
//! `1号楼三单元802`.

use unicode_normalization::UnicodeNormalization;

/// A compound of the street an address can name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KnownCompound {
    /// Its id on the server.
    pub id: String,
    /// Its name (八一新苑).
    pub name: String,
    /// Its community's 12-digit code.
    pub community_code: String,
}

/// What an address cell says.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SplitAddress {
    /// Index into the compounds given, when the address names one.
    pub compound: Option<usize>,
    /// Building number (`13`), unit (`1`), room (`602`), when they could be told apart.
    pub building: Option<String>,
    /// Unit.
    pub unit: Option<String>,
    /// Room.
    pub room: Option<String>,
    /// What follows the compound's name, folded (`13号楼1单元602`), when anything does.
    pub rest: Option<String>,
}

impl SplitAddress {
    /// True when, no known compound being named, the address starts with words (西城花园3号楼,
    /// 建设路12号): it names a place, just not one of these compounds.
    pub fn names_a_place(&self) -> bool {
        self.compound.is_none()
            && self
                .rest
                .as_deref()
                .and_then(|r| r.chars().next())
                .is_some_and(|c| !is_numeral(c))
    }
}

/// A small number written in Chinese (一 … 九十九, 两) or in digits.
pub(crate) fn number(s: &str) -> Option<u32> {
    if !s.is_empty() && s.chars().all(|c| c.is_ascii_digit()) {
        return s.parse().ok();
    }
    let digit = |c: char| {
        "零一二三四五六七八九"
            .chars()
            .position(|d| d == c)
            .map(|p| p as u32)
    };
    let chars: Vec<char> = s
        .chars()
        .map(|c| if c == '两' { '二' } else { c })
        .collect();
    match chars.as_slice() {
        ['十'] => Some(10),
        [d] => digit(*d),
        ['十', d] => digit(*d).map(|d| 10 + d),
        [t, '十'] => digit(*t).map(|t| t * 10),
        [t, '十', d] => Some(digit(*t)? * 10 + digit(*d)?),
        _ => None,
    }
}

fn is_numeral(c: char) -> bool {
    c.is_ascii_digit() || "零一二三四五六七八九十两".contains(c)
}

/// Splits an address cell. The compound is the longest of `compounds` whose name the address
/// contains (so `八一新苑小区…` names 八一新苑); a 小区 right after it is dropped.
pub fn split_address(text: &str, compounds: &[KnownCompound]) -> SplitAddress {
    let folded: String = text.nfkc().filter(|c| !c.is_whitespace()).collect();
    let found = compounds
        .iter()
        .enumerate()
        .filter(|(_, c)| !c.name.is_empty() && folded.contains(c.name.as_str()))
        .max_by_key(|(_, c)| c.name.chars().count());
    let rest = match found {
        Some((_, c)) => {
            let at = folded.find(c.name.as_str()).unwrap_or(0) + c.name.len();
            let after = &folded[at..];
            after.strip_prefix("小区").unwrap_or(after).to_owned()
        }
        None => folded.clone(),
    };
    let mut split = SplitAddress {
        compound: found.map(|(i, _)| i),
        rest: (!rest.is_empty()).then(|| rest.clone()),
        ..SplitAddress::default()
    };
    // Tokens: a number as written (digits kept: room 0302 stays 0302; 三 becomes 3) and the
    // words after it (`13` `号楼`, `1` `单元`, `602` `室`).
    let mut tokens: Vec<(String, String)> = Vec::new();
    let mut chars = rest.chars().peekable();
    let mut lead = String::new();
    while let Some(&c) = chars.peek() {
        if is_numeral(c) {
            let mut n = String::new();
            while let Some(&c) = chars.peek().filter(|c| is_numeral(**c)) {
                n.push(c);
                chars.next();
            }
            let mut words = String::new();
            while let Some(&c) = chars.peek().filter(|c| !is_numeral(**c)) {
                words.push(c);
                chars.next();
            }
            if n.chars().all(|c| c.is_ascii_digit()) {
                tokens.push((n, words));
            } else {
                match number(&n) {
                    Some(v) => tokens.push((v.to_string(), words)),
                    None => return split,
                }
            }
        } else {
            lead.push(c);
            chars.next();
        }
    }
    if !lead.is_empty() {
        // Words before the first number (`东区3号楼`): not a form this reads.
        return split;
    }
    let building_word =
        |w: &str| ["号楼", "#楼", "栋", "幢", "号", "#", "楼", "-", "座"].contains(&w);
    let unit_word = |w: &str| ["单元", "-"].contains(&w);
    let room_word = |w: &str| ["", "室", "号", "户"].contains(&w);
    match tokens.as_slice() {
        [(b, bw), (u, uw), (r, rw)] if building_word(bw) && unit_word(uw) && room_word(rw) => {
            split.building = Some(b.clone());
            split.unit = Some(u.clone());
            split.room = Some(r.clone());
        }
        [(b, bw), (r, rw)] if building_word(bw) && bw != "-" && room_word(rw) => {
            split.building = Some(b.clone());
            split.room = Some(r.clone());
        }
        _ => {}
    }
    split
}

#[cfg(test)]
mod tests {
    use super::{split_address, KnownCompound};

    fn compounds() -> Vec<KnownCompound> {
        ["八一新苑", "西城花园", "八一新苑二期"]
            .iter()
            .map(|n| KnownCompound {
                id: format!("id-{n}"),
                name: (*n).into(),
                community_code: "411402001018".into(),
            })
            .collect()
    }

    fn parts(
        text: &str,
    ) -> (
        Option<String>,
        Option<String>,
        Option<String>,
        Option<String>,
    ) {
        let c = compounds();
        let s = split_address(text, &c);
        (
            s.compound.map(|i| c[i].name.clone()),
            s.building,
            s.unit,
            s.room,
        )
    }

    fn some(
        c: &str,
        b: &str,
        u: &str,
        r: &str,
    ) -> (
        Option<String>,
        Option<String>,
        Option<String>,
        Option<String>,
    ) {
        (
            Some(c.into()),
            Some(b.into()),
            Some(u.into()),
            Some(r.into()),
        )
    }

    #[test]
    fn the_forms_registers_use() {
        for text in [
            "八一新苑13号楼1单元602",
            "八一新苑 13#楼 1单元 602",
            "八一新苑13栋1单元602",
            "八一新苑13-1-602",
            "八一新苑小区13号楼1单元602室",
            "八一新苑13号楼一单元602",
            "八一新苑１３号楼１单元６０２",
        ] {
            assert_eq!(parts(text), some("八一新苑", "13", "1", "602"), "{text}");
        }
        assert_eq!(
            parts("八一新苑1号楼三单元802"),
            some("八一新苑", "1", "3", "802")
        );
        assert_eq!(
            parts("八一新苑7号楼十二单元202"),
            some("八一新苑", "7", "12", "202")
        );
    }

    #[test]
    fn the_longest_compound_named_wins_and_odd_forms_keep_only_the_compound() {
        assert_eq!(
            parts("八一新苑二期3-2-101"),
            some("八一新苑二期", "3", "2", "101")
        );
        assert_eq!(
            parts("西城花园东区3号楼"),
            (Some("西城花园".into()), None, None, None)
        );
        assert_eq!(parts("建设路12号"), (None, None, None, None));
        let s = split_address("西城花园东区3号楼", &compounds());
        assert_eq!(s.rest.as_deref(), Some("东区3号楼"));
        assert!(!s.names_a_place(), "it names a known compound");
        assert!(split_address("建设路12号", &compounds()).names_a_place());
        assert!(!split_address("3-1-402", &compounds()).names_a_place());
        assert_eq!(
            split_address("八一新苑3-1-0302", &compounds())
                .room
                .as_deref(),
            Some("0302"),
            "a room's leading zero is kept"
        );
    }
}
