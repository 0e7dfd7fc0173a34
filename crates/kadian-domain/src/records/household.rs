//! The household (户, entity): a dwelling of a compound (building, unit, room) or of a village
//! (group 组 and door number 门牌号), its kind and its head. Its members are the persons whose
//! `household` names it (a list derived, never stored twice), each with their relation to the
//! head. Source: the street's plan (村不漏户、户不漏人); a village roster's 组, 门牌号, 户主 and
//! 与户主关系 columns; CommCare's household → member cases.
//!
//! A household's id is derived from where it is ([`household_id_for`] of its
//! [`household_key`]): two laptops importing the same roster offline make the same household,
//! and the server merges them as one.

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::{Field, Notice};

use super::rules::{community_code, opt_text, reference, text};
use super::{bad, MAX_SHORT_CHARS};

/// What a household is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum HouseholdKind {
    /// 自住.
    OwnerOccupied,
    /// 出租.
    Rented,
    /// 空置.
    Vacant,
    /// 商铺 (a shop lived in or not).
    Shop,
}

/// A member's relation to the head of the household, by the groups of GB/T 4761-2008 (家庭关系
/// 代码): 户主, 配偶, 子 (女婿 too), 女 (儿媳 too), 孙子女, 父母, 其他.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Relation {
    /// 户主.
    Head,
    /// 配偶 (妻, 夫).
    Spouse,
    /// 子 (长子, 次子, 女婿).
    Son,
    /// 女 (长女, 次女, 儿媳).
    Daughter,
    /// 孙子女 (孙子, 孙女, 外孙).
    Grandchild,
    /// 父母 (父亲, 母亲, 公婆, 岳父母).
    Parent,
    /// 其他 (兄弟姐妹, 亲属, 租客, 保姆).
    Other,
}

impl Relation {
    /// The relation a register writes (`户主`, `妻`, `长子`, `儿媳`, `外孙女`, …), or `None`
    /// when the text is empty. Words it does not know are [`Relation::Other`].
    pub fn from_register(text: &str) -> Option<Relation> {
        let t: String = text.chars().filter(|c| !c.is_whitespace()).collect();
        if t.is_empty() {
            return None;
        }
        let has = |w: &str| t.contains(w);
        Some(if t == "户主" || t == "本人" {
            Relation::Head
        } else if ["配偶", "妻", "妻子", "夫", "丈夫", "老伴", "爱人"]
            .iter()
            .any(|w| t == *w || (t.ends_with('妻') && t.chars().count() <= 2))
        {
            Relation::Spouse
        } else if has("孙") {
            Relation::Grandchild
        } else if has("女婿") || (has("子") && !has("妻") && !has("侄") && !has("甥")) {
            Relation::Son
        } else if has("儿媳") || (has("女") && !has("侄") && !has("甥")) {
            Relation::Daughter
        } else if ["父", "母", "公公", "婆婆"].iter().any(|w| has(w)) && !has("伯") && !has("叔")
        {
            Relation::Parent
        } else {
            Relation::Other
        })
    }
}

/// The namespace of household ids ([`household_id_for`]).
pub const HOUSEHOLD_NAMESPACE: Uuid = Uuid::from_u128(0x6f1d_2b83_c04e_4a57_9e3a_7d58_12b6_c940);

/// The key of a household by where it is: a village's `community code-组-门牌号`
/// (`411402001024-3-12`), a compound's `compound-building-unit-room` (`c1-11-2-601`, the
/// numbers as written after folding). Empty parts stay empty (`c1--2-601`).
pub fn household_key(community_code: &str, compound: &str, place: &HouseholdPlace) -> String {
    match place {
        HouseholdPlace::Village {
            group,
            house_number,
        } => format!("{community_code}-{group}-{house_number}"),
        HouseholdPlace::Compound {
            building,
            unit,
            room,
        } => format!(
            "{compound}-{}-{}-{}",
            building.as_deref().unwrap_or(""),
            unit.as_deref().unwrap_or(""),
            room.as_deref().unwrap_or("")
        ),
    }
}

/// The id of the household a key names (UUIDv5 of [`household_key`]).
pub fn household_id_for(key: &str) -> Uuid {
    Uuid::new_v5(&HOUSEHOLD_NAMESPACE, key.as_bytes())
}

/// Where a household is.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "shape", rename_all = "snake_case")]
pub enum HouseholdPlace {
    /// In a compound: building (楼栋), unit (单元), room (门牌号/房号).
    Compound {
        /// Building (`11`).
        building: Option<String>,
        /// Unit (`2`).
        unit: Option<String>,
        /// Room (`601`).
        room: Option<String>,
    },
    /// In a village: group (组) and door number (门牌号).
    Village {
        /// The group (村民小组), 1 and up.
        group: u16,
        /// The door number (`12`, `12-1`).
        house_number: String,
    },
}

/// A household (户).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Household {
    /// [`household_id_for`] its key, or a new id for one added by hand.
    pub id: Uuid,
    /// The community's 12-digit code.
    pub community_code: String,
    /// The compound's (or village's) id.
    pub compound: String,
    /// Where in it.
    pub place: HouseholdPlace,
    /// What it is, when known.
    pub kind: Option<HouseholdKind>,
    /// The head's name as the register wrote it (户主姓名), when known.
    pub head_name: Option<String>,
    /// The head, when the head is a person on file.
    pub head_id: Option<Uuid>,
    /// A phone to reach the household (stored in full, shown masked).
    pub phone: Option<String>,
}

/// A household: a 12-digit community code, a compound, a village's group 1–99 and a door
/// number, bounded short texts.
///
/// Errors: `invalid_community`, `reference_missing`, `group_invalid`, `house_number_missing`,
/// `too_long`, `control_character`.
pub fn check_household(h: &Household) -> Result<(), Notice> {
    community_code(&h.community_code)?;
    reference("小区 / compound", &h.compound)?;
    match &h.place {
        HouseholdPlace::Compound {
            building,
            unit,
            room,
        } => {
            for (name, v) in [
                ("楼栋 / building", building),
                ("单元 / unit", unit),
                ("门牌号 / room", room),
            ] {
                opt_text(Field::Record, name, v.as_deref(), MAX_SHORT_CHARS, false)?;
            }
        }
        HouseholdPlace::Village {
            group,
            house_number,
        } => {
            if !(1..=99).contains(group) {
                return Err(bad(
                    Field::Record,
                    "group_invalid",
                    "组应为 1–99",
                    "A village group is 1 to 99",
                ));
            }
            if house_number.trim().is_empty() {
                return Err(bad(
                    Field::Record,
                    "house_number_missing",
                    "没有门牌号",
                    "No door number",
                ));
            }
            text(
                Field::Record,
                "门牌号 / door number",
                house_number,
                MAX_SHORT_CHARS,
                false,
            )?;
        }
    }
    opt_text(
        Field::Name,
        "户主 / head",
        h.head_name.as_deref(),
        crate::name::MAX_NAME_CHARS,
        false,
    )?;
    opt_text(
        Field::Phone,
        "电话 / phone",
        h.phone.as_deref(),
        MAX_SHORT_CHARS,
        false,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn relations_read_as_the_groups_of_gb_t_4761() {
        let r = |t: &str| Relation::from_register(t);
        assert_eq!(r("户主"), Some(Relation::Head));
        for s in ["配偶", "妻", "妻子", "丈夫", "夫"] {
            assert_eq!(r(s), Some(Relation::Spouse), "{s}");
        }
        for s in ["长子", "次子", "儿子", "女婿", "三子"] {
            assert_eq!(r(s), Some(Relation::Son), "{s}");
        }
        for s in ["长女", "次女", "女儿", "儿媳"] {
            assert_eq!(r(s), Some(Relation::Daughter), "{s}");
        }
        for s in ["孙子", "孙女", "外孙", "外孙女"] {
            assert_eq!(r(s), Some(Relation::Grandchild), "{s}");
        }
        for s in ["父亲", "母亲", "岳母"] {
            assert_eq!(r(s), Some(Relation::Parent), "{s}");
        }
        for s in ["侄子", "外甥女", "弟弟", "保姆"] {
            assert_eq!(r(s), Some(Relation::Other), "{s}");
        }
        assert_eq!(r(" "), None);
    }

    #[test]
    fn a_household_is_one_id_wherever_its_key_is_made() {
        let village = HouseholdPlace::Village {
            group: 3,
            house_number: "12".into(),
        };
        let key = household_key("411402001024", "v1", &village);
        assert_eq!(key, "411402001024-3-12");
        assert_eq!(
            household_id_for(&key),
            household_id_for("411402001024-3-12")
        );
        let flat = HouseholdPlace::Compound {
            building: Some("11".into()),
            unit: None,
            room: Some("601".into()),
        };
        assert_eq!(household_key("411402001018", "c1", &flat), "c1-11--601");
    }

    #[test]
    fn a_household_keeps_its_rules() {
        let mut h = Household {
            id: Uuid::nil(),
            community_code: "411402001024".into(),
            compound: "季庄村".into(),
            place: HouseholdPlace::Village {
                group: 0,
                house_number: "12".into(),
            },
            kind: None,
            head_name: Some("季诺强".into()),
            head_id: None,
            phone: None,
        };
        assert_eq!(check_household(&h).unwrap_err().code, "group_invalid");
        h.place = HouseholdPlace::Village {
            group: 1,
            house_number: " ".into(),
        };
        assert_eq!(
            check_household(&h).unwrap_err().code,
            "house_number_missing"
        );
        h.place = HouseholdPlace::Village {
            group: 1,
            house_number: "12".into(),
        };
        assert!(check_household(&h).is_ok());
        h.community_code = "41140200102".into();
        assert_eq!(check_household(&h).unwrap_err().code, "invalid_community");
    }
}
