//! Supplies (物资): the street's items, who holds them, and the stock movement (物资出入库,
//! event) that changes what one holder has of one item. Stock on hand is never typed: it is
//! the sum of movements ([`crate::supplies::stock`]), so two offline laptops never overwrite
//! each other (DHIS2's commodities tracker has stock typed daily per facility; CommCare's
//! ledger and the CHT stock-monitoring workflow infer it from transactions, as here). A
//! transfer is a dispatch by the sender and a receipt confirmed by the receiver with the
//! quantity actually received (CHT: the receiver confirms, the sender resolves differences).
//! Quantities are whole base units (只, 把, 套, mL; a pair of gloves is 2 只, as the street's
//! donation ledger counts them). Sources: the street's plan (purchase,
//! donations, allocation to communities by workload, down to the checkpoints); Xinguan's
//! receipt types (捐赠/下拨/采购).

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::{Field, Notice};

use super::rules::{instant, opt_text, reference};
use super::{bad, Instant, MAX_TEXT_CHARS};

/// An item the street stocks: its code, name, base unit and how many base units a pack holds.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SupplyItem {
    /// Its code (`surgical_mask`): 1–32 of `a`–`z`, `0`–`9` and `_`, starting with a letter;
    /// never [`OTHER_ITEM`].
    pub code: String,
    /// 名称 (`医用外科口罩`): 1–20 characters, one per item.
    pub name: String,
    /// The base unit every quantity is counted in (只, mL, 把, 套): 1–4 characters. It never
    /// changes once set: every movement already counts in it.
    pub unit: String,
    /// Base units in a pack as it usually comes (a box of 50 masks, a 500 mL bottle): 1 to
    /// 1,000,000.
    pub pack_size: u32,
}

/// The items of the street's plan (医用外科口罩, N95, 84消毒液, 75%酒精, 红外测温枪, 防护服,
/// 一次性手套) as (code, name, base unit, pack size), their codes as the street's donation
/// ledger fixture names them. Every street stocks them (the 日报's 口罩 column reads the
/// first two); a street adds its own with [`SupplyItems`].
pub const PLAN_ITEMS: [(&str, &str, &str, u32); 7] = [
    ("surgical_mask", "医用外科口罩", "只", 50),
    ("n95_mask", "N95口罩", "只", 20),
    ("disinfectant_84", "84消毒液", "mL", 500),
    ("alcohol_75", "75%酒精", "mL", 500),
    ("ir_thermometer", "红外测温枪", "把", 1),
    ("protective_suit", "防护服", "套", 1),
    // A pair of gloves is 2 只, as the street's donation ledger counts them.
    ("disposable_gloves", "一次性手套", "只", 100),
];

/// The item code of a donated thing the street does not stock (矿泉水): kept on the donation,
/// never in stock; never a stocked item's code.
pub const OTHER_ITEM: &str = "other";

/// Most items a street stocks.
pub const MAX_SUPPLY_ITEMS: usize = 100;

/// Largest pack size, base units.
pub const MAX_PACK_SIZE: u32 = 1_000_000;

/// The street's items (物资目录, a street setting): reference data of kind `supply_items`,
/// one row placed nowhere, so every device pulls it (`kadian-server supplies item add|set`).
/// Absent, every device uses the plan's seven ([`PLAN_ITEMS`]). Items are added or renamed,
/// never removed, and a unit never changes ([`check_supply_items_change`]): movements name
/// items by code and count in their unit.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SupplyItems {
    /// The items, in the order lists show them: the plan's seven first.
    pub items: Vec<SupplyItem>,
}

impl SupplyItems {
    /// The id of its reference row (kind `supply_items`).
    pub const ID: &'static str = "supply_items";

    /// The item of a code, if the street stocks it.
    pub fn item(&self, code: &str) -> Option<&SupplyItem> {
        self.items.iter().find(|i| i.code == code)
    }

    /// The items, in order.
    pub fn iter(&self) -> std::slice::Iter<'_, SupplyItem> {
        self.items.iter()
    }

    /// An item's name, or the code when the street does not stock it (a record from a
    /// newer list).
    pub fn name<'a>(&'a self, code: &'a str) -> &'a str {
        self.item(code).map_or(code, |i| i.name.as_str())
    }

    /// An item's base unit, or `""`.
    pub fn unit(&self, code: &str) -> &str {
        self.item(code).map_or("", |i| i.unit.as_str())
    }
}

impl Default for SupplyItems {
    fn default() -> Self {
        SupplyItems {
            items: PLAN_ITEMS
                .iter()
                .map(|(code, name, unit, pack_size)| SupplyItem {
                    code: (*code).to_owned(),
                    name: (*name).to_owned(),
                    unit: (*unit).to_owned(),
                    pack_size: *pack_size,
                })
                .collect(),
        }
    }
}

/// Whether `code` is shaped as an item's code: 1–32 of `a`–`z`, `0`–`9`, `_`, starting with a
/// letter. (Whether the street stocks it is the server's rule, with the street's list.)
pub fn item_code_ok(code: &str) -> bool {
    (1..=32).contains(&code.len())
        && code.starts_with(|c: char| c.is_ascii_lowercase())
        && code
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
}

fn bad_items(zh: String, en: String) -> Notice {
    bad(Field::Record, "invalid_item_list", zh, en)
}

/// A list devices can keep: 7 to [`MAX_SUPPLY_ITEMS`] items, the plan's seven among them, codes
/// shaped as [`item_code_ok`] says and never `other`, names of 1–20 characters and units of
/// 1–4 (no control characters), neither code nor name twice, pack sizes of 1 to
/// [`MAX_PACK_SIZE`], volumes in `mL` only (never L, ml, 升, 毫升: a ledger's litres are
/// converted to mL). Errors: `invalid_item_list`.
pub fn check_supply_items(list: &SupplyItems) -> Result<(), Notice> {
    if list.items.len() > MAX_SUPPLY_ITEMS {
        return Err(bad_items(
            format!("物资目录最多 {MAX_SUPPLY_ITEMS} 种"),
            format!("The street stocks at most {MAX_SUPPLY_ITEMS} items"),
        ));
    }
    for (code, name, _, _) in PLAN_ITEMS {
        if list.item(code).is_none() {
            return Err(bad_items(
                format!("物资目录缺少{name}（{code}）"),
                format!("The list lacks {name} ({code})"),
            ));
        }
    }
    let mut codes = std::collections::HashSet::new();
    let mut names = std::collections::HashSet::new();
    for i in &list.items {
        let clipped = super::rules::clip(&i.code);
        if !item_code_ok(&i.code) || i.code == OTHER_ITEM {
            return Err(bad_items(
                format!("物资代码“{clipped}”应为小写字母开头的 1–32 位小写字母、数字或下划线"),
                format!(
                    "The item code “{clipped}” is 1–32 lowercase letters, digits or _, starting with a letter"
                ),
            ));
        }
        let text_ok = |t: &str, max: usize| {
            let n = t.trim().chars().count();
            t.trim() == t && (1..=max).contains(&n) && !t.chars().any(char::is_control)
        };
        if !text_ok(&i.name, 20) || !text_ok(&i.unit, 4) {
            return Err(bad_items(
                format!("物资 {clipped} 的名称应为 1–20 个字、单位 1–4 个字"),
                format!("Item {clipped}: a name of 1–20 characters and a unit of 1–4"),
            ));
        }
        if i.unit != "mL" && ["ml", "l", "毫升", "升"].contains(&i.unit.to_lowercase().as_str())
        {
            return Err(bad_items(
                format!("物资 {clipped} 的容量请以 mL 计（台账的升、毫升按 mL 折算）"),
                format!("Item {clipped}: count volumes in mL (a ledger's litres are converted)"),
            ));
        }
        if !(1..=MAX_PACK_SIZE).contains(&i.pack_size) {
            return Err(bad_items(
                format!("物资 {clipped} 的包装规格应为 1–{MAX_PACK_SIZE}"),
                format!("Item {clipped}: a pack holds 1–{MAX_PACK_SIZE} base units"),
            ));
        }
        if !codes.insert(i.code.as_str()) || !names.insert(i.name.as_str()) {
            return Err(bad_items(
                format!("物资代码或名称重复：{clipped}"),
                format!("An item code or name is listed twice: {clipped}"),
            ));
        }
    }
    Ok(())
}

/// A change of the street's list that keeps what movements already say: no item dropped, no
/// item's unit changed (a name or a pack size may change). Errors: `item_removed`,
/// `unit_changed`.
pub fn check_supply_items_change(old: &SupplyItems, new: &SupplyItems) -> Result<(), Notice> {
    for o in &old.items {
        match new.item(&o.code) {
            None => {
                return Err(bad(
                    Field::Record,
                    "item_removed",
                    format!(
                        "物资 {}（{}）已有出入库记录的可能，不能删除",
                        o.name, o.code
                    ),
                    format!(
                        "{} ({}) may have movements: it cannot be removed",
                        o.name, o.code
                    ),
                ))
            }
            Some(n) if n.unit != o.unit => {
                return Err(bad(
                    Field::Record,
                    "unit_changed",
                    format!("{} 的单位“{}”不能改：已有数量都按它计", o.name, o.unit),
                    format!(
                        "The unit of {} ({}) cannot change: every quantity counts in it",
                        o.name, o.unit
                    ),
                ))
            }
            Some(_) => {}
        }
    }
    Ok(())
}

/// Whether a dispatch from a holder at `from` (community, compound) may go to one at `to`: down
/// the street's levels or within one place (the street's store to a community or a checkpoint,
/// a community to its checkpoints, a checkpoint to another of its compound), so that both ends
/// see the dispatch and its receipt, placed at `to`. Sideways (one community to another) goes
/// through the holder above both.
pub fn transfer_allowed(
    from: (Option<&str>, Option<&str>),
    to: (Option<&str>, Option<&str>),
) -> bool {
    match from {
        (None, None) => true,
        (Some(c), None) => to.0 == Some(c),
        (Some(c), Some(k)) => to == (Some(c), Some(k)),
        (None, Some(_)) => false,
    }
}

/// Who holds stock: the street's store, a community, a checkpoint.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(tag = "level", rename_all = "snake_case")]
pub enum Holder {
    /// The street's store (街道仓库).
    Street,
    /// A community (社区/村), by its 12-digit code.
    Community {
        /// The code.
        code: String,
    },
    /// A checkpoint (卡点), by id.
    Checkpoint {
        /// The id.
        id: String,
    },
}

/// What a movement does to its holder's stock.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MovementKind {
    /// Received from outside the street (a purchase, a donation, the district's allocation):
    /// adds.
    Received,
    /// Sent to another holder of the street (`to`): takes away from the sender at once.
    Dispatched,
    /// The receiver's word on a dispatch (`transfer_id`): what actually arrived, added to the
    /// receiver.
    ReceiptConfirmed,
    /// Used (a checkpoint's shift at hand-over): takes away.
    Used,
    /// Lost, broken, expired: takes away.
    Lost,
    /// A count's correction (盘点): the difference counted, added (negative: fewer found).
    Adjustment,
}

/// Where a received lot came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReceiptSource {
    /// 采购.
    Purchase,
    /// 捐赠.
    Donation,
    /// 上级下拨.
    Allocation,
}

/// Most base units one movement may move (a billion: ten thousand cartons of masks).
pub const MAX_QUANTITY: i64 = 1_000_000_000;

/// A stock movement (event).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StockMovement {
    /// UUIDv7.
    pub id: Uuid,
    /// The item's code ([`SupplyItems`]; the server checks it against the street's list).
    pub item: String,
    /// Whose stock it changes (a dispatch: the sender's; a receipt: the receiver's).
    pub holder: Holder,
    /// What it does.
    pub kind: MovementKind,
    /// Base units: positive; a receipt's may be 0 (nothing arrived); an adjustment's may be
    /// negative, never 0.
    pub quantity: i64,
    /// A dispatch's receiver.
    #[serde(default)]
    pub to: Option<Holder>,
    /// A receipt's dispatch (its id).
    #[serde(default)]
    pub transfer_id: Option<Uuid>,
    /// A received lot's source.
    #[serde(default)]
    pub source: Option<ReceiptSource>,
    /// The donation it comes from: on a received lot, the donation it is; on a dispatch, the
    /// donation whose goods it sends on (the 捐赠公示表 follows them to the checkpoint).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub donation_id: Option<Uuid>,
    /// When.
    pub at: Instant,
    /// A note (the donor, the reason for a loss or a count).
    #[serde(default)]
    pub note: Option<String>,
    /// Who recorded it.
    pub recorded_by: String,
}

/// A movement: an item code ([`item_code_ok`]; `unknown_item` otherwise), a quantity of 1 to [`MAX_QUANTITY`] base units (a receipt's
/// also 0: nothing arrived; an adjustment's also negative, never 0), a receiver other than the sender on a dispatch and only there, a
/// dispatch named on a receipt and only there, a source on a received lot and only there, a
/// donation named only by a donation received or a dispatch.
///
/// Errors: `unknown_item`, `quantity_out_of_range`, `field_misplaced`, `field_missing`,
/// `invalid_community`, `reference_missing`, `date_out_of_range`, `too_long`,
/// `control_character`.
pub fn check_stock_movement(m: &StockMovement) -> Result<(), Notice> {
    if !item_code_ok(&m.item) {
        return Err(bad(
            Field::Record,
            "unknown_item",
            format!("没有这种物资：{}", super::rules::clip(&m.item)),
            format!("No such item: {}", super::rules::clip(&m.item)),
        ));
    }
    instant("时间 / at", &m.at)?;
    reference("登记人 / recorded by", &m.recorded_by)?;
    for h in std::iter::once(&m.holder).chain(m.to.as_ref()) {
        match h {
            Holder::Street => {}
            Holder::Community { code } => super::rules::community_code(code)?,
            Holder::Checkpoint { id } => reference("卡点 / checkpoint", id)?,
        }
    }
    let in_range = match m.kind {
        MovementKind::Adjustment => m.quantity != 0 && m.quantity.abs() <= MAX_QUANTITY,
        // Nothing arrived is an answer too: the whole dispatch is the sender's difference.
        MovementKind::ReceiptConfirmed => (0..=MAX_QUANTITY).contains(&m.quantity),
        _ => m.quantity > 0 && m.quantity <= MAX_QUANTITY,
    };
    if !in_range {
        return Err(bad(
            Field::Record,
            "quantity_out_of_range",
            format!("数量应在 1–{MAX_QUANTITY} 之间（盘点差额可为负，不能为 0）"),
            format!(
                "The quantity is 1–{MAX_QUANTITY} (a count's difference may be negative, never 0)"
            ),
        ));
    }
    let needs = |present: bool, wanted: bool, name: &str| -> Result<(), Notice> {
        match (present, wanted) {
            (true, false) => Err(bad(
                Field::Record,
                "field_misplaced",
                format!("这种记录不填{name}"),
                format!("This kind of movement has no {name}"),
            )),
            (false, true) => Err(bad(
                Field::Record,
                "field_missing",
                format!("请填写{name}"),
                format!("Give the {name}"),
            )),
            _ => Ok(()),
        }
    };
    needs(
        m.to.is_some(),
        m.kind == MovementKind::Dispatched,
        "接收方 / receiver",
    )?;
    needs(
        m.transfer_id.is_some(),
        m.kind == MovementKind::ReceiptConfirmed,
        "调拨单 / dispatch",
    )?;
    needs(
        m.source.is_some(),
        m.kind == MovementKind::Received,
        "来源 / source",
    )?;
    if m.donation_id.is_some()
        && !matches!(
            (m.kind, m.source),
            (MovementKind::Received, Some(ReceiptSource::Donation)) | (MovementKind::Dispatched, _)
        )
    {
        return Err(bad(
            Field::Record,
            "field_misplaced",
            "只有捐赠入库和调拨可以注明捐赠",
            "Only a donation received or a dispatch names a donation",
        ));
    }
    if m.to.as_ref() == Some(&m.holder) {
        return Err(bad(
            Field::Record,
            "field_misplaced",
            "不能调拨给自己",
            "A dispatch goes to another holder",
        ));
    }
    opt_text(
        Field::Record,
        "备注 / note",
        m.note.as_deref(),
        MAX_TEXT_CHARS,
        true,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn gown() -> SupplyItem {
        SupplyItem {
            code: "isolation_gown".into(),
            name: "隔离衣".into(),
            unit: "件".into(),
            pack_size: 10,
        }
    }

    #[test]
    fn the_plans_seven_are_a_list_and_a_street_adds_its_own() {
        let mut list = SupplyItems::default();
        assert_eq!(list.items.len(), 7);
        assert!(check_supply_items(&list).is_ok());
        list.items.push(gown());
        assert!(check_supply_items(&list).is_ok());
        assert_eq!(list.name("isolation_gown"), "隔离衣");
        assert_eq!(list.unit("isolation_gown"), "件");
        assert_eq!(list.name("plutonium"), "plutonium");
    }

    #[test]
    fn a_bad_list_is_refused_with_what_is_wrong() {
        let code = |list: &SupplyItems| check_supply_items(list).unwrap_err().code;
        let with = |f: &dyn Fn(&mut SupplyItem)| {
            let mut list = SupplyItems::default();
            let mut g = gown();
            f(&mut g);
            list.items.push(g);
            list
        };
        for bad in [
            with(&|g| g.code = "Gown".into()),
            with(&|g| g.code = "other".into()),
            with(&|g| g.code = "1gown".into()),
            with(&|g| g.code = "g".repeat(33)),
            with(&|g| g.name = String::new()),
            with(&|g| g.name = "隔离衣\u{7}".into()),
            with(&|g| g.name = "长".repeat(21)),
            with(&|g| g.unit = "件件件件件".into()),
            with(&|g| g.pack_size = 0),
            with(&|g| g.unit = "L".into()),
            with(&|g| g.unit = "毫升".into()),
            with(&|g| g.pack_size = MAX_PACK_SIZE + 1),
            with(&|g| g.name = "N95口罩".into()),
            with(&|g| g.code = "n95_mask".into()),
        ] {
            assert_eq!(code(&bad), "invalid_item_list", "{:?}", bad.items.last());
        }
        let mut short = SupplyItems::default();
        short.items.retain(|i| i.code != "n95_mask");
        assert_eq!(code(&short), "invalid_item_list");
        let mut long = SupplyItems::default();
        for n in 0..MAX_SUPPLY_ITEMS {
            let mut g = gown();
            g.code = format!("item_{n}");
            g.name = format!("物资{n}");
            long.items.push(g);
        }
        assert_eq!(code(&long), "invalid_item_list");
    }

    #[test]
    fn an_item_is_never_dropped_nor_its_unit_changed() {
        let old = SupplyItems::default();
        let mut renamed = old.clone();
        renamed.items[0].name = "外科口罩".into();
        renamed.items[0].pack_size = 10;
        renamed.items.push(gown());
        assert!(check_supply_items_change(&old, &renamed).is_ok());
        let mut dropped = renamed.clone();
        dropped.items.pop();
        assert_eq!(
            check_supply_items_change(&renamed, &dropped)
                .unwrap_err()
                .code,
            "item_removed"
        );
        let mut litres = old.clone();
        litres.items[2].unit = "L".into();
        assert_eq!(
            check_supply_items_change(&old, &litres).unwrap_err().code,
            "unit_changed"
        );
    }

    #[test]
    fn a_movement_names_an_item_by_a_code_shaped_as_one() {
        assert!(item_code_ok("surgical_mask") && item_code_ok("isolation_gown2"));
        for bad in ["", "Mask", "口罩", "mask;drop", "_mask", &"m".repeat(33)] {
            assert!(!item_code_ok(bad), "{bad}");
        }
    }
}
