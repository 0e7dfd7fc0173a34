//! The street's donation ledger (物资捐赠台账): one donation over several rows, its date, donor,
//! contact and receiver in merged cells or repeated as `同上` and `〃`; each row an item, its
//! 规格 (pack sizes: `50只/盒`, `50只/盒，40盒/箱`, `500ml×12瓶/箱`, `5L/桶`), 数量 (`1000只` with
//! the unit in it), 单位, 接收人 and 去向 (`街道仓库`, a community, a checkpoint such as
//! `季庄村卡点`); a 合计 row. Year-less dates take the year of the 填报日期 above the header.
//! Rules: `../shared/fixtures/README.md` (donations).

use std::collections::{BTreeMap, HashMap};

use chrono::NaiveDate;
use kadian_domain::records::{
    donation_id, Donation, DonationLine, DonorKind, Holder, SupplyItems, OTHER_ITEM,
};
use kadian_domain::Severity;
use serde_json::{json, Map};
use unicode_normalization::UnicodeNormalization;

use crate::cells::{Cell, Grid};
use crate::dates::{read_date, ReadDate};
use crate::import::{cell_text, contact_phone, issue, ImportReport, RegisterKind, RowIssue};
use crate::sites::KnownCommunity;
use crate::{KnownCompound, RegisterError};

/// One row of a donation as read.
#[derive(Debug, Clone, PartialEq)]
pub struct DonationRow {
    /// The row (as Excel numbers it).
    pub row: usize,
    /// The line it makes.
    pub line: DonationLine,
}

/// One donation as read: its rows kept, grouped by date, donor and contact.
#[derive(Debug, Clone, PartialEq)]
pub struct DonationEntry {
    /// 捐赠日期.
    pub donated_on: NaiveDate,
    /// 捐赠方.
    pub donor: Option<String>,
    /// Who gave, from the donor's name.
    pub donor_kind: Option<DonorKind>,
    /// 联系人.
    pub contact_name: Option<String>,
    /// 联系电话, when usable.
    pub contact_phone: Option<String>,
    /// 接收人 (its first row's).
    pub received_by: Option<String>,
    /// Its rows, in the ledger's order.
    pub rows: Vec<DonationRow>,
}

impl DonationEntry {
    /// The donation this entry records: its id from the street, date, donor and contact (the
    /// ledger imported twice records it once); published unless its donor is 匿名 or unnamed.
    pub fn donation(&self, street: &str, recorded_by: &str) -> Donation {
        Donation {
            id: donation_id(
                street,
                self.donated_on,
                self.donor.as_deref(),
                self.contact_name.as_deref(),
            ),
            donated_on: self.donated_on,
            donor: self.donor.clone(),
            donor_kind: self.donor_kind,
            contact_name: self.contact_name.clone(),
            contact_phone: self.contact_phone.clone(),
            received_by: self.received_by.clone(),
            receipt_number: None,
            publish: self.donor.as_deref().is_some_and(|d| d != "匿名"),
            lines: self.rows.iter().map(|r| r.line.clone()).collect(),
            note: None,
            recorded_by: recorded_by.chars().take(64).collect(),
        }
    }
}

/// A ledger read: the row report and the donations.
#[derive(Debug, Clone)]
pub struct DonationLedger {
    /// The report, row by row (kind `donation_ledger`).
    pub report: ImportReport,
    /// The donations, in the ledger's order (a donation's rows may not be adjacent).
    pub entries: Vec<DonationEntry>,
}

impl DonationLedger {
    /// Base units received per item code, over the rows kept (a row without a base quantity
    /// counts nothing).
    pub fn totals(&self) -> BTreeMap<String, i64> {
        let mut t = BTreeMap::new();
        for r in self.entries.iter().flat_map(|e| &e.rows) {
            if let Some(q) = r.line.base_quantity {
                *t.entry(r.line.item.clone()).or_insert(0) += q;
            }
        }
        t
    }
}

/// The item a 物资名称 names: N95/KN95 before other masks; 84 or 消毒液, 酒精, 测温枪 or 额温枪,
/// 防护服, 手套; `None` for anything else (矿泉水).
pub fn item_of_name(name: &str) -> Option<&'static str> {
    let n: String = name.nfkc().collect::<String>().to_uppercase();
    let has = |words: &[&str]| words.iter().any(|w| n.contains(w));
    Some(if has(&["N95"]) {
        "n95_mask"
    } else if has(&["口罩"]) {
        "surgical_mask"
    } else if has(&["84", "消毒液"]) {
        "disinfectant_84"
    } else if has(&["酒精", "乙醇"]) {
        "alcohol_75"
    } else if has(&["测温枪", "额温枪", "体温枪", "测温仪"]) {
        "ir_thermometer"
    } else if has(&["防护服", "隔离衣"]) {
        "protective_suit"
    } else if has(&["手套"]) {
        "disposable_gloves"
    } else {
        return None;
    })
}

/// A base unit: pieces (`只`, `个`, `把`, `套`, `件`, `支`, `片`; `双` is 2) or millilitres
/// (`ml`, `毫升`; `L`, `升` is 1000), as (is it mL, how many base units).
fn base_unit(unit: &str) -> Option<(bool, i64)> {
    match unit.to_lowercase().as_str() {
        "只" | "个" | "把" | "套" | "件" | "支" | "片" | "顶" | "副" => Some((false, 1)),
        "双" | "对" => Some((false, 2)),
        "ml" | "毫升" => Some((true, 1)),
        "l" | "升" => Some((true, 1000)),
        _ => None,
    }
}

/// A number and the unit after it (`1000只`, `2.5L`, `50`), in thousandths so `2.5` stays
/// exact.
fn amount(text: &str) -> Option<(i64, String)> {
    let t: String = text.nfkc().filter(|c| !c.is_whitespace()).collect();
    let end = t
        .char_indices()
        .find(|(_, c)| !(c.is_ascii_digit() || *c == '.'))
        .map_or(t.len(), |(i, _)| i);
    let (n, unit) = t.split_at(end);
    let milli = match n.split_once('.') {
        Some((w, f)) if f.len() <= 3 && !w.is_empty() => w
            .parse::<i64>()
            .ok()?
            .checked_mul(1000)?
            .checked_add(format!("{f:0<3}").parse::<i64>().ok()?)?,
        Some(_) => return None,
        None => n.parse::<i64>().ok()?.checked_mul(1000)?,
    };
    Some((milli, unit.to_owned()))
}

/// The pack sizes a 规格 cell gives, as unit → (is it mL, base units): `50只/盒` (盒 = 50),
/// `50只/盒，40盒/箱` (箱 = 2000), `500ml×12瓶/箱` (瓶 = 500 mL, 箱 = 6000 mL), `5L/桶`.
pub fn pack_sizes(spec: &str) -> HashMap<String, (bool, i64)> {
    let mut sizes: HashMap<String, (bool, i64)> = HashMap::new();
    let t: String = spec.nfkc().filter(|c| !c.is_whitespace()).collect();
    let resolve = |unit: &str, sizes: &HashMap<String, (bool, i64)>| {
        base_unit(unit).or_else(|| sizes.get(unit).copied())
    };
    for part in t.split([',', ';', '、']) {
        let Some((content, pack)) = part.split_once('/') else {
            continue;
        };
        // `500ml×12瓶`: the inner pack's size first, then how many of them.
        let mut inner = content.split(['×', '*', 'x', 'X']);
        let (Some(first), second) = (inner.next(), inner.next()) else {
            continue;
        };
        let Some((n, unit)) = amount(first) else {
            continue;
        };
        let Some((ml, each)) = resolve(&unit, &sizes) else {
            continue;
        };
        let mut total = n.saturating_mul(each) / 1000;
        if let Some((m, unit2)) = second.and_then(amount) {
            sizes.insert(unit2, (ml, total));
            total = total.saturating_mul(m) / 1000;
        }
        if total > 0 {
            sizes.insert(pack.to_owned(), (ml, total));
        }
    }
    sizes
}

/// The header row: the first of 20 rows naming an item (物资名称) and a quantity (数量).
fn header(grid: &Grid) -> Option<(usize, Vec<(usize, &'static str)>)> {
    const COLUMNS: &[(&str, &[&str])] = &[
        ("date", &["捐赠日期", "日期", "接收日期"]),
        (
            "donor",
            &["捐赠方", "捐赠单位", "捐赠人", "捐赠单位（个人）"],
        ),
        ("contact", &["联系人"]),
        ("phone", &["联系电话", "电话", "手机"]),
        ("item", &["物资名称", "名称", "物品名称"]),
        ("spec", &["规格", "规格型号"]),
        ("quantity", &["数量"]),
        ("unit", &["单位"]),
        ("received_by", &["接收人", "经手人"]),
        ("destination", &["去向", "分配去向", "发放去向"]),
    ];
    crate::import::find_keyed_header(grid, COLUMNS, |found| {
        let has = |k: &str| found.iter().any(|(_, key)| *key == k);
        has("item") && has("quantity")
    })
}

/// Whether a cell says "the same as above" (`同上`, `〃`, `″`, `"`).
fn ditto(cell: &Cell) -> bool {
    matches!(
        cell_text(cell).trim(),
        "同上" | "〃" | "″" | "\"" | "”" | "同前"
    )
}

/// Where a 去向 cell sends a line: the street's store (`街道仓库`, `仓库`), a community (its
/// name with or without 社区/村/居委会), or a compound or checkpoint of one (`季庄村卡点`),
/// which resolves to its community. `Err` with the text when it is none of them.
fn destination(
    text: &str,
    communities: &[KnownCommunity],
    compounds: &[KnownCompound],
) -> Result<Holder, String> {
    let t: String = text.nfkc().filter(|c| !c.is_whitespace()).collect();
    if ["街道仓库", "仓库", "街道", "街道办", "街道物资库"].contains(&t.as_str()) {
        return Ok(Holder::Street);
    }
    let place = ["卡点", "卡口", "居委会", "村委会"]
        .iter()
        .fold(t.as_str(), |s, w| s.strip_suffix(w).unwrap_or(s));
    let bare = |s: &str| -> String {
        s.trim_end_matches("社区")
            .trim_end_matches('村')
            .trim_end_matches("小区")
            .to_owned()
    };
    if let Some(k) = compounds
        .iter()
        .find(|k| !k.name.is_empty() && k.name == place)
    {
        return Ok(Holder::Community {
            code: k.community_code.clone(),
        });
    }
    communities
        .iter()
        .find(|c| c.name == place || bare(&c.name) == bare(place))
        .map(|c| Holder::Community {
            code: c.code.clone(),
        })
        .ok_or(t)
}

/// The street's item a ledger's 物资名称 names: one of the street's own by its name as written
/// (NFKC, spaces aside: `隔离衣` when the street stocks 隔离衣), else a plan item by its words
/// ([`item_of_name`]) when the street stocks it.
pub fn stocked_item_of_name<'a>(name: &str, items: &'a SupplyItems) -> Option<&'a str> {
    let bare = |s: &str| -> String { s.nfkc().filter(|c| !c.is_whitespace()).collect() };
    let n = bare(name);
    items
        .iter()
        .find(|i| bare(&i.name) == n)
        .or_else(|| item_of_name(name).and_then(|code| items.item(code)))
        .map(|i| i.code.as_str())
}

/// Reads a donation ledger. `communities` and `compounds` are the street's (a 去向 that is
/// none of them and not the street's store is warned and enters no stock); `items` the
/// street's list ([`stocked_item_of_name`]). Errors: `NoHeader`.
pub fn read_donation_ledger(
    grid: &Grid,
    file: &str,
    communities: &[KnownCommunity],
    compounds: &[KnownCompound],
    items: &SupplyItems,
) -> Result<DonationLedger, RegisterError> {
    let (header_index, columns) = header(grid).ok_or(RegisterError::NoHeader)?;
    let grid = grid.merges_filled_below(header_index);
    let col = |key: &str| columns.iter().find(|(_, k)| *k == key).map(|(c, _)| *c);
    let report_date = crate::import::report_date_above(&grid, header_index);
    let mut ledger = DonationLedger {
        report: ImportReport {
            file: file.to_owned(),
            kind: RegisterKind::DonationLedger,
            sheet: grid.sheet.clone(),
            header_row: header_index + 1,
            report_date,
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
    let mut above: Vec<Cell> = Vec::new();
    // A donation is its date, donor and contact as its id reads them (NFKC, no spaces):
    // `康民 大药房` and `康民大药房` are one donor.
    let mut by_key: HashMap<(NaiveDate, String, String), usize> = HashMap::new();
    let norm = |s: &Option<String>| -> String {
        s.as_deref()
            .unwrap_or("")
            .nfkc()
            .filter(|c| !c.is_whitespace())
            .collect()
    };
    for (index, raw) in grid.rows.iter().enumerate().skip(header_index + 1) {
        let filled = raw.iter().filter(|c| !c.is_empty()).count();
        if filled == 0 {
            continue;
        }
        let first: String = raw
            .iter()
            .find(|c| !c.is_empty())
            .map(cell_text)
            .unwrap_or_default()
            .nfkc()
            .filter(|c| !c.is_whitespace())
            .collect();
        if first.starts_with("合计")
            || first.starts_with("总计")
            || (filled == 1
                && ["注", "说明", "填报人", "审核人", "备注"]
                    .iter()
                    .any(|w| first.starts_with(w)))
        {
            continue;
        }
        // `同上` and `〃` repeat the cell above (itself maybe repeated).
        let cells: Vec<Cell> = raw
            .iter()
            .enumerate()
            .map(|(i, c)| {
                if ditto(c) {
                    above.get(i).cloned().unwrap_or(Cell::Empty)
                } else {
                    c.clone()
                }
            })
            .collect();
        above = cells.clone();
        let row = index + 1;
        ledger.report.rows_total += 1;
        let cell = |key: &str| {
            col(key)
                .and_then(|c| cells.get(c))
                .filter(|c| !c.is_empty())
        };
        let text = |key: &str| cell(key).map(cell_text).map(|t| t.trim().to_owned());
        let mut issues: Vec<RowIssue> = Vec::new();
        let mut n = Map::new();

        let donated_on = match cell("date").and_then(read_date) {
            Some(ReadDate::Full(d)) => Some(d),
            Some(ReadDate::NoYear { month, day }) => {
                let year = report_date.map_or(2020, |d| chrono::Datelike::year(&d));
                let d = NaiveDate::from_ymd_opt(year, month, day);
                if let Some(d) = d {
                    issues.push(issue(
                        "donated_on",
                        "date_year_assumed",
                        Severity::Warning,
                        format!("捐赠日期“{}”没有年份，按填报日期的年份记为 {d}，请确认", text("date").unwrap_or_default()),
                        format!("The date “{}” has no year; read as {d} from the ledger's date, please confirm", text("date").unwrap_or_default()),
                    ));
                }
                d
            }
            None => None,
        };
        if donated_on.is_none() {
            issues.push(issue(
                "donated_on",
                "date_missing",
                Severity::Error,
                format!(
                    "捐赠日期“{}”无法识别，无法登记",
                    text("date").unwrap_or_default()
                ),
                format!(
                    "The date “{}” cannot be read: not recorded",
                    text("date").unwrap_or_default()
                ),
            ));
        }
        let donor = text("donor");
        if donor.is_none() {
            issues.push(issue(
                "donor",
                "donor_missing",
                Severity::Warning,
                "没有写捐赠方，请补充".into(),
                "No donor is named: add it".into(),
            ));
        }
        let donor_kind = donor.as_deref().map(DonorKind::of_name);
        let phone = text("phone").and_then(|raw| contact_phone(&raw, &mut issues));
        let name = text("item");
        if name.is_none() {
            issues.push(issue(
                "item",
                "item_missing",
                Severity::Error,
                "没有物资名称，无法登记这一行".into(),
                "The row names no item and cannot be recorded".into(),
            ));
        }
        let item = name.as_deref().and_then(|n| stocked_item_of_name(n, items));
        if let (Some(name), None) = (&name, item) {
            issues.push(issue(
                "item",
                "item_unrecognized",
                Severity::Warning,
                format!("“{name}”不是库存物资，登记在捐赠中但不计入库存"),
                format!(
                    "“{name}” is not an item the street stocks: kept on the donation, not in stock"
                ),
            ));
        }
        let read_quantity = text("quantity").as_deref().and_then(amount);
        let quantity = read_quantity
            .as_ref()
            .filter(|(milli, _)| *milli > 0 && milli % 1000 == 0)
            .map(|(milli, unit)| (milli / 1000, unit.clone()));
        if quantity
            .as_ref()
            .is_some_and(|(q, _)| *q > kadian_domain::records::MAX_QUANTITY)
        {
            issues.push(issue(
                "quantity",
                "quantity_out_of_range",
                Severity::Error,
                format!(
                    "数量“{}”超出范围（最多 {}），无法登记这一行",
                    text("quantity").unwrap_or_default(),
                    kadian_domain::records::MAX_QUANTITY
                ),
                format!(
                    "The quantity “{}” is out of range (at most {}): the row is not recorded",
                    text("quantity").unwrap_or_default(),
                    kadian_domain::records::MAX_QUANTITY
                ),
            ));
        } else if quantity.is_none() {
            issues.push(issue(
                "quantity",
                "quantity_missing",
                Severity::Error,
                format!(
                    "数量“{}”不是整数，无法登记这一行",
                    text("quantity").unwrap_or_default()
                ),
                format!(
                    "The quantity “{}” is not a whole number: the row is not recorded",
                    text("quantity").unwrap_or_default()
                ),
            ));
        }
        let unit = quantity
            .as_ref()
            .map(|(_, u)| u.clone())
            .filter(|u| !u.is_empty())
            .or_else(|| text("unit"))
            .map(|u| u.nfkc().collect::<String>());
        let item_unit = item.map_or("", |i| items.unit(i));
        let item_ml = item.map(|_| item_unit == "mL");
        let base = match (item, &quantity, &unit) {
            (Some(_), Some((q, _)), Some(u)) => {
                let sizes = text("spec").as_deref().map(pack_sizes).unwrap_or_default();
                // The item's own unit counts one for one (a street's 隔离衣 in 件).
                let own =
                    (!item_unit.is_empty() && u == item_unit).then_some((item_ml == Some(true), 1));
                match own
                    .or_else(|| base_unit(u))
                    .or_else(|| sizes.get(u.as_str()).copied())
                {
                    Some((ml, each)) if Some(ml) == item_ml => q
                        .checked_mul(each)
                        .filter(|b| *b <= kadian_domain::records::MAX_QUANTITY),
                    _ => {
                        issues.push(issue(
                            "quantity",
                            "pack_size_missing",
                            Severity::Warning,
                            format!("规格没有写明每{u}的数量，未计入库存，请补充规格"),
                            format!(
                                "The pack size of a {u} is not given: not counted in stock; add it"
                            ),
                        ));
                        None
                    }
                }
            }
            _ => None,
        };
        let to = text("destination").map(|d| destination(&d, communities, compounds));
        if let Some(Err(t)) = &to {
            issues.push(issue(
                "destination",
                "destination_unresolved",
                Severity::Warning,
                format!("去向“{t}”不是本街道的社区、小区或仓库，未计入库存"),
                format!("“{t}” is none of the street's communities, compounds or its store: not counted in stock"),
            ));
        }
        let to = to.and_then(Result::ok);
        let rejected = issues.iter().any(|i| i.severity == Severity::Error);
        if let (false, Some(day), Some(name), Some((q, _)), Some(unit)) =
            (rejected, donated_on, &name, &quantity, &unit)
        {
            let contact = text("contact");
            let key = (day, norm(&donor), norm(&contact));
            let at = *by_key.entry(key).or_insert_with(|| {
                ledger.entries.push(DonationEntry {
                    donated_on: day,
                    donor: donor.clone(),
                    donor_kind,
                    contact_name: contact.clone(),
                    contact_phone: phone.clone(),
                    received_by: text("received_by"),
                    rows: Vec::new(),
                });
                ledger.entries.len() - 1
            });
            ledger.entries[at].rows.push(DonationRow {
                row,
                line: DonationLine {
                    item: item.unwrap_or(OTHER_ITEM).to_owned(),
                    name: name.clone(),
                    quantity: *q,
                    unit: unit.clone(),
                    base_quantity: base,
                    destination: to.clone(),
                },
            });
            let (base_unit_name, dest) = (
                item_ml.map(|ml| if ml { "ml" } else { "piece" }),
                match &to {
                    Some(Holder::Street) => json!("warehouse"),
                    Some(Holder::Community { code }) => json!(code),
                    Some(Holder::Checkpoint { id }) => json!(id),
                    None => json!(null),
                },
            );
            n.insert("donated_on".into(), json!(day.to_string()));
            n.insert("donor".into(), json!(donor));
            n.insert("donor_kind".into(), json!(donor_kind));
            n.insert("contact_name".into(), json!(contact));
            n.insert("contact_phone".into(), json!(phone));
            n.insert("item".into(), json!(item.unwrap_or(OTHER_ITEM)));
            n.insert("quantity".into(), json!(q));
            n.insert("unit".into(), json!(unit));
            n.insert("base_quantity".into(), json!(base));
            n.insert("base_unit".into(), json!(base_unit_name));
            n.insert("received_by".into(), json!(text("received_by")));
            n.insert("destination".into(), dest);
        }
        ledger.report.add_row(row, issues, n);
    }
    Ok(ledger)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pack_sizes_as_ledgers_write_them() {
        let s = pack_sizes("50只/盒，40盒/箱");
        assert_eq!(s.get("盒"), Some(&(false, 50)));
        assert_eq!(s.get("箱"), Some(&(false, 2000)));
        let s = pack_sizes("500ml×12瓶/箱");
        assert_eq!(s.get("瓶"), Some(&(true, 500)));
        assert_eq!(s.get("箱"), Some(&(true, 6000)));
        assert_eq!(pack_sizes("2.5L/桶").get("桶"), Some(&(true, 2500)));
        assert_eq!(pack_sizes("5L/桶").get("桶"), Some(&(true, 5000)));
        assert!(pack_sizes("大箱").is_empty());
        assert_eq!(amount("1000只"), Some((1_000_000, "只".into())));
        assert_eq!(amount("若干"), None);
    }

    #[test]
    fn item_names_as_ledgers_write_them() {
        assert_eq!(item_of_name("KN95口罩"), Some("n95_mask"));
        assert_eq!(item_of_name("一次性医用外科口罩"), Some("surgical_mask"));
        assert_eq!(item_of_name("75％酒精"), Some("alcohol_75"));
        assert_eq!(item_of_name("额温枪"), Some("ir_thermometer"));
        assert_eq!(item_of_name("矿泉水"), None);
    }

    #[test]
    fn a_streets_own_item_is_named_as_the_street_named_it() {
        let mut items = SupplyItems::default();
        assert_eq!(
            stocked_item_of_name("隔离衣", &items),
            Some("protective_suit")
        );
        assert_eq!(stocked_item_of_name("矿泉水", &items), None);
        items.items.push(kadian_domain::records::SupplyItem {
            code: "isolation_gown".into(),
            name: "隔离衣".into(),
            unit: "件".into(),
            pack_size: 10,
        });
        items.items.push(kadian_domain::records::SupplyItem {
            code: "water".into(),
            name: "矿泉水".into(),
            unit: "瓶".into(),
            pack_size: 24,
        });
        assert_eq!(
            stocked_item_of_name("隔离衣", &items),
            Some("isolation_gown")
        );
        assert_eq!(stocked_item_of_name(" 矿泉水 ", &items), Some("water"));
        assert_eq!(stocked_item_of_name("KN95口罩", &items), Some("n95_mask"));
    }
}
