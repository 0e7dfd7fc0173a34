//! The district's check list (区下发核查名单, 第 N 批): people the district asks the street to
//! check, one per row, under two title rows and a 下发时间 line. Each row becomes one hotline
//! report (channel `district_list`) assigned to the compound its 现居住地址 names; the same
//! person twice in one list (an ID number again, from two sources) is one report, the second
//! row warned `duplicate_person` and merged into the first. Rules: `../shared/fixtures/README.md`
//! (district check list); a row with neither a readable ID number nor a phone is rejected.

use chrono::{NaiveDate, NaiveDateTime, NaiveTime};
use kadian_domain::records::{
    self, district_report_id, HotlineCategory, HotlineChannel, HotlineReport, Instant, Urgency,
};
use kadian_domain::Severity;
use serde_json::{json, Value};
use unicode_normalization::UnicodeNormalization;

use crate::address::{split_address, KnownCompound};
use crate::cells::{Cell, Grid};
use crate::columns::{find_header, Column};
use crate::dates::{parse_date_text, read_date, read_time, ReadDate};
use crate::import::{cell_text, issue, ImportReport, RegisterKind, RowWork};
use crate::RegisterError;

/// One person to check (a row, with the rows that repeat them merged in).
#[derive(Debug, Clone, PartialEq)]
pub struct CheckListEntry {
    /// The row (as Excel numbers it).
    pub row: usize,
    /// 序号 as the list numbers it, if any.
    pub seq: Option<String>,
    /// Name.
    pub name: String,
    /// ID number, 18 characters upper case, if readable.
    pub id_number: Option<String>,
    /// Phone, 11 digits (or a landline), if usable.
    pub phone: Option<String>,
    /// 户籍地址.
    pub registered_address: Option<String>,
    /// 现居住地址 as written.
    pub address: Option<String>,
    /// The compound the address names: index into the compounds given.
    pub compound: Option<usize>,
    /// Building, unit and room the address names, when they could be told apart.
    pub building: Option<String>,
    /// Unit.
    pub unit: Option<String>,
    /// Room.
    pub room: Option<String>,
    /// 来源 (大数据推送, 密切接触者, 湖北返商人员, 铁路旅客信息).
    pub source: Option<String>,
    /// 核查要求.
    pub requirement: Option<String>,
    /// 下发日期 of the row.
    pub issued_on: Option<NaiveDate>,
    /// Later rows of the same person: (row, 来源, 现居住地址).
    pub repeats: Vec<(usize, Option<String>, Option<String>)>,
}

impl CheckListEntry {
    /// The key the report's id is derived from: the ID number, else the phone with the name
    /// (family members without ID numbers share a parent's phone), else the row.
    pub fn person_key(&self) -> String {
        self.id_number
            .clone()
            .or_else(|| self.phone.as_ref().map(|p| format!("{p}:{}", self.name)))
            .unwrap_or_else(|| format!("row{}", self.row))
    }
}

impl CheckListEntry {
    /// What it is about: a returnee from Hubei when its 来源 or the person's 户籍 says Hubei
    /// (an ID number of 42…), a close contact when its 来源 says so, else a returnee from
    /// elsewhere (the district's lists are of people who came into the city).
    pub fn category(&self) -> HotlineCategory {
        let said = |w: &str| self.source.as_deref().is_some_and(|s| s.contains(w));
        if said("密切接触") || said("密接") {
            HotlineCategory::CloseContact
        } else if said("湖北")
            || self
                .registered_address
                .as_deref()
                .is_some_and(|a| a.contains("湖北"))
            || self
                .id_number
                .as_deref()
                .is_some_and(|i| i.starts_with("42"))
        {
            HotlineCategory::ReturneeHubei
        } else {
            HotlineCategory::ReturneeElsewhere
        }
    }

    /// The hotline report this person to check makes, in `street` (9 digits), batch `batch`,
    /// received when the list was issued (`issued_at`, China time), assigned to the compound the
    /// address names (one of `compounds`), else left at the street. Its id is
    /// [`district_report_id`] and its number `{street}-{day}-Q{batch}-{row}`: importing the same
    /// list twice, on the server or a laptop, makes the same report.
    pub fn report(
        &self,
        street: &str,
        batch: u32,
        issued_at: NaiveDateTime,
        compounds: &[KnownCompound],
    ) -> HotlineReport {
        let compound = self.compound.and_then(|i| compounds.get(i));
        let mut description: Vec<String> = Vec::new();
        if let Some(s) = &self.source {
            description.push(format!("来源：{s}"));
        }
        if let Some(r) = &self.requirement {
            description.push(format!("核查要求：{r}"));
        }
        if let Some(a) = &self.registered_address {
            description.push(format!("户籍地址：{a}"));
        }
        for (row, source, address) in &self.repeats {
            description.push(format!(
                "名单第 {row} 行重复：{}{}",
                source.as_deref().unwrap_or(""),
                address
                    .as_deref()
                    .map(|a| format!("，{a}"))
                    .unwrap_or_default()
            ));
        }
        let clip = |s: String, max: usize| s.chars().take(max).collect::<String>();
        let utc = (issued_at - chrono::Duration::hours(8)).and_utc();
        HotlineReport {
            id: district_report_id(street, batch, &self.person_key()),
            number: format!(
                "{street}-{}-Q{batch:02}-{:03}",
                issued_at.date().format("%Y%m%d"),
                self.row
            ),
            received_at: Instant {
                utc,
                offset_minutes: 480,
            },
            channel: HotlineChannel::DistrictList,
            batch: Some(batch),
            reporter_name: None,
            reporter_phone: None,
            subject_name: Some(self.name.clone()),
            subject_phone: self.phone.clone(),
            subject_id_number: self.id_number.clone(),
            subject_address: self
                .address
                .clone()
                .map(|a| clip(a, records::MAX_TEXT_CHARS)),
            building: self
                .building
                .clone()
                .map(|b| clip(b, records::MAX_SHORT_CHARS)),
            unit: self.unit.clone().map(|b| clip(b, records::MAX_SHORT_CHARS)),
            room: self.room.clone().map(|b| clip(b, records::MAX_SHORT_CHARS)),
            person_id: None,
            category: self.category(),
            urgency: Urgency::Normal,
            description: (!description.is_empty())
                .then(|| clip(description.join("；"), records::MAX_TEXT_CHARS)),
            community_code: compound.map(|c| c.community_code.clone()),
            compound: compound.map(|c| c.id.clone()),
            assignee: None,
            // Placed in its compound as it was taken in.
            assigned_at: compound.map(|_| Instant {
                utc,
                offset_minutes: 480,
            }),
            assigned_by: None,
            recorded_by: format!("区下发核查名单 第{batch}批"),
        }
    }
}

/// A check list read: its batch, when it was issued and answered by, each row's report, and the
/// persons to check.
#[derive(Debug, Clone)]
pub struct CheckList {
    /// The batch (第 N 批): the one asked for, else the title's, else the file name's.
    pub batch: Option<u32>,
    /// 下发时间 (China time), when the title rows say it.
    pub issued_at: Option<NaiveDateTime>,
    /// 反馈时限 (China time), when the title rows say it.
    pub answer_by: Option<NaiveDateTime>,
    /// The report, row by row (kind `district_check_list`).
    pub report: ImportReport,
    /// The persons to check, in the list's order.
    pub entries: Vec<CheckListEntry>,
}

impl CheckList {
    /// When its reports count as received (China time): the list's 下发时间, else its rows'
    /// first 下发日期 at 00:00, else `today` at 00:00. Never the clock: the same list imported
    /// twice (on the server, on a laptop) makes the same reports.
    pub fn received_at(&self, today: NaiveDate) -> NaiveDateTime {
        self.issued_at.unwrap_or_else(|| {
            self.entries
                .iter()
                .find_map(|e| e.issued_on)
                .unwrap_or(today)
                .and_time(NaiveTime::MIN)
        })
    }
}

/// `第3批` (or `第三批`) in a text: the number.
fn batch_in(text: &str) -> Option<u32> {
    let t: String = text.nfkc().collect();
    let end = t.find('批')?;
    let before = &t[..end];
    let start = before.rfind('第')? + '第'.len_utf8();
    crate::address::number(&before[start..]).filter(|n| *n > 0)
}

/// `2020年2月4日 20:00` (or `18:00前`): the date and time.
fn date_time_in(text: &str) -> Option<NaiveDateTime> {
    let t: String = text.nfkc().collect();
    let t = t.trim().trim_end_matches('前').trim();
    let (date_part, time_part) = match t.find(' ') {
        Some(i) => (&t[..i], Some(t[i..].trim())),
        None => match t.find('日') {
            Some(i) => (
                &t[..i + '日'.len_utf8()],
                Some(t[i + '日'.len_utf8()..].trim()),
            ),
            None => (t, None),
        },
    };
    let ReadDate::Full(d) = parse_date_text(date_part)? else {
        return None;
    };
    let time = time_part
        .filter(|s| !s.is_empty())
        .and_then(|s| read_time(&Cell::Text(s.to_owned())))
        .unwrap_or(NaiveTime::MIN);
    Some(d.and_time(time))
}

/// Reads a check list. `batch` overrides the list's own number; `compounds` are those an
/// address may name. Errors: `NoHeader`, `MissingColumn` (姓名).
pub fn read_check_list(
    grid: &Grid,
    file: &str,
    batch: Option<u32>,
    today: NaiveDate,
    compounds: &[KnownCompound],
) -> Result<CheckList, RegisterError> {
    let header = find_header(grid).ok_or(RegisterError::NoHeader)?;
    if header.find(Column::Name).is_none() {
        return Err(RegisterError::MissingColumn("姓名 (name)"));
    }
    let grid = &*grid.merges_filled_below(header.index);
    let mut title_batch = None;
    let mut issued_at = None;
    let mut answer_by = None;
    for row in grid.rows.iter().take(header.index) {
        for cell in row {
            let t: String = cell_text(cell).nfkc().collect();
            title_batch = title_batch.or_else(|| batch_in(&t));
            let after = |labels: [&str; 2]| {
                labels.iter().find_map(|label| {
                    t.find(label).and_then(|at| {
                        date_time_in(t[at + label.len()..].trim_start_matches([':', '：', ' ']))
                    })
                })
            };
            issued_at = issued_at.or_else(|| after(["下发时间", "下发日期"]));
            answer_by = answer_by.or_else(|| after(["反馈时限", "反馈时间"]));
        }
    }
    let mut list = CheckList {
        batch: batch.or(title_batch).or_else(|| batch_in(file)),
        issued_at,
        answer_by,
        report: ImportReport {
            file: file.to_owned(),
            kind: RegisterKind::DistrictCheckList,
            sheet: grid.sheet.clone(),
            header_row: header.index + 1,
            report_date: issued_at.map(|t| t.date()),
            rows_total: 0,
            accepted: 0,
            warned: 0,
            rejected: 0,
            persons_created: 0,
            persons_merged: 0,
            households: 0,
            unmapped_columns: header.unmapped.clone(),
            rows: Vec::new(),
        },
        entries: Vec::new(),
    };
    // The row that first named a person (by ID number), and its entry.
    let mut seen: std::collections::HashMap<String, (usize, usize)> = Default::default();
    for (index, cells) in grid.rows.iter().enumerate().skip(header.index + 1) {
        if cells.iter().all(Cell::is_empty) {
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
        if first.starts_with("合计") || first.starts_with("总计") {
            break;
        }
        // A note under the table (说明, 注, 填报人/审核人) is not a person.
        let filled = header
            .columns
            .iter()
            .filter(|(i, _)| cells.get(*i).is_some_and(|c| !c.is_empty()))
            .count();
        if filled < 2
            && ["说明", "注", "填报人", "审核人", "备注"]
                .iter()
                .any(|w| first.starts_with(w))
        {
            continue;
        }
        let row_number = index + 1;
        list.report.rows_total += 1;
        // An ID number typed with Excel's text mark (`'411421…`) as part of the text.
        let cleaned: Vec<Cell> = cells
            .iter()
            .map(|c| match c {
                Cell::Text(t) if t.trim_start().starts_with(['\'', '‘', '’']) => {
                    let rest = t.trim_start().trim_start_matches(['\'', '‘', '’']);
                    if rest.starts_with(|ch: char| ch.is_ascii_digit()) {
                        Cell::Text(rest.to_owned())
                    } else {
                        c.clone()
                    }
                }
                _ => c.clone(),
            })
            .collect();
        let mut w = RowWork {
            cells: &cleaned,
            header: &header,
            issues: Vec::new(),
            normalized: serde_json::Map::new(),
        };
        let name = w.name();
        let id = w.id_number(today);
        let mut phone = w.phone();
        // A phone that cannot be used (unreadable, or a number no phone has) is not kept, and is
        // a warning here: the ID number tells the person.
        if w.issues.iter().any(|i| i.field == "phone") {
            phone = None;
            w.set("phone", Value::Null);
        }
        for i in &mut w.issues {
            if i.field == "phone" {
                i.severity = Severity::Warning;
                i.code = "phone_invalid".into();
            }
            if i.code == "id_excel_number" {
                i.code = "id_stored_as_number".into();
            }
        }
        if id.is_none() && phone.is_none() {
            w.issues.push(issue(
                "id_number",
                "id_and_phone_unusable",
                Severity::Error,
                "身份证号码和手机号都无法使用，无法确定是哪个人；请向区里核对后补录".into(),
                "Neither the ID number nor the phone can be used, so the person cannot be told; check with the district and add them by hand".into(),
            ));
        }
        // A missing ID number is said by the refusal when the phone cannot tell the person
        // either, and is no warning when it can.
        w.issues.retain(|i| i.code != "id_missing");
        let sex = id.as_ref().map(kadian_domain::ResidentIdNumber::sex);
        w.set(
            "gender",
            sex.map(|s| json!(s.as_zh())).unwrap_or(Value::Null),
        );
        w.set(
            "birth_date",
            id.as_ref()
                .map(|i| json!(i.birth_date().to_string()))
                .unwrap_or(Value::Null),
        );
        let registered_address = w.text(Column::RegisteredAddress);
        let address = w.text(Column::Address);
        w.set("registered_address", json!(registered_address));
        w.set("address", json!(address));
        let split = address
            .as_deref()
            .map(|a| split_address(a, compounds))
            .unwrap_or_default();
        let compound = split.compound.and_then(|i| compounds.get(i));
        w.set("compound", json!(compound.map(|c| c.name.clone())));
        w.set(
            "community_code",
            json!(compound.map(|c| c.community_code.clone())),
        );
        if compound.is_none() {
            w.issues.push(issue(
                "address",
                "compound_unresolved",
                Severity::Warning,
                "现居住地址没有写明本街道的小区（村），这条核查先留在街道，请指派".into(),
                "The address names none of the street's compounds or villages: the check stays with the street until someone assigns it".into(),
            ));
        }
        let source = w.text(Column::LeadSource);
        w.set("source", json!(source));
        let requirement = w.text(Column::CheckRequirement);
        let issued_on = w
            .cell(Column::IssuedOn)
            .and_then(read_date)
            .and_then(|d| match d {
                ReadDate::Full(d) => Some(d),
                ReadDate::NoYear { .. } => None,
            })
            .or(list.issued_at.map(|t| t.date()));
        w.set("issued_on", json!(issued_on.map(|d| d.to_string())));
        let rejected = w.rejected() || name.is_none();
        let mut duplicate_of = None;
        if !rejected {
            // The person as the report's id knows them: the ID number, else the phone.
            let key = id.as_ref().map(|i| i.as_str().to_owned()).or_else(|| {
                phone
                    .as_ref()
                    .map(|p| format!("{p}:{}", name.as_deref().unwrap_or_default()))
            });
            match key.as_ref().and_then(|k| seen.get(k)) {
                Some(&(first_row, entry)) => {
                    duplicate_of = Some(first_row);
                    w.issues.push(issue(
                        "id_number",
                        "duplicate_person",
                        Severity::Warning,
                        format!("与第 {first_row} 行是同一人（身份证号相同，或无身份证号时姓名和手机号相同），已合并为一条核查"),
                        format!("The same person as row {first_row} (same ID number, or the same name and phone where there is none): merged into one check"),
                    ));
                    list.entries[entry]
                        .repeats
                        .push((row_number, source.clone(), address.clone()));
                    list.report.persons_merged += 1;
                }
                None => {
                    if let Some(k) = key {
                        seen.insert(k, (row_number, list.entries.len()));
                    }
                    list.entries.push(CheckListEntry {
                        row: row_number,
                        seq: w.text(Column::Seq),
                        name: name.clone().unwrap_or_default(),
                        id_number: id.as_ref().map(|i| i.as_str().to_owned()),
                        phone: phone.clone(),
                        registered_address,
                        address,
                        compound: split.compound,
                        building: split.building.clone(),
                        unit: split.unit.clone(),
                        room: split.room.clone(),
                        source,
                        requirement,
                        issued_on,
                        repeats: Vec::new(),
                    });
                    list.report.persons_created += 1;
                }
            }
        }
        if let Some(d) = duplicate_of {
            w.normalized.insert("duplicate_of".into(), json!(d));
        }
        list.report.add_row(row_number, w.issues, w.normalized);
    }
    Ok(list)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_batch_and_the_issue_time_come_from_the_title_rows() {
        assert_eq!(batch_in("第3批需核查人员名单（平原街道）"), Some(3));
        assert_eq!(batch_in("第十二批"), Some(12));
        assert_eq!(batch_in("核查名单"), None);
        assert_eq!(
            date_time_in("2020年2月4日 20:00").map(|t| t.to_string()),
            Some("2020-02-04 20:00:00".into())
        );
        assert_eq!(
            date_time_in("2020年2月5日18:00前").map(|t| t.to_string()),
            Some("2020-02-05 18:00:00".into())
        );
    }
}
