//! Supplies (物资): the street's items, who holds them, and the stock movement (物资出入库,
//! event) that changes what one holder has of one item. Stock on hand is never typed: it is
//! the sum of movements ([`crate::supplies::stock`]), so two offline laptops never overwrite
//! each other (DHIS2's commodities tracker has stock typed daily per facility; CommCare's
//! ledger and the CHT stock-monitoring workflow infer it from transactions, as here). A
//! transfer is a dispatch by the sender and a receipt confirmed by the receiver with the
//! quantity actually received (CHT: the receiver confirms, the sender resolves differences).
//! Quantities are whole base units (只, 把, 套, mL; a pair of gloves is 2 只, as the street's donation ledger counts them). Sources: the street's plan (purchase,
//! donations, allocation to communities by workload, down to the checkpoints); Xinguan's
//! receipt types (捐赠/下拨/采购).

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::{Field, Notice};

use super::rules::{instant, opt_text, reference};
use super::{bad, Instant, MAX_TEXT_CHARS};

/// An item the street stocks: its code, name, base unit and how many base units a pack holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct SupplyItem {
    /// Its code (`surgical_mask`).
    pub code: &'static str,
    /// 名称.
    pub name: &'static str,
    /// The base unit every quantity is counted in (只, mL).
    pub unit: &'static str,
    /// Base units in a pack as it usually comes (a box of 50 masks, a 500 mL bottle).
    pub pack_size: u32,
}

/// The items of the street's plan (医用外科口罩, N95, 84消毒液, 75%酒精, 红外测温枪, 防护服,
/// 一次性手套), their codes as the street's donation ledger fixture names them. A street's own
/// items come with the street's settings.
pub const ITEMS: [SupplyItem; 7] = [
    SupplyItem {
        code: "surgical_mask",
        name: "医用外科口罩",
        unit: "只",
        pack_size: 50,
    },
    SupplyItem {
        code: "n95_mask",
        name: "N95口罩",
        unit: "只",
        pack_size: 20,
    },
    SupplyItem {
        code: "disinfectant_84",
        name: "84消毒液",
        unit: "mL",
        pack_size: 500,
    },
    SupplyItem {
        code: "alcohol_75",
        name: "75%酒精",
        unit: "mL",
        pack_size: 500,
    },
    SupplyItem {
        code: "ir_thermometer",
        name: "红外测温枪",
        unit: "把",
        pack_size: 1,
    },
    SupplyItem {
        code: "protective_suit",
        name: "防护服",
        unit: "套",
        pack_size: 1,
    },
    SupplyItem {
        code: "disposable_gloves",
        name: "一次性手套",
        unit: "只",
        pack_size: 100,
    },
];

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

/// The item of a code, if the street stocks it.
pub fn supply_item(code: &str) -> Option<&'static SupplyItem> {
    ITEMS.iter().find(|i| i.code == code)
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
    /// The item's code ([`ITEMS`]).
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

/// A movement: a stocked item, a quantity of 1 to [`MAX_QUANTITY`] base units (a receipt's
/// also 0: nothing arrived; an adjustment's also negative, never 0), a receiver other than the sender on a dispatch and only there, a
/// dispatch named on a receipt and only there, a source on a received lot and only there, a
/// donation named only by a donation received or a dispatch.
///
/// Errors: `unknown_item`, `quantity_out_of_range`, `field_misplaced`, `field_missing`,
/// `invalid_community`, `reference_missing`, `date_out_of_range`, `too_long`,
/// `control_character`.
pub fn check_stock_movement(m: &StockMovement) -> Result<(), Notice> {
    if supply_item(&m.item).is_none() {
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
