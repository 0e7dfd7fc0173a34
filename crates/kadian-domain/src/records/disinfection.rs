//! The disinfection site (消杀点位, entity) and the disinfection done there (消杀记录, event). A
//! site is a place the street's plan disinfects on a schedule: a compound's public areas, the
//! supermarkets, markets, gas stations, pharmacies and public toilets every day, the
//! checkpoints. Its schedule is a number of times a day, some or all of them at planned times
//! (08:00 and 16:00). Whether a slot was kept is derived from the disinfections recorded for it
//! ([`crate::disinfection`]), never a status a laptop sets. Sources: the street's plan (超市、
//! 农贸市场、加油站、药店 every day; 重点区域 on a schedule); the street's 消杀点位清单
//! (`../shared/fixtures/registers/平原街道_消杀点位清单.xlsx`); the national guideline on
//! disinfecting public places (含氯消毒剂 500 mg/L for surfaces, 75% alcohol for small ones).

use chrono::{NaiveDate, NaiveTime, Timelike};
use serde::{Deserialize, Serialize};
use unicode_normalization::UnicodeNormalization;
use uuid::Uuid;

use crate::{Field, Notice};

use super::rules::{community_code, date, instant, opt_text, reference, text};
use super::{bad, Instant, MAX_SHORT_CHARS, MAX_TEXT_CHARS};

/// What a site is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SiteKind {
    /// 小区公共区域.
    CompoundPublicArea,
    /// 超市.
    Supermarket,
    /// 农贸市场, 菜市场.
    Market,
    /// 加油站.
    GasStation,
    /// 药店, 药房.
    Pharmacy,
    /// 公厕, 公共厕所.
    PublicToilet,
    /// 卡点, 卡口.
    Checkpoint,
    /// 其他.
    Other,
}

impl SiteKind {
    /// Every kind, in the order lists show them.
    pub const ALL: [SiteKind; 8] = [
        SiteKind::CompoundPublicArea,
        SiteKind::Supermarket,
        SiteKind::Market,
        SiteKind::GasStation,
        SiteKind::Pharmacy,
        SiteKind::PublicToilet,
        SiteKind::Checkpoint,
        SiteKind::Other,
    ];

    /// The kind a 类型 cell names (`超市`, `菜市场`, `卡口`; full-width and spaced forms too);
    /// `None` for a word that is none of them.
    pub fn from_word(text: &str) -> Option<SiteKind> {
        let t: String = text.nfkc().filter(|c| !c.is_whitespace()).collect();
        Some(match t.as_str() {
            "小区公共区域" | "小区" => SiteKind::CompoundPublicArea,
            "超市" => SiteKind::Supermarket,
            "农贸市场" | "菜市场" => SiteKind::Market,
            "加油站" => SiteKind::GasStation,
            "药店" | "药房" => SiteKind::Pharmacy,
            "公厕" | "公共厕所" => SiteKind::PublicToilet,
            "卡点" | "卡口" => SiteKind::Checkpoint,
            "其他" | "其它" => SiteKind::Other,
            _ => return None,
        })
    }

    /// Its name in Chinese, as the street's lists write it.
    pub fn zh(self) -> &'static str {
        match self {
            SiteKind::CompoundPublicArea => "小区公共区域",
            SiteKind::Supermarket => "超市",
            SiteKind::Market => "农贸市场",
            SiteKind::GasStation => "加油站",
            SiteKind::Pharmacy => "药店",
            SiteKind::PublicToilet => "公厕",
            SiteKind::Checkpoint => "卡点",
            SiteKind::Other => "其他",
        }
    }
}

/// Most times a day one site is disinfected.
pub const MAX_TIMES_PER_DAY: u8 = 12;

/// A disinfection site (entity).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DisinfectionSite {
    /// UUIDv7; a site list's row: [`site_id`].
    pub id: Uuid,
    /// What it is.
    pub kind: SiteKind,
    /// 点位名称 (`八一新苑小区公共区域`, `丹尼斯超市`).
    pub name: String,
    /// 地址.
    #[serde(default)]
    pub address: Option<String>,
    /// The community (12 digits); none: the street's own (a site the list gave no community
    /// of the street).
    #[serde(default)]
    pub community_code: Option<String>,
    /// The compound, when it is a compound's (its public areas, its checkpoint).
    #[serde(default)]
    pub compound: Option<String>,
    /// 责任单位 (the property company, the merchant).
    #[serde(default)]
    pub responsible_unit: Option<String>,
    /// 联系人.
    #[serde(default)]
    pub contact_name: Option<String>,
    /// 联系电话 (masked in lists).
    #[serde(default)]
    pub contact_phone: Option<String>,
    /// Times a day (1–12): the planned times, and as many untimed slots as are left (due by
    /// the end of the China day).
    pub times_per_day: u8,
    /// The planned times, China time, ascending (`08:00`, `16:00`); at most `times_per_day`.
    #[serde(default)]
    pub slots: Vec<NaiveTime>,
    /// On the schedule from this China day (a laptop and an import set the day it was listed);
    /// none: every day.
    #[serde(default)]
    pub active_from: Option<NaiveDate>,
    /// Until this China day, included (none: until further notice).
    #[serde(default)]
    pub active_to: Option<NaiveDate>,
    /// The key area it serves, when it is one's.
    #[serde(default)]
    pub key_area_id: Option<Uuid>,
    /// Who listed it (a staff member's name, or `import:<file>`).
    pub recorded_by: String,
}

impl DisinfectionSite {
    /// Whether it is on the schedule on `day` (China).
    pub fn active_on(&self, day: NaiveDate) -> bool {
        self.active_from.is_none_or(|f| f <= day) && self.active_to.is_none_or(|t| day <= t)
    }
}

/// The namespace of a site list row's site id ([`site_id`]).
pub const SITE_NAMESPACE: Uuid = Uuid::from_u128(0x51e7_0c2a_8d4b_4f19_a6e3_7b20_c95d_14f8);

/// The id of the site a site list's row makes: from the street, the site's name and address,
/// so the list imported twice lists each site once.
pub fn site_id(street: &str, name: &str, address: Option<&str>) -> Uuid {
    let norm = |s: &str| -> String { s.nfkc().filter(|c| !c.is_whitespace()).collect() };
    Uuid::new_v5(
        &SITE_NAMESPACE,
        format!("{street}:{}:{}", norm(name), norm(address.unwrap_or(""))).as_bytes(),
    )
}

/// A site: a name, a valid community when one is named and a compound only under a community,
/// 1–12 times a day with at most that many planned times, ascending and on the minute, an
/// active span that does not end before it starts, bounded texts.
///
/// Errors: `reference_missing`, `invalid_community`, `compound_without_community`,
/// `schedule_invalid`, `active_span_invalid`, `date_out_of_range`, `too_long`,
/// `control_character`.
pub fn check_disinfection_site(s: &DisinfectionSite) -> Result<(), Notice> {
    if s.name.trim().is_empty() {
        return Err(bad(
            Field::Record,
            "reference_missing",
            "点位名称为空",
            "The site's name is empty",
        ));
    }
    text(
        Field::Record,
        "点位名称 / site name",
        &s.name,
        MAX_SHORT_CHARS * 2,
        false,
    )?;
    reference("登记人 / recorded by", &s.recorded_by)?;
    if let Some(c) = &s.community_code {
        community_code(c)?;
    }
    match (&s.community_code, &s.compound) {
        (None, Some(_)) => {
            return Err(bad(
                Field::Record,
                "compound_without_community",
                "写明小区时要同时写明社区",
                "A site's compound is named with its community",
            ))
        }
        (_, Some(k)) => reference("小区 / compound", k)?,
        _ => {}
    }
    if s.times_per_day == 0
        || s.times_per_day > MAX_TIMES_PER_DAY
        || s.slots.len() > usize::from(s.times_per_day)
        || s.slots.windows(2).any(|w| w[0] >= w[1])
        || s.slots
            .iter()
            .any(|t| t.second() != 0 || t.nanosecond() != 0)
    {
        return Err(bad(
            Field::Record,
            "schedule_invalid",
            format!(
                "消杀安排无效：每天 1–{MAX_TIMES_PER_DAY} 次，时间按先后写、不重复、不多于次数"
            ),
            format!(
                "The schedule is invalid: 1–{MAX_TIMES_PER_DAY} times a day, the times ascending, each once, no more than the times a day"
            ),
        ));
    }
    date("开始日期 / active from", s.active_from, 2019)?;
    date("结束日期 / active to", s.active_to, 2019)?;
    if let (Some(f), Some(t)) = (s.active_from, s.active_to) {
        if t < f {
            return Err(bad(
                Field::Date,
                "active_span_invalid",
                "结束日期不能早于开始日期",
                "The last day is not before the first",
            ));
        }
    }
    for (name, value) in [
        ("责任单位 / responsible unit", s.responsible_unit.as_deref()),
        ("联系人 / contact", s.contact_name.as_deref()),
        ("联系电话 / contact phone", s.contact_phone.as_deref()),
    ] {
        opt_text(Field::Record, name, value, MAX_SHORT_CHARS * 2, false)?;
    }
    opt_text(
        Field::Record,
        "地址 / address",
        s.address.as_deref(),
        MAX_TEXT_CHARS,
        true,
    )
}

/// A part of a site that was disinfected.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DisinfectedArea {
    /// 出入口.
    Entrance,
    /// 电梯.
    Lift,
    /// 楼道.
    Stairwell,
    /// 扶手.
    Handrails,
    /// 垃圾桶.
    Bins,
    /// 柜台.
    Counters,
    /// 加油枪.
    Pumps,
    /// 购物车.
    Trolleys,
    /// 公共卫生间.
    Toilets,
}

impl DisinfectedArea {
    /// Its name in Chinese, as the 消杀记录表 writes it.
    pub fn zh(self) -> &'static str {
        match self {
            DisinfectedArea::Entrance => "出入口",
            DisinfectedArea::Lift => "电梯",
            DisinfectedArea::Stairwell => "楼道",
            DisinfectedArea::Handrails => "扶手",
            DisinfectedArea::Bins => "垃圾桶",
            DisinfectedArea::Counters => "柜台",
            DisinfectedArea::Pumps => "加油枪",
            DisinfectedArea::Trolleys => "购物车",
            DisinfectedArea::Toilets => "卫生间",
        }
    }
}

/// The agent used.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DisinfectantAgent {
    /// 含氯消毒剂 (84消毒液): its concentration in mg/L of available chlorine.
    Chlorine,
    /// 75% 酒精.
    Alcohol75,
    /// 过氧乙酸.
    PeraceticAcid,
    /// 其他.
    Other,
}

impl DisinfectantAgent {
    /// Its name in Chinese, as the 消杀记录表 writes it.
    pub fn zh(self) -> &'static str {
        match self {
            DisinfectantAgent::Chlorine => "含氯消毒剂",
            DisinfectantAgent::Alcohol75 => "75%酒精",
            DisinfectantAgent::PeraceticAcid => "过氧乙酸",
            DisinfectantAgent::Other => "其他",
        }
    }
}

/// How it was applied.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DisinfectionMethod {
    /// 喷洒.
    Spray,
    /// 擦拭.
    Wipe,
    /// 喷雾 (fogging).
    Fog,
}

impl DisinfectionMethod {
    /// Its name in Chinese, as the 消杀记录表 writes it.
    pub fn zh(self) -> &'static str {
        match self {
            DisinfectionMethod::Spray => "喷洒",
            DisinfectionMethod::Wipe => "擦拭",
            DisinfectionMethod::Fog => "喷雾",
        }
    }
}

/// Who did it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DisinfectedBy {
    /// 物业.
    PropertyCompany,
    /// 商户.
    Merchant,
    /// 志愿者.
    Volunteers,
    /// 街道消杀队.
    StreetTeam,
    /// 其他.
    Other,
}

impl DisinfectedBy {
    /// Its name in Chinese, as the 消杀记录表 writes it.
    pub fn zh(self) -> &'static str {
        match self {
            DisinfectedBy::PropertyCompany => "物业",
            DisinfectedBy::Merchant => "商户",
            DisinfectedBy::Volunteers => "志愿者",
            DisinfectedBy::StreetTeam => "街道消杀队",
            DisinfectedBy::Other => "其他",
        }
    }
}

/// Most available chlorine a recorded concentration may state, mg/L (the strongest dilution
/// any guideline uses is 10,000 mg/L, for spills).
pub const MAX_CONCENTRATION_MG_L: u32 = 10_000;

/// A disinfection done at a site (event).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Disinfection {
    /// UUIDv7.
    pub id: Uuid,
    /// The site.
    pub site_id: Uuid,
    /// The planned time (China) it answers; none: the next slot of the day not yet done.
    #[serde(default)]
    pub slot: Option<NaiveTime>,
    /// When it was done; its China day is the day it counts for.
    pub at: Instant,
    /// What was disinfected.
    #[serde(default)]
    pub areas: Vec<DisinfectedArea>,
    /// The agent.
    pub agent: DisinfectantAgent,
    /// Its concentration, mg/L (a chlorine agent's available chlorine).
    #[serde(default)]
    pub concentration_mg_l: Option<u32>,
    /// How.
    pub method: DisinfectionMethod,
    /// Who did it.
    pub done_by: DisinfectedBy,
    /// Who checked it (a staff member's name).
    #[serde(default)]
    pub checked_by: Option<String>,
    /// A note.
    #[serde(default)]
    pub note: Option<String>,
    /// Who recorded it.
    pub recorded_by: String,
}

/// A disinfection: a time, a slot on the minute, each area once, a concentration of 1 to
/// 10,000 mg/L when stated, bounded texts.
///
/// Errors: `date_out_of_range`, `schedule_invalid`, `area_repeated`,
/// `concentration_out_of_range`, `reference_missing`, `too_long`, `control_character`.
pub fn check_disinfection(d: &Disinfection) -> Result<(), Notice> {
    instant("消杀时间 / done at", &d.at)?;
    reference("登记人 / recorded by", &d.recorded_by)?;
    if d.slot
        .is_some_and(|t| t.second() != 0 || t.nanosecond() != 0)
    {
        return Err(bad(
            Field::Record,
            "schedule_invalid",
            "消杀时段写到分钟",
            "A slot is a time on the minute",
        ));
    }
    let mut seen = std::collections::HashSet::new();
    if !d.areas.iter().all(|a| seen.insert(*a)) {
        return Err(bad(
            Field::Record,
            "area_repeated",
            "每个消杀部位只写一次",
            "Each area once",
        ));
    }
    if d.concentration_mg_l
        .is_some_and(|c| c == 0 || c > MAX_CONCENTRATION_MG_L)
    {
        return Err(bad(
            Field::Record,
            "concentration_out_of_range",
            format!("浓度应在 1–{MAX_CONCENTRATION_MG_L} mg/L 之间"),
            format!("The concentration is 1–{MAX_CONCENTRATION_MG_L} mg/L"),
        ));
    }
    opt_text(
        Field::Record,
        "检查人 / checked by",
        d.checked_by.as_deref(),
        MAX_SHORT_CHARS,
        false,
    )?;
    opt_text(
        Field::Record,
        "备注 / note",
        d.note.as_deref(),
        MAX_TEXT_CHARS,
        true,
    )
}
