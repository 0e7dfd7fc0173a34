//! Households (户) out of a register: a village roster (村民花名册) lists them by group (组) and
//! door number (门牌号), one household under its first row (户主姓名, and the 组 and 门牌号 only
//! there, the rows below blank as if merged); a compound roster (居民花名册) by building, unit and
//! room. The household's id is derived from that place, so the same roster imported on two
//! laptops makes the same households. Source: `../shared/fixtures/README.md` (households); GB/T
//! 4761-2008 for the relation to the head.

use std::collections::HashMap;

use kadian_domain::records::{household_id_for, household_key, Household, HouseholdPlace};
use unicode_normalization::UnicodeNormalization;

use crate::address::{number, KnownCompound};
use crate::cells::{Cell, Grid};
use crate::columns::{Column, HeaderMatch};

/// A village group as written (`1组`, `一组`, `第1组`, `1`, `第二组`, `３组`): its number
/// (1–99), or `None`.
pub fn parse_group(text: &str) -> Option<u16> {
    let t: String = text.nfkc().filter(|c| !c.is_whitespace()).collect();
    let t = t.strip_prefix('第').unwrap_or(&t);
    let t = t
        .strip_suffix("村民小组")
        .or_else(|| t.strip_suffix("小组"))
        .or_else(|| t.strip_suffix('组'))
        .unwrap_or(t);
    let n = number(t)?;
    (1..=99).contains(&n).then_some(n as u16)
}

/// A door number as written (`9号`, `１１号`, `5-23` in group 5, `12-1`): folded, without 号,
/// the group's own prefix dropped; `None` when empty.
pub fn parse_door(text: &str, group: Option<u16>) -> Option<String> {
    let t: String = text.nfkc().filter(|c| !c.is_whitespace()).collect();
    let t = t.strip_suffix('号').unwrap_or(&t);
    let t = match group.and_then(|g| t.strip_prefix(&format!("{g}-"))) {
        Some(rest) if !rest.is_empty() => rest,
        _ => t,
    };
    (!t.is_empty()).then(|| t.to_owned())
}

/// A building, unit or room as a compound roster writes it (`11号楼`, `2单元`, `三单元`, `601`,
/// `601室`, `12#`): the number, else the text folded.
pub fn compound_part(text: &str) -> Option<String> {
    let t: String = text.nfkc().filter(|c| !c.is_whitespace()).collect();
    let mut core = t.as_str();
    for suffix in ["号楼", "单元", "栋", "幢", "楼", "室", "号", "#"] {
        if let Some(s) = core.strip_suffix(suffix) {
            core = s;
            break;
        }
    }
    if core.is_empty() {
        return None;
    }
    Some(match number(core) {
        Some(n) if !core.starts_with('0') => n.to_string(),
        _ => core.to_owned(),
    })
}

/// 户籍/常住 as written: (registered here, living here) for 户在人在, 户在人不在, 人在户不在;
/// `None` for anything else.
pub fn residence(text: &str) -> Option<(bool, bool)> {
    let t: String = text.nfkc().filter(|c| !c.is_whitespace()).collect();
    match t.as_str() {
        "户在人在" => Some((true, true)),
        "户在人不在" => Some((true, false)),
        "人在户不在" => Some((false, true)),
        _ => None,
    }
}

/// True when a roster's header lists households (组, 与户主关系 or 户主姓名): a village roster.
pub fn lists_households(header: &HeaderMatch) -> bool {
    [Column::Group, Column::Relation, Column::HouseholdHead]
        .iter()
        .any(|c| header.find(*c).is_some())
}

/// The compound (or village) a register is of: the one `named` (an id or a name given with the
/// import), else the one whose name its title rows name (`平原街道季庄村居民花名册`), the longest
/// when several do.
pub fn register_compound<'a>(
    grid: &Grid,
    header: &HeaderMatch,
    named: Option<&str>,
    compounds: &'a [KnownCompound],
) -> Option<&'a KnownCompound> {
    if let Some(n) = named {
        return compounds.iter().find(|c| c.id == n || c.name == n);
    }
    let title: String = grid
        .rows
        .iter()
        .take(header.index)
        .flatten()
        .filter_map(|c| match c {
            Cell::Text(t) => Some(t.nfkc().collect::<String>()),
            _ => None,
        })
        .collect();
    compounds
        .iter()
        .filter(|c| !c.name.is_empty() && title.contains(c.name.as_str()))
        .max_by_key(|c| c.name.chars().count())
}

/// The households a register yields, each once however many rows name it.
#[derive(Debug, Default)]
pub struct Households {
    /// In the order first met.
    pub list: Vec<Household>,
    by_key: HashMap<String, usize>,
    /// Whether each has its head's row yet.
    headed: Vec<bool>,
}

impl Households {
    /// The household at `place` of `compound`, added when new: (its key, its index).
    pub fn at(&mut self, compound: &KnownCompound, place: HouseholdPlace) -> (String, usize) {
        let key = household_key(&compound.community_code, &compound.id, &place);
        if let Some(i) = self.by_key.get(&key) {
            return (key, *i);
        }
        let i = self.list.len();
        self.list.push(Household {
            id: household_id_for(&key),
            community_code: compound.community_code.clone(),
            compound: compound.id.clone(),
            place,
            kind: None,
            head_name: None,
            head_id: None,
            phone: None,
        });
        self.headed.push(false);
        self.by_key.insert(key.clone(), i);
        (key, i)
    }

    /// Whether household `i` has its head's row yet.
    pub fn headed(&self, i: usize) -> bool {
        self.headed.get(i).copied().unwrap_or(false)
    }

    /// Household `i`'s head: a person on file (`id`), named, with a phone if known.
    pub fn set_head(&mut self, i: usize, id: Option<uuid::Uuid>, name: &str, phone: Option<&str>) {
        if let (Some(h), Some(headed)) = (self.list.get_mut(i), self.headed.get_mut(i)) {
            *headed = true;
            h.head_id = id;
            h.head_name = Some(name.to_owned());
            if h.phone.is_none() {
                h.phone = phone.map(str::to_owned);
            }
        }
    }

    /// The name the household's first row gives its head (户主姓名), until a head's row says.
    pub fn name_head(&mut self, i: usize, name: &str) {
        if let Some(h) = self.list.get_mut(i).filter(|h| h.head_name.is_none()) {
            h.head_name = Some(name.to_owned());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn groups_and_doors_read_as_written() {
        for g in ["1组", "一组", "第1组", "1", "第一组", "１组", "1 组"] {
            assert_eq!(parse_group(g), Some(1), "{g}");
        }
        assert_eq!(parse_group("十二组"), Some(12));
        assert_eq!(parse_group("东组"), None);
        assert_eq!(parse_group("0"), None);
        assert_eq!(parse_door("９号", Some(1)).as_deref(), Some("9"));
        assert_eq!(parse_door("5-23", Some(5)).as_deref(), Some("23"));
        assert_eq!(parse_door("12-1", Some(3)).as_deref(), Some("12-1"));
        assert_eq!(parse_door(" ", Some(3)), None);
    }

    #[test]
    fn a_compound_rosters_building_unit_and_room_fold_to_numbers() {
        assert_eq!(compound_part("11号楼").as_deref(), Some("11"));
        assert_eq!(compound_part("三单元").as_deref(), Some("3"));
        assert_eq!(compound_part("601室").as_deref(), Some("601"));
        assert_eq!(compound_part("0302").as_deref(), Some("0302"));
        assert_eq!(compound_part("12#").as_deref(), Some("12"));
        assert_eq!(compound_part("东区A座").as_deref(), Some("东区A座"));
        assert_eq!(compound_part(""), None);
    }

    #[test]
    fn residence_reads_the_three_forms() {
        assert_eq!(residence("户在人在"), Some((true, true)));
        assert_eq!(residence("户在人不在"), Some((true, false)));
        assert_eq!(residence("人在户不在"), Some((false, true)));
        assert_eq!(residence("不详"), None);
    }
}
