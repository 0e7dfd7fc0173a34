//! The two sheets 入户排查 sends up, written from this laptop's store (offline too):
//! - **排查登记表**: every household of a compound (or of every compound held here) in walking
//!   order, one row per member (a household with nobody on the register: one row), with the
//!   household's state on the day, each member's residence, whether they are accounted for, when
//!   a gate last saw them and the household's latest screening;
//! - **重点区域入户随访表**: a key area's households on a day, one row per household, those not
//!   yet visited first (as the day list), each visit's way, outcome, members seen with their
//!   temperatures, symptoms, needs and who visited.
//!
//! ID numbers and phones are masked as on the screens: a sheet in full would be a reveal
//! (issue 17's audit), which this export is not.

use std::path::Path;

use chrono::NaiveDate;
use kadian_domain::coverage::HouseholdState;
use kadian_domain::records::{
    HouseholdKind, HouseholdNeed, HouseholdVisitMethod, HouseholdVisitOutcome, MemberStatus,
    Relation, ScreeningMethod, Symptom,
};
use kadian_registers::export::{ExportTable, ExportValue};

use super::{household_address, parse_day};
use crate::app_error::{AppError, AppResult};
use crate::areas::views::{mask_document, mask_phone, write_export, ExportResult};
use crate::core::AppCore;
use crate::local_time::local;

/// 户状态 as the sheet writes it.
pub(crate) fn state_zh(s: HouseholdState) -> &'static str {
    match s {
        HouseholdState::Screened => "已排查",
        HouseholdState::Partial => "部分掌握",
        HouseholdState::Silent => "未见",
        HouseholdState::Vacant => "空置",
    }
}

fn kind_zh(k: HouseholdKind) -> &'static str {
    match k {
        HouseholdKind::OwnerOccupied => "自住",
        HouseholdKind::Rented => "出租",
        HouseholdKind::Vacant => "空置",
        HouseholdKind::Shop => "商铺",
    }
}

fn relation_zh(r: Relation) -> &'static str {
    match r {
        Relation::Head => "户主",
        Relation::Spouse => "配偶",
        Relation::Son => "子",
        Relation::Daughter => "女",
        Relation::Grandchild => "孙子女",
        Relation::Parent => "父母",
        Relation::Other => "其他",
    }
}

fn method_zh(m: ScreeningMethod) -> &'static str {
    match m {
        ScreeningMethod::Door => "上门",
        ScreeningMethod::Phone => "电话",
        ScreeningMethod::Gate => "卡点",
        ScreeningMethod::SelfReport => "自主申报",
    }
}

fn visit_method_zh(m: HouseholdVisitMethod) -> &'static str {
    match m {
        HouseholdVisitMethod::Door => "上门",
        HouseholdVisitMethod::Phone => "电话",
        HouseholdVisitMethod::Intercom => "对讲",
    }
}

fn outcome_zh(o: HouseholdVisitOutcome) -> &'static str {
    match o {
        HouseholdVisitOutcome::AllWell => "全部正常",
        HouseholdVisitOutcome::SomeoneUnwell => "有人异常",
        HouseholdVisitOutcome::NoAnswer => "无人应答",
        HouseholdVisitOutcome::Refused => "拒绝",
        HouseholdVisitOutcome::Vacant => "空置",
    }
}

fn need_zh(n: HouseholdNeed) -> &'static str {
    match n {
        HouseholdNeed::Food => "食品",
        HouseholdNeed::Medicine => "药品",
        HouseholdNeed::Supplies => "防护用品",
        HouseholdNeed::Other => "其他",
    }
}

fn symptom_zh(s: Symptom) -> &'static str {
    match s {
        Symptom::Fever => "发热",
        Symptom::Cough => "咳嗽",
        Symptom::ShortBreath => "气促",
        Symptom::Fatigue => "乏力",
        Symptom::Diarrhoea => "腹泻",
        Symptom::Other => "其他症状",
    }
}

fn text(s: impl Into<String>) -> ExportValue {
    ExportValue::Text(s.into())
}

impl AppCore {
    /// Writes the 排查登记表 of China day `date` to `dir`: the households of `compound` (every
    /// compound held here when `None`), one row per member. `format`: `xlsx` or `csv`. Errors:
    /// `not_staff`, `invalid_date`, `not_found` (a compound not held here), `invalid_format`,
    /// `export_failed`.
    pub fn screening_export(
        &self,
        date: &str,
        compound: Option<&str>,
        format: &str,
        dir: &Path,
    ) -> AppResult<ExportResult> {
        self.screening_staff()?;
        let date = parse_day(date, "date")?;
        let reference = self.reference()?;
        let compounds: Vec<String> = match compound.map(str::trim).filter(|c| !c.is_empty()) {
            Some(c) if reference.compounds.contains_key(c) => vec![c.to_owned()],
            Some(_) => {
                return Err(AppError::new(
                    "not_found",
                    Some("compound"),
                    "这台设备没有这个小区的资料",
                    "This device holds no compound by that id",
                ))
            }
            None => {
                let mut all: Vec<&kadian_domain::places::Compound> =
                    reference.compounds.values().collect();
                all.sort_by(|a, b| (&a.community, &a.name).cmp(&(&b.community, &b.name)));
                all.into_iter().map(|c| c.id.clone()).collect()
            }
        };
        let counted = self.coverage_count(date, &reference)?;
        // A few whole reads (a street laptop's sheet has 140,000 rows), the store free between.
        let (households, mut members, last_passages, latest) = {
            let store = self.store();
            let mut households = Vec::new();
            for compound_id in &compounds {
                households.push(store.households_of(compound_id)?);
            }
            (
                households,
                store.members_by_household()?,
                store.last_passages()?,
                store.latest_screenings()?,
            )
        };
        let mut rows = Vec::new();
        for (compound_id, held) in compounds.iter().zip(households) {
            let compound_name = reference
                .compound_name(compound_id)
                .unwrap_or(compound_id)
                .to_owned();
            let community = reference
                .compounds
                .get(compound_id)
                .and_then(|c| reference.communities.get(&c.community))
                .map(|c| c.name.clone())
                .unwrap_or_default();
            for h in held {
                let id = h.id.to_string();
                let state = counted
                    .states
                    .get(&h.id)
                    .copied()
                    .unwrap_or(HouseholdState::Silent);
                let last = latest.get(&id);
                let household = [
                    text(community.clone()),
                    text(compound_name.clone()),
                    text(household_address(&h.place)),
                    text(h.kind.map(kind_zh).unwrap_or_default()),
                    text(h.head_name.clone().unwrap_or_default()),
                    text(state_zh(state)),
                ];
                let screened = |person: Option<uuid::Uuid>| -> [ExportValue; 4] {
                    let Some(s) = last else {
                        return [text(""), text(""), text(""), text("")];
                    };
                    let found = person.and_then(|p| s.members.iter().find(|m| m.person_id == p));
                    [
                        ExportValue::DateTime(local(s.at.utc)),
                        text(method_zh(s.method)),
                        text(s.recorded_by.clone()),
                        text(match found.map(|m| &m.status) {
                            Some(MemberStatus::Present) => "在家",
                            Some(MemberStatus::Away { .. }) => "外出",
                            Some(MemberStatus::MovedOut) => "迁出",
                            Some(MemberStatus::Deceased) => "死亡",
                            None if s.vacant => "空置",
                            None => "",
                        }),
                    ]
                };
                let members = members.remove(&id).unwrap_or_default();
                if members.is_empty() {
                    let mut cells = household.to_vec();
                    cells.extend(std::iter::repeat_n(text(""), 8));
                    cells.extend(screened(None));
                    rows.push(cells);
                }
                for p in members {
                    let last_passage = last_passages.get(&p.id.to_string()).copied();
                    let residence = match p.living_here {
                        Some(false) => match p.away_place_code.as_deref() {
                            Some(code) => format!("外出（{}）", crate::places::place_name(code)),
                            None => "外出".to_owned(),
                        },
                        _ => "在住".to_owned(),
                    };
                    let mut cells = household.to_vec();
                    cells.extend([
                        text(p.name.clone()),
                        text(p.relation.map(relation_zh).unwrap_or_default()),
                        text(p.sex.map(|s| s.as_zh()).unwrap_or_default()),
                        text(
                            p.document_number
                                .as_deref()
                                .map(mask_document)
                                .unwrap_or_default(),
                        ),
                        text(p.phone.as_deref().map(mask_phone).unwrap_or_default()),
                        text(residence),
                        text(if p.living_here == Some(false) {
                            "—"
                        } else if counted.seen.contains(&p.id) {
                            "是"
                        } else {
                            "否"
                        }),
                        last_passage.map_or_else(|| text(""), |t| ExportValue::DateTime(local(t))),
                    ]);
                    cells.extend(screened(Some(p.id)));
                    rows.push(cells);
                }
            }
        }
        let headers = [
            "社区",
            "小区",
            "住址",
            "户类型",
            "户主",
            "户状态",
            "姓名",
            "与户主关系",
            "性别",
            "证件号码",
            "联系电话",
            "居住情况",
            "是否掌握",
            "最近出入卡点",
            "最近排查时间",
            "排查方式",
            "排查人",
            "排查情况",
        ]
        .map(str::to_owned)
        .to_vec();
        let table = ExportTable {
            sheet: "排查登记表".into(),
            headers,
            rows,
        };
        let stem = match compounds.as_slice() {
            [one] => format!(
                "排查登记表_{}_{}",
                reference.compound_name(one).unwrap_or(one),
                date.format("%Y%m%d")
            ),
            _ => format!("排查登记表_{}", date.format("%Y%m%d")),
        };
        write_export(&table, &stem, format, dir, local(self.now()), 0)
    }

    /// Writes the 重点区域入户随访表 of key area `id` on China day `date` to `dir`: one row per
    /// household, those not yet visited first; a household visited twice that day shows its
    /// latest visit and the needs of all. Errors: `not_staff`, `invalid_date`, `not_found`,
    /// `invalid_format`, `export_failed`.
    pub fn key_area_export(
        &self,
        id: &str,
        date: &str,
        format: &str,
        dir: &Path,
    ) -> AppResult<ExportResult> {
        let day = self.key_area_day(id, date)?;
        let date: NaiveDate = parse_day(date, "date")?;
        let visits = self.store().household_visits_between(date, date)?;
        let names: std::collections::HashMap<String, String> = day
            .households
            .iter()
            .flat_map(|h| h.members.iter())
            .map(|m| (m.person_id.clone(), m.name.clone()))
            .collect();
        let part = if day.area.parts.is_empty() {
            String::new()
        } else {
            format!(" {}", day.area.parts.join("、"))
        };
        let area_name = format!("{}{part}", day.area.compound);
        let rows = day
            .households
            .iter()
            .map(|h| {
                let mine: Vec<_> = visits
                    .iter()
                    .filter(|v| v.household_id.to_string() == h.id)
                    .collect();
                let latest = mine.last();
                let seen = latest
                    .map(|v| {
                        v.seen
                            .iter()
                            .map(|m| {
                                let name = names
                                    .get(&m.person_id.to_string())
                                    .cloned()
                                    .unwrap_or_else(|| "—".into());
                                let mut s = match m.celsius {
                                    Some(c) => format!("{name} {:.1}℃", c.degrees()),
                                    None => name,
                                };
                                if !m.symptoms.is_empty() {
                                    let sy: Vec<&str> =
                                        m.symptoms.iter().map(|x| symptom_zh(*x)).collect();
                                    s.push_str(&format!("（{}）", sy.join("、")));
                                }
                                s
                            })
                            .collect::<Vec<_>>()
                            .join("；")
                    })
                    .unwrap_or_default();
                vec![
                    ExportValue::Date(date),
                    text(area_name.clone()),
                    text(h.address.clone()),
                    text(h.head.clone().unwrap_or_default()),
                    ExportValue::Number(h.members.len() as f64),
                    text(if latest.is_some() {
                        "已随访"
                    } else {
                        "未随访"
                    }),
                    latest.map_or_else(|| text(""), |v| ExportValue::DateTime(local(v.at.utc))),
                    text(
                        latest
                            .map(|v| visit_method_zh(v.method))
                            .unwrap_or_default(),
                    ),
                    text(latest.map(|v| outcome_zh(v.outcome)).unwrap_or_default()),
                    text(seen),
                    text(
                        h.needs
                            .iter()
                            .map(|n| need_zh(*n))
                            .collect::<Vec<_>>()
                            .join("、"),
                    ),
                    text(latest.and_then(|v| v.note.clone()).unwrap_or_default()),
                    text(latest.map(|v| v.recorded_by.clone()).unwrap_or_default()),
                ]
            })
            .collect();
        let headers = [
            "日期",
            "重点区域",
            "住址",
            "户主",
            "在住人数",
            "随访情况",
            "随访时间",
            "随访方式",
            "结果",
            "见到成员及体温",
            "生活需求",
            "备注",
            "随访人",
        ]
        .map(str::to_owned)
        .to_vec();
        let table = ExportTable {
            sheet: "重点区域入户随访表".into(),
            headers,
            rows,
        };
        write_export(
            &table,
            &format!(
                "重点区域入户随访表_{}_{}",
                day.area.compound,
                date.format("%Y%m%d")
            ),
            format,
            dir,
            local(self.now()),
            0,
        )
    }
}
