//! The donation (捐赠, entity): what an enterprise, a group or a person gave the street, line by
//! line (an item, the quantity as given and in the item's base units, where it went). The street
//! office receives it (the street's 物资捐赠台账, `../shared/fixtures/registers/
//! 平原街道_物资捐赠台账.xlsx`); each line of a stocked item with a known base quantity is a
//! `received` stock movement at its destination ([`Donation::receipts`]), so a donation is
//! stock like any other, and where it went from there is the dispatches that name it
//! (`StockMovement::donation_id`). Published in the 捐赠公示表 unless the donor asked not to be
//! named. Sources: the street's plan (donations from enterprises and residents, allocated to
//! communities and the checkpoints); Xinguan's receipt type 捐赠.

use chrono::{NaiveDate, TimeZone, Utc};
use serde::{Deserialize, Serialize};
use unicode_normalization::UnicodeNormalization;
use uuid::Uuid;

use crate::{Field, Notice};

use super::rules::{community_code, date, opt_text, reference, text};
use super::supplies::{item_code_ok, Holder, MovementKind, ReceiptSource, StockMovement};
use super::{bad, Instant, MAX_QUANTITY, MAX_SHORT_CHARS, MAX_TEXT_CHARS};

/// Who gave.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DonorKind {
    /// 企业 (a company, a factory, a pharmacy).
    Enterprise,
    /// 团体 (an association, a party branch, alumni, residents of a village, a service team).
    Group,
    /// 个人 (a person, or 匿名).
    Person,
}

impl DonorKind {
    /// The kind a donor's name tells (`…有限公司` an enterprise, `…协会`, `…党支部`, `…校友`,
    /// `…居民` a group, anyone else a person, 匿名 too).
    pub fn of_name(name: &str) -> DonorKind {
        let n: String = name.nfkc().collect();
        const GROUP: [&str; 14] = [
            "协会",
            "党支部",
            "支部",
            "党委",
            "校友",
            "居民",
            "村民",
            "服务队",
            "志愿",
            "商会",
            "联合会",
            "委员会",
            "工会",
            "团委",
        ];
        const ENTERPRISE: [&str; 12] = [
            "公司", "厂", "药房", "药店", "超市", "集团", "商行", "门市", "银行", "医院", "酒店",
            "店",
        ];
        if GROUP.iter().any(|w| n.contains(w)) {
            DonorKind::Group
        } else if ENTERPRISE.iter().any(|w| n.contains(w)) {
            DonorKind::Enterprise
        } else {
            DonorKind::Person
        }
    }
}

pub use super::supplies::OTHER_ITEM;

/// Most lines one donation holds.
pub const MAX_DONATION_LINES: usize = 100;

/// One line of a donation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DonationLine {
    /// A stocked item's code, or [`OTHER_ITEM`].
    pub item: String,
    /// 物资名称 as written (`一次性医用外科口罩`).
    pub name: String,
    /// 数量 in `unit` (10 箱): 1 to [`MAX_QUANTITY`].
    pub quantity: i64,
    /// 单位 as written (`箱`, `只`).
    pub unit: String,
    /// The quantity in the item's base units (只, mL): 1 to [`MAX_QUANTITY`]; none when the
    /// pack's size was not given, and always for [`OTHER_ITEM`]. Only a line with it enters
    /// stock.
    #[serde(default)]
    pub base_quantity: Option<i64>,
    /// 去向: the street's store, a community, a checkpoint; none when the ledger named no
    /// holder of the street (the line enters no stock until staff say where it is).
    #[serde(default)]
    pub destination: Option<Holder>,
}

/// A donation (entity).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Donation {
    /// UUIDv7; a ledger's donation: [`donation_id`].
    pub id: Uuid,
    /// 捐赠日期 (China).
    pub donated_on: NaiveDate,
    /// 捐赠方; none when the ledger named none.
    #[serde(default)]
    pub donor: Option<String>,
    /// Who gave.
    #[serde(default)]
    pub donor_kind: Option<DonorKind>,
    /// 联系人.
    #[serde(default)]
    pub contact_name: Option<String>,
    /// 联系电话 (masked in lists and on the 公示表's screen; never in the 公示表).
    #[serde(default)]
    pub contact_phone: Option<String>,
    /// 接收人.
    #[serde(default)]
    pub received_by: Option<String>,
    /// 收据编号.
    #[serde(default)]
    pub receipt_number: Option<String>,
    /// Whether the 捐赠公示表 names the donor (else: 爱心人士).
    pub publish: bool,
    /// What was given, 1 to [`MAX_DONATION_LINES`] lines.
    pub lines: Vec<DonationLine>,
    /// 备注.
    #[serde(default)]
    pub note: Option<String>,
    /// Who recorded it (a staff member's name, or `import:<file>`).
    pub recorded_by: String,
}

/// The namespace of a ledger's donation id ([`donation_id`]).
pub const DONATION_NAMESPACE: Uuid = Uuid::from_u128(0x6d0e_a7c1_3b52_4e8f_9a14_c2d8_5f60_b731);

/// The id of the donation a ledger lists: from the street, its date, donor and contact, so the
/// ledger imported twice records each donation once.
pub fn donation_id(
    street: &str,
    donated_on: NaiveDate,
    donor: Option<&str>,
    contact: Option<&str>,
) -> Uuid {
    let norm = |s: Option<&str>| -> String {
        s.unwrap_or("")
            .nfkc()
            .filter(|c| !c.is_whitespace())
            .collect()
    };
    Uuid::new_v5(
        &DONATION_NAMESPACE,
        format!("{street}:{donated_on}:{}:{}", norm(donor), norm(contact)).as_bytes(),
    )
}

impl Donation {
    /// The stock its lines bring: one `received` movement (source donation, naming it) per
    /// line of a stocked item with a base quantity and a destination, at that destination,
    /// dated the donation's day at 00:00 China time; its id from the donation's, the item's and
    /// which line of that item it is (the first 84消毒液, the second…), so recording the
    /// donation twice brings its stock once, and a line added for another item moves no other
    /// line's id. A line's stock is what it first brought: a quantity or destination found wrong
    /// later is corrected by a count (盘点) and a dispatch, not by changing the donation (the
    /// server refuses a changed receipt under the same id as `id_reused`).
    pub fn receipts(&self) -> Vec<StockMovement> {
        let at = chrono::FixedOffset::east_opt(8 * 3600)
            .and_then(|cst| {
                cst.from_local_datetime(&self.donated_on.and_time(chrono::NaiveTime::MIN))
                    .single()
            })
            .map(|t| t.with_timezone(&Utc))
            .unwrap_or_default();
        let mut seen: std::collections::HashMap<&str, usize> = std::collections::HashMap::new();
        self.lines
            .iter()
            .filter_map(|l| {
                let n = seen.entry(l.item.as_str()).or_insert(0);
                let nth = *n;
                *n += 1;
                let (Some(q), Some(to)) = (l.base_quantity, &l.destination) else {
                    return None;
                };
                if l.item == OTHER_ITEM {
                    return None;
                }
                Some(StockMovement {
                    id: Uuid::new_v5(&self.id, format!("{}:{nth}", l.item).as_bytes()),
                    item: l.item.clone(),
                    holder: to.clone(),
                    kind: MovementKind::Received,
                    quantity: q,
                    to: None,
                    transfer_id: None,
                    source: Some(ReceiptSource::Donation),
                    donation_id: Some(self.id),
                    at: Instant {
                        utc: at,
                        offset_minutes: 480,
                    },
                    // Who gave, for staff, unless the donor asked not to be named.
                    note: Some(match (&self.donor, self.publish) {
                        (Some(d), true) => {
                            format!("捐赠：{}", d.chars().take(200).collect::<String>())
                        }
                        _ => "捐赠：爱心人士".to_owned(),
                    }),
                    recorded_by: self.recorded_by.clone(),
                })
            })
            .collect()
    }
}

/// A donation: a day from 2019, 1 to [`MAX_DONATION_LINES`] lines, each a stocked item or
/// [`OTHER_ITEM`] (no base quantity), quantities of 1 to [`MAX_QUANTITY`], a destination that
/// is a valid holder, bounded texts.
///
/// Errors: `lines_out_of_range`, `unknown_item`, `quantity_out_of_range`, `field_misplaced`,
/// `invalid_community`, `reference_missing`, `date_out_of_range`, `too_long`,
/// `control_character`.
pub fn check_donation(d: &Donation) -> Result<(), Notice> {
    date("捐赠日期 / donated on", Some(d.donated_on), 2019)?;
    reference("登记人 / recorded by", &d.recorded_by)?;
    if d.lines.is_empty() || d.lines.len() > MAX_DONATION_LINES {
        return Err(bad(
            Field::Record,
            "lines_out_of_range",
            format!("一次捐赠应有 1–{MAX_DONATION_LINES} 项物资"),
            format!("A donation has 1–{MAX_DONATION_LINES} lines"),
        ));
    }
    for (name, value, max) in [
        ("捐赠方 / donor", &d.donor, MAX_TEXT_CHARS / 2),
        ("联系人 / contact", &d.contact_name, MAX_SHORT_CHARS),
        ("联系电话 / phone", &d.contact_phone, MAX_SHORT_CHARS),
        ("接收人 / received by", &d.received_by, MAX_SHORT_CHARS),
        (
            "收据编号 / receipt number",
            &d.receipt_number,
            MAX_SHORT_CHARS,
        ),
    ] {
        opt_text(Field::Record, name, value.as_deref(), max, false)?;
    }
    opt_text(
        Field::Record,
        "备注 / note",
        d.note.as_deref(),
        MAX_TEXT_CHARS,
        true,
    )?;
    for l in &d.lines {
        if l.item != OTHER_ITEM && !item_code_ok(&l.item) {
            return Err(bad(
                Field::Record,
                "unknown_item",
                format!("没有这种物资：{}", super::rules::clip(&l.item)),
                format!("No such item: {}", super::rules::clip(&l.item)),
            ));
        }
        text(
            Field::Record,
            "物资名称 / item name",
            &l.name,
            MAX_SHORT_CHARS * 2,
            false,
        )?;
        text(
            Field::Record,
            "单位 / unit",
            &l.unit,
            MAX_SHORT_CHARS,
            false,
        )?;
        let in_range = |q: i64| q > 0 && q <= MAX_QUANTITY;
        if !in_range(l.quantity) || l.base_quantity.is_some_and(|q| !in_range(q)) {
            return Err(bad(
                Field::Record,
                "quantity_out_of_range",
                format!("数量应在 1–{MAX_QUANTITY} 之间"),
                format!("The quantity is 1–{MAX_QUANTITY}"),
            ));
        }
        if l.item == OTHER_ITEM && l.base_quantity.is_some() {
            return Err(bad(
                Field::Record,
                "field_misplaced",
                "非库存物资不计入库存数量",
                "An item the street does not stock has no base quantity",
            ));
        }
        match &l.destination {
            Some(Holder::Community { code }) => community_code(code)?,
            Some(Holder::Checkpoint { id }) => reference("卡点 / checkpoint", id)?,
            Some(Holder::Street) | None => {}
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_donors_name_tells_its_kind() {
        assert_eq!(
            DonorKind::of_name("平原街道巾帼企业家协会"),
            DonorKind::Group
        );
        assert_eq!(
            DonorKind::of_name("商丘隆越汽车有限公司"),
            DonorKind::Enterprise
        );
        assert_eq!(DonorKind::of_name("康民大药房"), DonorKind::Enterprise);
        assert_eq!(DonorKind::of_name("金桥社区季庄村居民"), DonorKind::Group);
        assert_eq!(DonorKind::of_name("平原路小学2005届校友"), DonorKind::Group);
        assert_eq!(DonorKind::of_name("爱心人士王先生"), DonorKind::Person);
        assert_eq!(DonorKind::of_name("匿名"), DonorKind::Person);
    }
}
