//! The street's disinfection site list (消杀点位清单): one site per row under a title, a 填报单位
//! line and the header, with section lines (`一、小区公共区域（12处）`) between the rows and a
//! note under the table. Each row says what the site is, where, who answers for it, and its
//! schedule: 次数 as `2`, `2次`, `每天3次`, `早晚各一次` or empty; times as `8:00、16:00` (or `,`
//! `/`), full-width colons, `上午8点、下午4点`, or a time cell. Rules:
//! `../shared/fixtures/README.md` (sites). The first slice of issue 14: the reader and its row
//! report; the sites as records come with the disinfection area.

use chrono::NaiveTime;
use kadian_domain::Severity;
use serde_json::{json, Map, Value};
use unicode_normalization::UnicodeNormalization;

use crate::cells::{Cell, Grid};
use crate::dates::read_time;
use crate::import::{cell_text, issue, ImportReport, RegisterKind, RowIssue};
use crate::RegisterError;

pub use kadian_domain::records::SiteKind;

/// A community of the street a site may belong to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KnownCommunity {
    /// Its 12-digit code.
    pub code: String,
    /// Its name (`八一社区`).
    pub name: String,
}

/// One site as read.
#[derive(Debug, Clone, PartialEq)]
pub struct SiteEntry {
    /// The row (as Excel numbers it).
    pub row: usize,
    /// 点位名称.
    pub name: String,
    /// 类型.
    pub kind: SiteKind,
    /// 地址.
    pub address: Option<String>,
    /// 所属社区's code, when it is one of the street's.
    pub community_code: Option<String>,
    /// 责任单位.
    pub responsible_unit: Option<String>,
    /// 联系人.
    pub contact_name: Option<String>,
    /// 联系电话 (11 digits, or a landline `0370-xxxxxxx`), when usable.
    pub contact_phone: Option<String>,
    /// Times a day (the slots' number when the cell is empty).
    pub times_per_day: u8,
    /// The planned times (China time), in the order written.
    pub slots: Vec<NaiveTime>,
}

impl SiteEntry {
    /// The site this row lists, as a record: its id from the street, name and address (the
    /// list imported twice lists it once); on the schedule from `listed_on` (China; the days
    /// before it were never its to keep); its compound when it is a compound's public area or
    /// checkpoint and one compound of its community is named in its name or address (the
    /// longest such name: 八一新苑二期 before 八一新苑); its times sorted, each once, and at
    /// least as many times a day as times written (a count that differs was warned).
    pub fn site(
        &self,
        street: &str,
        compounds: &[crate::KnownCompound],
        recorded_by: &str,
        listed_on: chrono::NaiveDate,
    ) -> kadian_domain::records::DisinfectionSite {
        let compound = match (&self.community_code, self.kind) {
            (Some(c), SiteKind::CompoundPublicArea | SiteKind::Checkpoint) => {
                let named: Vec<&crate::KnownCompound> = compounds
                    .iter()
                    .filter(|k| {
                        &k.community_code == c
                            && !k.name.is_empty()
                            && (self.name.contains(&k.name)
                                || self.address.as_deref().is_some_and(|a| a.contains(&k.name)))
                    })
                    .collect();
                let longest = named.iter().map(|k| k.name.chars().count()).max();
                let best: Vec<&&crate::KnownCompound> = named
                    .iter()
                    .filter(|k| Some(k.name.chars().count()) == longest)
                    .collect();
                match best.as_slice() {
                    [one] => Some(one.id.clone()),
                    _ => None,
                }
            }
            _ => None,
        };
        let mut slots = self.slots.clone();
        slots.sort();
        slots.dedup();
        let times = self
            .times_per_day
            .max(u8::try_from(slots.len()).unwrap_or(u8::MAX))
            .clamp(1, kadian_domain::records::MAX_TIMES_PER_DAY);
        slots.truncate(usize::from(times));
        kadian_domain::records::DisinfectionSite {
            id: kadian_domain::records::site_id(street, &self.name, self.address.as_deref()),
            kind: self.kind,
            name: self.name.clone(),
            address: self.address.clone(),
            community_code: self.community_code.clone(),
            compound,
            responsible_unit: self.responsible_unit.clone(),
            contact_name: self.contact_name.clone(),
            contact_phone: self.contact_phone.clone(),
            times_per_day: times,
            slots,
            active_from: Some(listed_on),
            active_to: None,
            key_area_id: None,
            recorded_by: recorded_by.chars().take(64).collect(),
        }
    }
}

/// A site list read: the row report and the sites (each once).
#[derive(Debug, Clone)]
pub struct SiteList {
    /// The report, row by row (kind `disinfection_sites`).
    pub report: ImportReport,
    /// The sites, in the list's order.
    pub entries: Vec<SiteEntry>,
}

/// 次数 as written: `2`, `2次`, `每天3次`, `每日2次`, `早晚各一次` (2); `None` for anything else
/// (`视情况`).
pub fn times_per_day(text: &str) -> Option<u8> {
    let t: String = text.nfkc().filter(|c| !c.is_whitespace()).collect();
    if t.contains("早晚") {
        return Some(2);
    }
    let t = t
        .trim_start_matches("每天")
        .trim_start_matches("每日")
        .trim_end_matches('次')
        .trim_end_matches("遍");
    crate::address::number(t)
        .and_then(|n| u8::try_from(n).ok())
        .filter(|n| (1..=24).contains(n))
}

/// One planned time as written: `8:00`, `8：00` (full width), `8点`, `上午8点`, `下午4点`
/// (16:00), `20:00`.
fn slot(text: &str) -> Option<NaiveTime> {
    let t: String = text.nfkc().filter(|c| !c.is_whitespace()).collect();
    if t.is_empty() {
        return None;
    }
    let afternoon = ["下午", "晚上", "傍晚"].iter().any(|w| t.starts_with(w));
    let core = ["上午", "下午", "早上", "晚上", "傍晚", "中午"]
        .iter()
        .fold(t.as_str(), |s, w| s.strip_prefix(w).unwrap_or(s));
    let time = if let Some(h) = core.strip_suffix('点') {
        crate::address::number(h).and_then(|h| NaiveTime::from_hms_opt(h, 0, 0))
    } else if let Some((h, m)) = core.split_once('点') {
        let m = m.trim_end_matches('分');
        let m = if m == "半" {
            Some(30)
        } else {
            crate::address::number(m)
        };
        crate::address::number(h)
            .zip(m)
            .and_then(|(h, m)| NaiveTime::from_hms_opt(h, m, 0))
    } else {
        read_time(&Cell::Text(core.to_owned()))
    }?;
    use chrono::Timelike;
    Some(if afternoon && time.hour() < 12 {
        time + chrono::Duration::hours(12)
    } else {
        time
    })
}

/// 消杀时间 as written: times separated by `、` `,` `，` `/` `;` `；`, or one time cell; `None`
/// when nothing in it reads as a time (`营业期间`).
pub fn slots(cell: &Cell) -> Option<Vec<NaiveTime>> {
    if let Cell::Number(_) | Cell::Date(_) = cell {
        return read_time(cell).map(|t| vec![t]);
    }
    let text: String = cell_text(cell).nfkc().collect();
    let times: Vec<NaiveTime> = text
        .split(['、', ',', '，', '/', ';', '；', ' '])
        .filter(|p| !p.trim().is_empty())
        .map(slot)
        .collect::<Option<Vec<_>>>()?;
    (!times.is_empty()).then_some(times)
}

/// The header row: the first of 20 rows naming a site (点位名称 or 名称) and its times.
fn header(grid: &Grid) -> Option<(usize, Vec<(usize, &'static str)>)> {
    const COLUMNS: &[(&str, &[&str])] = &[
        ("name", &["点位名称", "名称", "场所名称"]),
        ("kind", &["类型", "点位类型", "场所类型"]),
        ("address", &["地址", "点位地址"]),
        ("community", &["所属社区", "社区"]),
        ("unit", &["责任单位"]),
        ("contact", &["联系人", "负责人"]),
        ("phone", &["联系电话", "电话", "手机"]),
        ("times", &["每日消杀次数", "消杀次数", "次数"]),
        ("slots", &["消杀时间", "时间"]),
    ];
    crate::import::find_keyed_header(grid, COLUMNS, |found| {
        found.iter().any(|(_, k)| *k == "name") && found.len() >= 3
    })
}

/// A section line (`一、小区公共区域（12处）`): a numeral and `、` starting the only text.
fn is_section(first: &str, filled: usize) -> bool {
    filled == 1
        && first.split_once('、').is_some_and(|(n, _)| {
            !n.is_empty() && n.chars().all(|c| "一二三四五六七八九十".contains(c))
        })
}

/// Reads a site list. `communities` are the street's (a 所属社区 that is none of them, with or
/// without 居委会, gives no code and a warning). Errors: `NoHeader`.
pub fn read_site_list(
    grid: &Grid,
    file: &str,
    communities: &[KnownCommunity],
) -> Result<SiteList, RegisterError> {
    let (header_index, columns) = header(grid).ok_or(RegisterError::NoHeader)?;
    let col = |key: &str| columns.iter().find(|(_, k)| *k == key).map(|(c, _)| *c);
    let mut list = SiteList {
        report: ImportReport {
            file: file.to_owned(),
            kind: RegisterKind::DisinfectionSites,
            sheet: grid.sheet.clone(),
            header_row: header_index + 1,
            report_date: None,
            rows_total: 0,
            accepted: 0,
            warned: 0,
            rejected: 0,
            persons_created: 0,
            persons_merged: 0,
            households: 0,
            unmapped_columns: Vec::new(),
            rows: Vec::new(),
        },
        entries: Vec::new(),
    };
    let mut seen: std::collections::HashMap<(String, String), usize> = Default::default();
    for (index, cells) in grid.rows.iter().enumerate().skip(header_index + 1) {
        let filled = cells.iter().filter(|c| !c.is_empty()).count();
        if filled == 0 {
            continue;
        }
        let first: String = cells
            .iter()
            .find(|c| !c.is_empty())
            .map(cell_text)
            .unwrap_or_default()
            .nfkc()
            .filter(|c| !c.is_whitespace())
            .collect();
        if is_section(&first, filled)
            || (filled == 1
                && ["注", "说明", "填报人", "审核人", "备注"]
                    .iter()
                    .any(|w| first.starts_with(w)))
            || first.starts_with("合计")
        {
            continue;
        }
        let row = index + 1;
        list.report.rows_total += 1;
        let text = |key: &str| {
            col(key)
                .and_then(|c| cells.get(c))
                .map(cell_text)
                .map(|t| t.trim().to_owned())
                .filter(|t| !t.is_empty())
        };
        let mut issues: Vec<RowIssue> = Vec::new();
        let mut n = Map::new();
        let name = text("name");
        if name.is_none() {
            issues.push(issue(
                "name",
                "site_name_missing",
                Severity::Error,
                "没有点位名称，无法登记这个点位".into(),
                "The site has no name and cannot be registered".into(),
            ));
        }
        let kind = match text("kind").as_deref().map(|k| (k, SiteKind::from_word(k))) {
            Some((_, Some(k))) => k,
            Some((word, None)) => {
                issues.push(issue(
                    "kind",
                    "site_kind_unrecognized",
                    Severity::Warning,
                    format!("类型“{word}”不是常用类型，按“其他”登记"),
                    format!("“{word}” is none of the site kinds: registered as other"),
                ));
                SiteKind::Other
            }
            None => SiteKind::Other,
        };
        let community_text = text("community");
        let community_code = community_text.as_deref().and_then(|c| {
            let c: String = c.nfkc().filter(|c| !c.is_whitespace()).collect();
            let c = c.trim_end_matches("居委会").trim_end_matches("村委会");
            communities
                .iter()
                .find(|k| k.name == c || k.name.trim_end_matches("社区") == c)
                .map(|k| k.code.clone())
        });
        if community_code.is_none() {
            issues.push(issue(
                "community",
                "community_unresolved",
                Severity::Warning,
                format!(
                    "所属社区“{}”不是本街道的社区，请核对",
                    community_text.as_deref().unwrap_or("")
                ),
                format!(
                    "“{}” is not one of the street's communities: check it",
                    community_text.as_deref().unwrap_or("")
                ),
            ));
        }
        let contact_phone =
            text("phone").and_then(|raw| crate::import::contact_phone(&raw, &mut issues));
        let times = text("times").map(|t| (times_per_day(&t), t));
        let planned = col("slots")
            .and_then(|c| cells.get(c))
            .filter(|c| !c.is_empty())
            .map(|c| (slots(c), cell_text(c)));
        let read_times = times.as_ref().and_then(|(n, _)| *n);
        let read_slots = planned.as_ref().and_then(|(s, _)| s.clone());
        let schedule = match (read_times, read_slots) {
            (None, None) => {
                issues.push(issue(
                    "times_per_day",
                    "schedule_missing",
                    Severity::Error,
                    "没有可用的消杀次数和时间，请补充后再导入".into(),
                    "Neither the times a day nor the times can be read: add them and import again"
                        .into(),
                ));
                None
            }
            (Some(n), Some(s)) => {
                if usize::from(n) != s.len() {
                    issues.push(issue(
                        "slots",
                        "slots_count_mismatch",
                        Severity::Warning,
                        format!("每日消杀 {n} 次，但写了 {} 个时间，请核对", s.len()),
                        format!(
                            "{n} times a day, but {} times are written: check them",
                            s.len()
                        ),
                    ));
                }
                Some((n, s))
            }
            (None, Some(s)) => Some((u8::try_from(s.len()).unwrap_or(u8::MAX), s)),
            (Some(n), None) => Some((n, Vec::new())),
        };
        let rejected = issues.iter().any(|i| i.severity == Severity::Error);
        let mut duplicate_of = None;
        if let (false, Some(name), Some((times_per_day, slots))) = (rejected, &name, schedule) {
            let key = (name.clone(), text("address").unwrap_or_default());
            if let Some(first) = seen.get(&key) {
                duplicate_of = Some(*first);
                issues.push(issue(
                    "name",
                    "duplicate_site",
                    Severity::Warning,
                    format!("与第 {first} 行是同一个点位（名称和地址相同），未重复登记"),
                    format!("The same site as row {first} (same name and address): not registered twice"),
                ));
            } else {
                seen.insert(key, row);
                list.entries.push(SiteEntry {
                    row,
                    name: name.clone(),
                    kind,
                    address: text("address"),
                    community_code: community_code.clone(),
                    responsible_unit: text("unit"),
                    contact_name: text("contact"),
                    contact_phone: contact_phone.clone(),
                    times_per_day,
                    slots: slots.clone(),
                });
            }
            n.insert("name".into(), json!(name));
            n.insert("kind".into(), json!(kind));
            n.insert("address".into(), json!(text("address")));
            n.insert("community_code".into(), json!(community_code));
            n.insert("responsible_unit".into(), json!(text("unit")));
            n.insert("contact_name".into(), json!(text("contact")));
            n.insert("contact_phone".into(), json!(contact_phone));
            n.insert("times_per_day".into(), json!(times_per_day));
            n.insert(
                "slots".into(),
                Value::Array(
                    slots
                        .iter()
                        .map(|t| json!(t.format("%H:%M").to_string()))
                        .collect(),
                ),
            );
            if let Some(d) = duplicate_of {
                n.insert("duplicate_of".into(), json!(d));
            }
        }
        list.report.add_row(row, issues, n);
    }
    Ok(list)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_and_counts_as_people_write_them() {
        assert_eq!(times_per_day("2"), Some(2));
        assert_eq!(times_per_day("2次"), Some(2));
        assert_eq!(times_per_day("每天3次"), Some(3));
        assert_eq!(times_per_day("早晚各一次"), Some(2));
        assert_eq!(times_per_day("视情况"), None);
        let t = |h, m| NaiveTime::from_hms_opt(h, m, 0).expect("time");
        assert_eq!(
            slots(&Cell::Text("7:30、17:30".into())),
            Some(vec![t(7, 30), t(17, 30)])
        );
        assert_eq!(
            slots(&Cell::Text("8：00、16：00".into())),
            Some(vec![t(8, 0), t(16, 0)])
        );
        assert_eq!(
            slots(&Cell::Text("上午8点、下午4点".into())),
            Some(vec![t(8, 0), t(16, 0)])
        );
        assert_eq!(
            slots(&Cell::Text("6:30/12:00/18:00".into())).map(|s| s.len()),
            Some(3)
        );
        assert_eq!(slots(&Cell::Number(1.0 / 3.0)), Some(vec![t(8, 0)]));
        assert_eq!(slots(&Cell::Text("营业期间".into())), None);
    }
}
