//! 物资 (supplies) on a staff laptop, offline from its own store: the stock of every holder it
//! sees, per item (on hand, the last 7 days' use, days of cover, in transit; out or low
//! flagged), the dispatches awaiting receipt and the differences receivers found; a movement
//! recorded (received, dispatched, receipt confirmed, used, lost, counted). Stock on hand is
//! `kadian_domain::supplies::stock`, the sum of movements, as the server's `report supplies`
//! counts it: never typed, so two laptops offline never overwrite each other.

use kadian_domain::records::{
    new_id, transfer_allowed, Holder, Instant, MovementKind, ReceiptSource, Source, StockMovement,
    SupplyItem, MAX_QUANTITY,
};
use kadian_domain::supplies::{stock, Transfer};
use kadian_domain::sync::Role;
use serde::{Deserialize, Serialize};
use ts_rs::TS;

use super::views::{choice, opt, staff_name};
use crate::app_error::{AppError, AppResult};
use crate::core::AppCore;
use crate::local_time::{local, CST_MINUTES};
use crate::reference::ReferenceData;

/// An item the street stocks.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[ts(export)]
pub struct ItemView {
    /// Its code (`surgical_mask`).
    pub code: String,
    /// 名称.
    pub name: String,
    /// Its base unit (只, mL).
    pub unit: String,
    /// Base units in a pack.
    pub pack_size: u32,
}

/// One holder's stock of one item.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[ts(export)]
pub struct StockRow {
    /// The holder: `street`, `community:<code>`, `checkpoint:<id>`.
    pub holder: String,
    /// Its name (街道仓库, 八一社区, 八一新苑 东门).
    pub holder_name: String,
    /// The item's code.
    pub item: String,
    /// Its name.
    pub item_name: String,
    /// Its base unit.
    pub unit: String,
    /// On hand (base units; negative when two dispatches took the same stock).
    #[ts(type = "number")]
    pub on_hand: i64,
    /// Used in the last 7 days.
    #[ts(type = "number")]
    pub used_7d: i64,
    /// Days of cover (one decimal), none without use.
    pub days_of_cover: Option<f64>,
    /// Sent to it, not yet confirmed.
    #[ts(type = "number")]
    pub incoming: i64,
    /// Out, or less than 3 days of cover (red).
    pub short: bool,
}

/// A dispatch on the lists.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[ts(export)]
pub struct TransferRow {
    /// The dispatch's id (a receipt names it).
    pub id: String,
    /// The item's code.
    pub item: String,
    /// The item's name.
    pub item_name: String,
    /// Its base unit.
    pub unit: String,
    /// From, by name.
    pub from: String,
    /// To, by name.
    pub to: String,
    /// To: `street`, `community:<code>` or `checkpoint:<id>`.
    pub to_holder: String,
    /// Sent.
    #[ts(type = "number")]
    pub sent: i64,
    /// Confirmed received.
    #[ts(type = "number | null")]
    pub received: Option<i64>,
    /// Sent − received, when they differ.
    #[ts(type = "number | null")]
    pub difference: Option<i64>,
    /// When it was sent (China time).
    pub at: String,
}

/// A holder to choose.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[ts(export)]
pub struct HolderChoice {
    /// `street`, `community:<code>`, `checkpoint:<id>`.
    pub key: String,
    /// Its name.
    pub name: String,
    /// The holders it may send supplies to (their keys): below it, or in its own place.
    pub to: Vec<String>,
}

/// The stock as this laptop holds it.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[ts(export)]
pub struct SuppliesBoard {
    /// As of (China time).
    pub as_of: String,
    /// The street's items.
    pub items: Vec<ItemView>,
    /// The stock of every holder this laptop keeps, of every item it has moved, by holder then
    /// item (what it pulled of others' — a dispatch to it, say — is not their stock).
    pub rows: Vec<StockRow>,
    /// Dispatches awaiting receipt.
    pub awaiting: Vec<TransferRow>,
    /// Dispatches whose receiver found another quantity.
    pub discrepancies: Vec<TransferRow>,
    /// The holders this laptop keeps stock for (street: its store, every community and
    /// checkpoint; a community: itself and its checkpoints; a compound or zone: its checkpoints).
    pub holders: Vec<HolderChoice>,
    /// Where it may send supplies: every holder it knows but the street's store.
    pub receivers: Vec<HolderChoice>,
    /// The donated lots its holders received, a dispatch may name (the 捐赠公示表 follows
    /// them to the checkpoint).
    pub lots: Vec<DonationLot>,
    /// Whether this laptop makes the street's allocation plan (a street laptop).
    pub may_allocate: bool,
}

/// A donated lot a holder received.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[ts(export)]
pub struct DonationLot {
    /// The holder that received it (its key).
    pub holder: String,
    /// The item's code.
    pub item: String,
    /// The donation's id.
    pub donation_id: String,
    /// What it was (`2026-02-01 捐赠：康民大药房 2000`).
    pub label: String,
}

/// A movement recorded on a laptop.
#[derive(Debug, Clone, Default, PartialEq, Deserialize, TS)]
#[ts(export)]
pub struct MovementInput {
    /// The item's code.
    pub item: String,
    /// Whose stock: `street`, `community:<code>`, `checkpoint:<id>`.
    pub holder: String,
    /// `received`, `dispatched`, `receipt_confirmed`, `used`, `lost`, `adjustment`.
    pub kind: String,
    /// Base units (an adjustment: the difference counted, may be negative).
    #[ts(type = "number")]
    pub quantity: i64,
    /// A dispatch's receiver (as `holder`).
    #[serde(default)]
    pub to: String,
    /// A receipt's dispatch id.
    #[serde(default)]
    pub transfer_id: String,
    /// A received lot's source: `purchase`, `donation`, `allocation`.
    #[serde(default)]
    pub source: String,
    /// A dispatch's donation (its id, from [`SuppliesBoard::lots`]): the donated goods it sends
    /// on; empty for none.
    #[serde(default)]
    pub donation_id: String,
    /// A note.
    #[serde(default)]
    pub note: String,
}

fn holder_key(h: &Holder) -> String {
    match h {
        Holder::Street => "street".to_owned(),
        Holder::Community { code } => format!("community:{code}"),
        Holder::Checkpoint { id } => format!("checkpoint:{id}"),
    }
}

fn holder_name(h: &Holder, reference: &ReferenceData) -> String {
    match h {
        Holder::Street => "街道仓库".to_owned(),
        Holder::Community { code } => reference
            .communities
            .get(code)
            .map_or_else(|| code.clone(), |c| c.name.clone()),
        Holder::Checkpoint { id } => reference.checkpoints.get(id).map_or_else(
            || id.clone(),
            |c| {
                let compound = reference
                    .compounds
                    .get(&c.compound)
                    .map(|k| k.name.as_str())
                    .unwrap_or("");
                format!("{compound} {}", c.name).trim().to_owned()
            },
        ),
    }
}

/// A holder's balance of an item as a row of the stock table.
fn stock_row(
    h: &Holder,
    code: &str,
    b: &kadian_domain::supplies::Balance,
    reference: &ReferenceData,
) -> StockRow {
    let items = &reference.supply_items;
    StockRow {
        holder: holder_key(h),
        holder_name: holder_name(h, reference),
        item: code.to_owned(),
        item_name: items.name(code).to_owned(),
        unit: items.unit(code).to_owned(),
        on_hand: b.on_hand,
        used_7d: b.used_7d,
        days_of_cover: b.days_of_cover(),
        incoming: b.incoming,
        short: b.short(),
    }
}

/// The street's item of a code (a copy), or `invalid_input` on `field`: 请选择物资.
fn stocked_item(reference: &ReferenceData, code: &str, field: &str) -> AppResult<SupplyItem> {
    reference
        .supply_items
        .item(code.trim())
        .cloned()
        .ok_or_else(|| AppError::new("invalid_input", Some(field), "请选择物资", "Choose an item"))
}

/// The street's items as the forms list them.
fn item_views(reference: &ReferenceData) -> Vec<ItemView> {
    reference
        .supply_items
        .iter()
        .map(|i| ItemView {
            code: i.code.clone(),
            name: i.name.clone(),
            unit: i.unit.clone(),
            pack_size: i.pack_size,
        })
        .collect()
}

/// A dispatch as a row of the lists.
fn transfer_row(t: &Transfer, reference: &ReferenceData) -> TransferRow {
    let items = &reference.supply_items;
    TransferRow {
        id: t.id.to_string(),
        item: t.item.clone(),
        item_name: items.name(&t.item).to_owned(),
        unit: items.unit(&t.item).to_owned(),
        from: holder_name(&t.from, reference),
        to: holder_name(&t.to, reference),
        to_holder: holder_key(&t.to),
        sent: t.sent,
        received: t.received,
        difference: t.difference(),
        at: local(t.at).format("%Y-%m-%d %H:%M").to_string(),
    }
}

/// Where a holder's stock lies on this laptop's layout: (community, compound); none for a
/// holder it does not know.
fn holder_place(h: &Holder, reference: &ReferenceData) -> Option<(Option<String>, Option<String>)> {
    match h {
        Holder::Street => Some((None, None)),
        Holder::Community { code } => reference
            .communities
            .contains_key(code)
            .then(|| (Some(code.clone()), None)),
        Holder::Checkpoint { id } => reference
            .checkpoints
            .get(id)
            .and_then(|c| reference.compounds.get(&c.compound))
            .map(|k| (Some(k.community.clone()), Some(k.id.clone()))),
    }
}

/// Whether `from` may send to `to` (`transfer_allowed` on their places, as the server judges).
fn may_send(from: &Holder, to: &Holder, reference: &ReferenceData) -> bool {
    match (holder_place(from, reference), holder_place(to, reference)) {
        (Some(f), Some(t)) => {
            from != to
                && transfer_allowed(
                    (f.0.as_deref(), f.1.as_deref()),
                    (t.0.as_deref(), t.1.as_deref()),
                )
        }
        _ => false,
    }
}

fn parse_holder(raw: &str, field: &str) -> AppResult<Holder> {
    let raw = raw.trim();
    let bad = || {
        if field == "to" {
            AppError::new(
                "invalid_input",
                Some(field),
                "请选择接收单位",
                "Choose the receiver",
            )
        } else {
            AppError::new(
                "invalid_input",
                Some(field),
                "请选择持有单位",
                "Choose who holds the stock",
            )
        }
    };
    match raw.split_once(':') {
        None if raw == "street" => Ok(Holder::Street),
        Some(("community", code)) if !code.is_empty() => Ok(Holder::Community {
            code: code.to_owned(),
        }),
        Some(("checkpoint", id)) if !id.is_empty() => Ok(Holder::Checkpoint { id: id.to_owned() }),
        _ => Err(bad()),
    }
}

impl AppCore {
    fn supplies_staff(&self) -> AppResult<crate::store::Enrolment> {
        let e = self.enrolled()?;
        if e.role == Role::Volunteer {
            return Err(AppError::new(
                "not_staff",
                None,
                "物资台账只在小区、片区、社区和街道的笔记本上",
                "Supplies are on compound, zone, community and street laptops only",
            ));
        }
        Ok(e)
    }

    /// Whether this laptop acts for `holder`: the street for any; a community for itself and
    /// its checkpoints; a compound or zone laptop for the checkpoints it holds. Errors:
    /// `not_found` (a holder it does not know), `not_allowed`.
    fn may_hold(
        &self,
        staff: &crate::store::Enrolment,
        reference: &ReferenceData,
        holder: &Holder,
        field: &str,
    ) -> AppResult<()> {
        let s = &staff.scope;
        let checkpoint_community = |id: &str| {
            reference
                .checkpoints
                .get(id)
                .and_then(|c| reference.compounds.get(&c.compound))
                .map(|k| (k.community.clone(), k.id.clone()))
        };
        let known = match holder {
            Holder::Street => true,
            Holder::Community { code } => reference.communities.contains_key(code),
            Holder::Checkpoint { id } => checkpoint_community(id).is_some(),
        };
        if !known {
            return Err(AppError::new(
                "not_found",
                Some(field),
                "这台设备没有这个单位的资料",
                "This device holds no such holder",
            ));
        }
        let ok = match (staff.role, holder) {
            (Role::Street, _) => true,
            (Role::Community, Holder::Community { code }) => Some(code) == s.community.as_ref(),
            (Role::Community, Holder::Checkpoint { id }) => {
                checkpoint_community(id).is_some_and(|(c, _)| Some(&c) == s.community.as_ref())
            }
            (Role::Compound, Holder::Checkpoint { id }) => {
                checkpoint_community(id).is_some_and(|(_, k)| Some(&k) == s.compound.as_ref())
            }
            (Role::Zone, Holder::Checkpoint { .. }) => true,
            _ => false,
        };
        if ok {
            Ok(())
        } else {
            Err(AppError::new(
                "not_allowed",
                Some(field),
                "这台设备不能替这个单位登记物资",
                "This device does not keep that holder's stock",
            ))
        }
    }

    /// The stock this laptop holds, counted now. Errors: `not_staff`.
    pub fn supplies_board(&self) -> AppResult<SuppliesBoard> {
        self.supplies_staff()?;
        let reference = self.reference()?;
        let movements = self.store().stock_movements()?;
        let now = self.now();
        let s = stock(&movements, now);
        let transfer = |t: &Transfer| transfer_row(t, &reference);
        let staff = self.enrolled()?;
        let every: Vec<Holder> = std::iter::once(Holder::Street)
            .chain(
                reference
                    .communities
                    .keys()
                    .map(|code| Holder::Community { code: code.clone() }),
            )
            .chain(
                reference
                    .checkpoints
                    .values()
                    .filter(|c| c.retired_at.is_none())
                    .map(|c| Holder::Checkpoint { id: c.id.clone() }),
            )
            .collect();
        let kept: Vec<&Holder> = every
            .iter()
            .filter(|h| self.may_hold(&staff, &reference, h, "holder").is_ok())
            .collect();
        let holders = kept
            .iter()
            .map(|h| HolderChoice {
                key: holder_key(h),
                name: holder_name(h, &reference),
                to: every
                    .iter()
                    .filter(|to| may_send(h, to, &reference))
                    .map(holder_key)
                    .collect(),
            })
            .collect();
        let receivers = every
            .iter()
            .filter(|to| kept.iter().any(|h| may_send(h, to, &reference)))
            .map(|h| HolderChoice {
                key: holder_key(h),
                name: holder_name(h, &reference),
                to: Vec::new(),
            })
            .collect();
        let lots = movements
            .iter()
            .filter(|m| m.kind == MovementKind::Received && kept.contains(&&m.holder))
            .filter_map(|m| {
                Some(DonationLot {
                    holder: holder_key(&m.holder),
                    item: m.item.clone(),
                    donation_id: m.donation_id?.to_string(),
                    label: format!(
                        "{} {} {}",
                        local(m.at.utc).format("%Y-%m-%d"),
                        m.note.as_deref().unwrap_or("捐赠"),
                        m.quantity
                    ),
                })
            })
            .collect();
        Ok(SuppliesBoard {
            may_allocate: staff.role == Role::Street,
            holders,
            receivers,
            lots,
            as_of: local(now).format("%Y-%m-%d %H:%M").to_string(),
            items: item_views(&reference),
            rows: s
                .balances
                .iter()
                .filter(|((h, _), _)| kept.contains(&h))
                .map(|((h, code), b)| stock_row(h, code, b, &reference))
                .collect(),
            awaiting: s.awaiting_receipt().map(transfer).collect(),
            discrepancies: s.discrepancies().map(transfer).collect(),
        })
    }

    /// Records a movement of a holder this laptop keeps (a receipt: of a dispatch to it that
    /// it holds, the quantity that arrived). Stock is never refused for going below zero.
    /// Errors: `not_staff`, `invalid_input`, `not_found`, `not_allowed`, its rules.
    pub fn supplies_record(&self, input: &MovementInput) -> AppResult<SuppliesBoard> {
        let staff = self.supplies_staff()?;
        let reference = self.reference()?;
        let holder = parse_holder(&input.holder, "holder")?;
        self.may_hold(&staff, &reference, &holder, "holder")?;
        let kind: MovementKind = choice(&input.kind, "kind")?;
        stocked_item(&reference, &input.item, "item")?;
        let in_range = match kind {
            MovementKind::Adjustment => input.quantity != 0 && input.quantity.abs() <= MAX_QUANTITY,
            MovementKind::ReceiptConfirmed => (0..=MAX_QUANTITY).contains(&input.quantity),
            _ => input.quantity > 0 && input.quantity <= MAX_QUANTITY,
        };
        if !in_range {
            return Err(AppError::new(
                "invalid_input",
                Some("quantity"),
                "请填写数量（盘点差额可为负数，不能为 0；签收可为 0）",
                "Give the quantity (a count's difference may be negative, not 0; a receipt may be 0)",
            ));
        }
        let to = match kind {
            MovementKind::Dispatched => {
                let to = parse_holder(&input.to, "to")?;
                if holder_place(&to, &reference).is_none() {
                    return Err(AppError::new(
                        "not_found",
                        Some("to"),
                        "这台设备没有接收单位的资料",
                        "This device holds no such receiver",
                    ));
                }
                if !may_send(&holder, &to, &reference) {
                    return Err(AppError::new(
                        "not_allowed",
                        Some("to"),
                        "调拨只能从上级发往下级（街道→社区、卡点，社区→本社区卡点）",
                        "A dispatch goes down the levels: the street to a community or checkpoint, a community to its checkpoints",
                    ));
                }
                Some(to)
            }
            _ => None,
        };
        let transfer_id = match kind {
            MovementKind::ReceiptConfirmed => {
                let id = uuid::Uuid::parse_str(input.transfer_id.trim()).ok();
                let movements = self.store().stock_movements()?;
                let dispatch = movements.iter().find(|m| {
                    Some(m.id) == id
                        && m.kind == MovementKind::Dispatched
                        && m.to.as_ref() == Some(&holder)
                        && m.item == input.item.trim()
                });
                match dispatch {
                    Some(d) => Some(d.id),
                    None => {
                        return Err(AppError::new(
                            "not_found",
                            Some("transfer_id"),
                            "这台设备上没有发给这个单位的这批物资",
                            "This device holds no such dispatch to that holder",
                        ))
                    }
                }
            }
            _ => None,
        };
        let source = match kind {
            MovementKind::Received => Some(choice::<ReceiptSource>(&input.source, "source")?),
            _ => None,
        };
        let donation_id = match (kind, input.donation_id.trim()) {
            (_, "") => None,
            (MovementKind::Dispatched, raw) => {
                let id = uuid::Uuid::parse_str(raw).ok();
                let held = self.store().stock_movements()?.iter().any(|m| {
                    m.kind == MovementKind::Received
                        && m.donation_id.is_some()
                        && m.donation_id == id
                        && m.holder == holder
                        && m.item == input.item.trim()
                });
                if !held {
                    return Err(AppError::new(
                        "not_found",
                        Some("donation_id"),
                        "这个单位没有收到过这批捐赠的这种物资",
                        "That holder received no such item of that donation",
                    ));
                }
                id
            }
            _ => {
                return Err(AppError::new(
                    "invalid_input",
                    Some("donation_id"),
                    "只有调拨可以注明来自哪批捐赠",
                    "Only a dispatch names the donation it sends on",
                ))
            }
        };
        let m = StockMovement {
            id: new_id(),
            item: input.item.trim().to_owned(),
            holder,
            kind,
            quantity: input.quantity,
            to,
            transfer_id,
            source,
            donation_id,
            at: Instant {
                utc: self.now(),
                offset_minutes: CST_MINUTES,
            },
            note: opt(&input.note),
            recorded_by: staff_name(&staff),
        };
        kadian_domain::records::check_stock_movement(&m).map_err(|n| AppError::invalid(vec![n]))?;
        self.store().write_stock_movements(&[m], Source::User)?;
        self.written();
        self.supplies_board()
    }
}

/// A line of a donation as listed.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[ts(export)]
pub struct DonationLineView {
    /// The item's code (`other`: not stocked).
    pub item: String,
    /// 物资名称 as given.
    pub name: String,
    /// 数量 as given.
    #[ts(type = "number")]
    pub quantity: i64,
    /// 单位 as given.
    pub unit: String,
    /// In the item's base units, when known.
    #[ts(type = "number | null")]
    pub base_quantity: Option<i64>,
    /// The base unit (只, mL), empty for what is not stocked.
    pub base_unit: String,
    /// Where it was received (街道仓库, 八一社区), empty when not said.
    pub destination: String,
    /// Where it went on from there (`八一新苑 东门 300只、…`), empty when nowhere yet.
    pub onward: String,
}

/// A donation as listed.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[ts(export)]
pub struct DonationView {
    /// Its id.
    pub id: String,
    /// 捐赠日期 (YYYY-MM-DD).
    pub donated_on: String,
    /// 捐赠方.
    pub donor: Option<String>,
    /// `enterprise`, `group`, `person`.
    pub donor_kind: Option<String>,
    /// 联系人.
    pub contact_name: Option<String>,
    /// 联系电话, masked.
    pub contact_phone: Option<String>,
    /// 接收人.
    pub received_by: Option<String>,
    /// 收据编号.
    pub receipt_number: Option<String>,
    /// Whether the 捐赠公示表 names the donor.
    pub publish: bool,
    /// Its lines.
    pub lines: Vec<DonationLineView>,
}

/// The base units received of one item.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[ts(export)]
pub struct DonationTotal {
    /// The item's name.
    pub item_name: String,
    /// Base units received.
    #[ts(type = "number")]
    pub quantity: i64,
    /// Its base unit.
    pub unit: String,
}

/// The donations this laptop holds (the street's: on a street laptop).
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[ts(export)]
pub struct DonationsBoard {
    /// Whether this laptop records donations (a street laptop).
    pub may_record: bool,
    /// The donations, newest first.
    pub donations: Vec<DonationView>,
    /// Base units received per item.
    pub totals: Vec<DonationTotal>,
    /// Where a donation's line may be received: the street's store and every community.
    pub destinations: Vec<HolderChoice>,
}

/// A donation ledger taken in on a street laptop (导入捐赠台账).
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[ts(export)]
pub struct DonationsTaken {
    /// Donations the ledger holds (a date, a donor and a contact each).
    pub donations: u32,
    /// Of them, new here: stored now with their stock.
    pub written: u32,
    /// Held already, their lines changed by the ledger (a pack size given since): the lines
    /// follow it, the rest as staff left it.
    pub changed: u32,
    /// Held already as the ledger has them.
    pub held_already: u32,
    /// Every row with its status and issues (rows refused are not stored; warned ones are,
    /// without stock when their quantity could not be counted).
    pub report: kadian_registers::import::ImportReport,
    /// The donations after it.
    pub board: DonationsBoard,
}

/// A line of a donation received on a laptop: a stocked item in its base units.
#[derive(Debug, Clone, Default, PartialEq, Deserialize, TS)]
#[ts(export)]
pub struct DonationLineInput {
    /// The item's code.
    pub item: String,
    /// Base units (只, mL).
    #[ts(type = "number")]
    pub quantity: i64,
    /// Where it is received: `street` or `community:<code>`.
    pub destination: String,
}

/// A donation received on a street laptop.
#[derive(Debug, Clone, Default, PartialEq, Deserialize, TS)]
#[ts(export)]
pub struct DonationInput {
    /// 捐赠日期 (YYYY-MM-DD, China; not after today).
    pub donated_on: String,
    /// 捐赠方 (empty: 匿名).
    #[serde(default)]
    pub donor: String,
    /// 联系人.
    #[serde(default)]
    pub contact_name: String,
    /// 联系电话.
    #[serde(default)]
    pub contact_phone: String,
    /// 接收人.
    #[serde(default)]
    pub received_by: String,
    /// 收据编号.
    #[serde(default)]
    pub receipt_number: String,
    /// Whether the 捐赠公示表 names the donor.
    #[serde(default)]
    pub publish: bool,
    /// 备注.
    #[serde(default)]
    pub note: String,
    /// What was given.
    pub lines: Vec<DonationLineInput>,
}

impl AppCore {
    /// The donations this laptop holds, newest first, with where each line went (the
    /// dispatches that name it); the totals per item. Errors: `not_staff`.
    pub fn supplies_donations(&self) -> AppResult<DonationsBoard> {
        let staff = self.supplies_staff()?;
        let reference = self.reference()?;
        let (donations, movements) = {
            let store = self.store();
            (store.donations()?, store.stock_movements()?)
        };
        let lines = kadian_domain::supplies::public_donations(&donations, &movements);
        let mut views: Vec<DonationView> = donations
            .iter()
            .map(|d| DonationView {
                id: d.id.to_string(),
                donated_on: d.donated_on.to_string(),
                donor: d.donor.clone(),
                donor_kind: d
                    .donor_kind
                    .and_then(|k| serde_json::to_value(k).ok())
                    .and_then(|v| v.as_str().map(str::to_owned)),
                contact_name: d.contact_name.clone(),
                contact_phone: d.contact_phone.as_deref().map(super::views::mask_phone),
                received_by: d.received_by.clone(),
                receipt_number: d.receipt_number.clone(),
                publish: d.publish,
                lines: lines
                    .iter()
                    .filter(|l| l.donation_id == d.id)
                    .map(|l| {
                        let unit = reference.supply_items.unit(&l.item);
                        DonationLineView {
                            item: l.item.clone(),
                            name: l.name.clone(),
                            quantity: l.quantity,
                            unit: l.unit.clone(),
                            base_quantity: l.base_quantity,
                            base_unit: unit.to_owned(),
                            destination: l
                                .destination
                                .as_ref()
                                .map(|h| holder_name(h, &reference))
                                .unwrap_or_default(),
                            onward: l
                                .onward
                                .iter()
                                .map(|(h, q)| format!("{} {q}{unit}", holder_name(h, &reference)))
                                .collect::<Vec<_>>()
                                .join("、"),
                        }
                    })
                    .collect(),
            })
            .collect();
        views.reverse();
        let totals = reference
            .supply_items
            .iter()
            .filter_map(|i| {
                let q: i64 = lines
                    .iter()
                    .filter(|l| l.item == i.code)
                    .filter_map(|l| l.base_quantity)
                    .sum();
                (q > 0).then(|| DonationTotal {
                    item_name: i.name.to_owned(),
                    quantity: q,
                    unit: i.unit.to_owned(),
                })
            })
            .collect();
        let destinations = std::iter::once(Holder::Street)
            .chain(
                reference
                    .communities
                    .keys()
                    .map(|code| Holder::Community { code: code.clone() }),
            )
            .map(|h| HolderChoice {
                key: holder_key(&h),
                name: holder_name(&h, &reference),
                to: Vec::new(),
            })
            .collect();
        Ok(DonationsBoard {
            may_record: staff.role == Role::Street,
            donations: views,
            totals,
            destinations,
        })
    }

    /// Records a donation received by the street (a street laptop only): its lines of stocked
    /// items in base units, each received at the street's store or a community; the stock they
    /// bring written with it. Errors: `not_staff`, `not_allowed` (not a street laptop),
    /// `invalid_date` (`donated_on`: unreadable or after today), `invalid_input` (no line, an
    /// item, a quantity, a destination, the phone), its rules.
    pub fn supplies_donation_record(&self, input: &DonationInput) -> AppResult<DonationsBoard> {
        let staff = self.supplies_staff()?;
        if staff.role != Role::Street {
            return Err(AppError::new(
                "not_allowed",
                None,
                "捐赠由街道登记，请在街道的笔记本上登记",
                "The street office records donations: record it on a street laptop",
            ));
        }
        let reference = self.reference()?;
        let donated_on = super::views::parse_day(&input.donated_on, "donated_on")?;
        if donated_on > local(self.now()).date() {
            return Err(AppError::new(
                "invalid_date",
                Some("donated_on"),
                "捐赠日期不能晚于今天",
                "The donation's date is not after today",
            ));
        }
        if input.lines.is_empty() || input.lines.len() > kadian_domain::records::MAX_DONATION_LINES
        {
            return Err(AppError::new(
                "invalid_input",
                Some("lines"),
                "请至少填写一项捐赠物资",
                "Give at least one donated item",
            ));
        }
        let contact_phone =
            match opt(&input.contact_phone) {
                None => None,
                Some(raw) => match kadian_domain::Phone::parse(&raw) {
                    Ok(p) if !p.warnings.iter().any(|w| w.code == "phone_unrecognised") => {
                        Some(p.value.number)
                    }
                    _ => return Err(AppError::new(
                        "invalid_input",
                        Some("contact_phone"),
                        "联系电话应为 11 位手机号或带区号的座机号",
                        "The phone is an 11-digit mobile number or a landline with its area code",
                    )),
                },
            };
        let mut lines = Vec::new();
        for (i, l) in input.lines.iter().enumerate() {
            let field = format!("lines.{i}");
            let item = stocked_item(&reference, &l.item, &format!("{field}.item"))?;
            if l.quantity <= 0 || l.quantity > MAX_QUANTITY {
                return Err(AppError::new(
                    "invalid_input",
                    Some(&format!("{field}.quantity")),
                    &format!("数量应在 1–{MAX_QUANTITY} {} 之间", item.unit),
                    &format!("The quantity is 1–{MAX_QUANTITY} {}", item.unit),
                ));
            }
            let to = parse_holder(&l.destination, "destination")?;
            let known = match &to {
                Holder::Street => true,
                Holder::Community { code } => reference.communities.contains_key(code),
                Holder::Checkpoint { .. } => false,
            };
            if !known {
                return Err(AppError::new(
                    "invalid_input",
                    Some(&format!("{field}.destination")),
                    "请选择接收单位：街道仓库或一个社区",
                    "Choose where it is received: the street's store or a community",
                ));
            }
            lines.push(kadian_domain::records::DonationLine {
                item: item.code.to_owned(),
                name: item.name.to_owned(),
                quantity: l.quantity,
                unit: item.unit.to_owned(),
                base_quantity: Some(l.quantity),
                destination: Some(to),
            });
        }
        let donor = opt(&input.donor);
        let d = kadian_domain::records::Donation {
            id: new_id(),
            donated_on,
            donor_kind: donor
                .as_deref()
                .map(kadian_domain::records::DonorKind::of_name),
            publish: input.publish && donor.is_some(),
            donor,
            contact_name: opt(&input.contact_name),
            contact_phone,
            received_by: opt(&input.received_by),
            receipt_number: opt(&input.receipt_number),
            lines,
            note: opt(&input.note),
            recorded_by: staff_name(&staff),
        };
        kadian_domain::records::check_donation(&d).map_err(|n| AppError::invalid(vec![n]))?;
        self.store().write_donations(&[d], Source::User)?;
        self.written();
        self.supplies_donations()
    }

    /// 导入捐赠台账 on a street laptop: the street's 物资捐赠台账 (.xlsx, .xls, .csv) read as the
    /// server's `import donations` reads it — a donation per date, donor and contact, its
    /// stocked lines received at their 去向 (the street's store or the community named) — and
    /// stored with the stock they bring, in one transaction. Ids come from the street and the
    /// donation, so a ledger taken in twice, here and on the server, is one set of donations.
    /// A donation held already keeps what staff set (published or not, its receipt number)
    /// and takes the ledger's lines when they changed (a pack size given since brings its
    /// stock then). Errors: `not_allowed` (not a street laptop), `file_unreadable` (the file,
    /// no header row), the donations' rules.
    pub fn supplies_import_donations(&self, path: &std::path::Path) -> AppResult<DonationsTaken> {
        let staff = self.supplies_staff()?;
        if staff.role != Role::Street {
            return Err(AppError::new(
                "not_allowed",
                None,
                "捐赠台账由街道的笔记本导入",
                "The donation ledger is taken in on a street laptop",
            ));
        }
        let reference = self.reference()?;
        let communities: Vec<kadian_registers::sites::KnownCommunity> = reference
            .communities
            .values()
            .map(|c| kadian_registers::sites::KnownCommunity {
                code: c.code.clone(),
                name: c.name.clone(),
            })
            .collect();
        let (grid, file) = super::views::read_list(path)?;
        let ledger = kadian_registers::donations::read_donation_ledger(
            &grid,
            &file,
            &communities,
            &reference.known_compounds(),
            &reference.supply_items,
        )
        .map_err(super::views::unreadable)?;
        // `recorded_by` is a reference of at most 64 characters: a long file name is cut.
        let importer: String = format!("import:{file}")
            .chars()
            .take(kadian_domain::records::MAX_REF_CHARS)
            .collect();
        let held: std::collections::HashMap<uuid::Uuid, kadian_domain::records::Donation> = self
            .store()
            .donations()?
            .into_iter()
            .map(|d| (d.id, d))
            .collect();
        let (mut written, mut changed, mut unchanged) = (0u32, 0u32, 0u32);
        let mut to_write = Vec::new();
        for e in &ledger.entries {
            let d = e.donation(&staff.scope.street, &importer);
            match held.get(&d.id) {
                None => {
                    written += 1;
                    to_write.push(d);
                }
                Some(h) if h.lines == d.lines => unchanged += 1,
                Some(h) => {
                    changed += 1;
                    to_write.push(kadian_domain::records::Donation {
                        lines: d.lines,
                        ..h.clone()
                    });
                }
            }
        }
        self.store().write_donations(&to_write, Source::Import)?;
        if !to_write.is_empty() {
            self.written();
        }
        Ok(DonationsTaken {
            donations: u32::try_from(ledger.entries.len()).unwrap_or(u32::MAX),
            written,
            changed,
            held_already: unchanged,
            report: ledger.report,
            board: self.supplies_donations()?,
        })
    }

    /// [`Self::supplies_import_donations`] for a file the window sent as bytes (`file_name`
    /// tells its format). Errors: `file_too_large` (over 64 MB), `file_unreadable`, and that
    /// function's.
    pub fn supplies_import_donations_bytes(
        &self,
        file_name: &str,
        bytes: &[u8],
    ) -> AppResult<DonationsTaken> {
        super::views::with_uploaded_file(file_name, bytes, "donations.xlsx", |path| {
            self.supplies_import_donations(path)
        })
    }

    /// Writes the 捐赠公示表: one row per donated line, by date — the donor (爱心人士 when not to
    /// be named), the item and quantity as given and in base units, where it was received and
    /// where it went on to (the dispatches naming the donation). No phone, no contact.
    /// Errors: `not_staff`, `invalid_format`, `export_failed`.
    pub fn supplies_donations_export(
        &self,
        format: &str,
        dir: &std::path::Path,
    ) -> AppResult<super::views::ExportResult> {
        use kadian_registers::export::{ExportTable, ExportValue};
        let board = self.supplies_donations()?;
        let mut rows = Vec::new();
        for d in board.donations.iter().rev() {
            for l in &d.lines {
                rows.push(vec![
                    ExportValue::Number((rows.len() + 1) as f64),
                    ExportValue::Text(d.donated_on.clone()),
                    ExportValue::Text(match (&d.donor, d.publish) {
                        (Some(name), true) => name.clone(),
                        _ => "爱心人士".to_owned(),
                    }),
                    ExportValue::Text(l.name.clone()),
                    ExportValue::Number(l.quantity as f64),
                    ExportValue::Text(l.unit.clone()),
                    l.base_quantity.map_or(ExportValue::Empty, |q| {
                        ExportValue::Text(format!("{q}{}", l.base_unit))
                    }),
                    ExportValue::Text(l.destination.clone()),
                    ExportValue::Text(l.onward.clone()),
                ]);
            }
        }
        let table = ExportTable {
            sheet: "捐赠公示表".to_owned(),
            headers: [
                "序号",
                "捐赠日期",
                "捐赠方",
                "物资名称",
                "数量",
                "单位",
                "折合",
                "接收单位",
                "下发去向",
            ]
            .into_iter()
            .map(str::to_owned)
            .collect(),
            rows,
        };
        let now = self.now();
        super::views::write_export(&table, "捐赠公示表", format, dir, local(now), 0)
    }

    /// Writes the 物资台账: every movement this laptop holds, by time — the item, the holder,
    /// what it was (入库, 调出, 签收, 使用, 损耗, 盘点), the quantity in base units, the receiver
    /// or the dispatch, the source, who recorded it, the note. Errors: `not_staff`,
    /// `invalid_format`, `export_failed`.
    pub fn supplies_export(
        &self,
        format: &str,
        dir: &std::path::Path,
    ) -> AppResult<super::views::ExportResult> {
        use kadian_registers::export::{ExportTable, ExportValue};
        self.supplies_staff()?;
        let reference = self.reference()?;
        let movements = self.store().stock_movements()?;
        let text = |s: &str| ExportValue::Text(s.to_owned());
        let rows = movements
            .iter()
            .map(|m| {
                vec![
                    ExportValue::DateTime(local(m.at.utc)),
                    text(reference.supply_items.name(&m.item)),
                    text(&holder_name(&m.holder, &reference)),
                    text(match m.kind {
                        MovementKind::Received => "入库",
                        MovementKind::Dispatched => "调出",
                        MovementKind::ReceiptConfirmed => "签收",
                        MovementKind::Used => "使用",
                        MovementKind::Lost => "损耗",
                        MovementKind::Adjustment => "盘点",
                    }),
                    ExportValue::Number(m.quantity as f64),
                    text(reference.supply_items.unit(&m.item)),
                    text(
                        &m.to
                            .as_ref()
                            .map(|h| holder_name(h, &reference))
                            .unwrap_or_default(),
                    ),
                    text(match m.source {
                        Some(ReceiptSource::Purchase) => "采购",
                        Some(ReceiptSource::Donation) => "捐赠",
                        Some(ReceiptSource::Allocation) => "上级下拨",
                        None => "",
                    }),
                    text(&m.recorded_by),
                    m.note.as_deref().map_or(ExportValue::Empty, text),
                ]
            })
            .collect();
        let table = ExportTable {
            sheet: "物资台账".to_owned(),
            headers: [
                "时间",
                "物资",
                "持有单位",
                "类型",
                "数量",
                "单位",
                "接收单位",
                "来源",
                "登记人",
                "备注",
            ]
            .into_iter()
            .map(str::to_owned)
            .collect(),
            rows,
        };
        let now = self.now();
        super::views::write_export(&table, "物资台账", format, dir, local(now), 0)
    }
}

/// One community's line of the allocation plan.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[ts(export)]
pub struct AllocationRow {
    /// The community's code.
    pub community: String,
    /// Its name.
    pub name: String,
    /// Its checkpoints in use.
    pub checkpoints: u32,
    /// Staff-shifts a day at them.
    pub staff_shifts: u32,
    /// Observation cases visited daily.
    pub open_cases: u32,
    /// Households in key areas in force.
    pub key_area_households: u32,
    /// Disinfection slots due a day.
    pub sites_due: u32,
    /// What it and its checkpoints hold.
    #[ts(type = "number")]
    pub on_hand: i64,
    /// On its way to them.
    #[ts(type = "number")]
    pub incoming: i64,
    /// Used by them in the last 7 days.
    #[ts(type = "number")]
    pub used_7d: i64,
    /// Days of cover now, none without use.
    pub days_of_cover: Option<f64>,
    /// What it lacks for the target cover.
    #[ts(type = "number")]
    pub need: i64,
    /// What the street proposes to send.
    #[ts(type = "number")]
    pub proposed: i64,
}

/// The street's allocation plan for one item.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[ts(export)]
pub struct AllocationPlan {
    /// The item's code.
    pub item: String,
    /// Its name.
    pub item_name: String,
    /// Its base unit.
    pub unit: String,
    /// What the street's store holds now.
    #[ts(type = "number")]
    pub store_on_hand: i64,
    /// What is shared out.
    #[ts(type = "number")]
    pub available: i64,
    /// The days of cover aimed at.
    pub target_days: u32,
    /// One line per community, in the street's order.
    pub rows: Vec<AllocationRow>,
}

/// A line of a plan as approved.
#[derive(Debug, Clone, Default, PartialEq, Deserialize, TS)]
#[ts(export)]
pub struct AllocationLineInput {
    /// The community's code.
    pub community: String,
    /// What is sent (base units; 0: nothing).
    #[ts(type = "number")]
    pub quantity: i64,
    /// What the plan proposed.
    #[ts(type = "number")]
    pub proposed: i64,
    /// Why the quantity differs from the proposal (needed then).
    #[serde(default)]
    pub reason: String,
}

/// A plan approved on the street laptop.
#[derive(Debug, Clone, Default, PartialEq, Deserialize, TS)]
#[ts(export)]
pub struct AllocationInput {
    /// The item's code.
    pub item: String,
    /// Its lines.
    pub lines: Vec<AllocationLineInput>,
}

/// Most days of cover a plan may aim at.
pub const MAX_TARGET_DAYS: u32 = 60;

impl AppCore {
    fn street_supplies_staff(&self) -> AppResult<crate::store::Enrolment> {
        let staff = self.supplies_staff()?;
        if staff.role != Role::Street {
            return Err(AppError::new(
                "not_allowed",
                None,
                "分配方案由街道制定，请在街道的笔记本上操作",
                "The street office makes the allocation plan: use a street laptop",
            ));
        }
        Ok(staff)
    }

    /// The street's proposal for sharing an item among its communities (a street laptop
    /// only): `available` base units (0: all the store holds), first what each lacks for
    /// `target_days` of cover at its measured use, then the rest by workload — its checkpoints'
    /// staff-shifts, open observation cases, key-area households and disinfection slots due
    /// today ([`kadian_domain::supplies::propose_allocation`]). Errors: `not_staff`,
    /// `not_allowed`, `invalid_input` (item, available, target_days).
    pub fn supplies_allocation(
        &self,
        item: &str,
        available: i64,
        target_days: u32,
    ) -> AppResult<AllocationPlan> {
        use kadian_domain::supplies::{propose_allocation, Workload, STAFF_SHIFTS_PER_CHECKPOINT};
        self.street_supplies_staff()?;
        let it = stocked_item(&self.reference()?, item, "item")?;
        if !(0..=MAX_QUANTITY).contains(&available) {
            return Err(AppError::new(
                "invalid_input",
                Some("available"),
                &format!("可分配数量应在 0–{MAX_QUANTITY} 之间（0：仓库现有全部）"),
                &format!("The quantity to share is 0–{MAX_QUANTITY} (0: all the store holds)"),
            ));
        }
        if !(1..=MAX_TARGET_DAYS).contains(&target_days) {
            return Err(AppError::new(
                "invalid_input",
                Some("target_days"),
                &format!("目标可用天数应在 1–{MAX_TARGET_DAYS} 天之间"),
                &format!("The target cover is 1–{MAX_TARGET_DAYS} days"),
            ));
        }
        let reference = self.reference()?;
        let now = self.now();
        let today = local(now).date();
        let (movements, cases, sites) = {
            let store = self.store();
            (
                store.stock_movements()?,
                store.observation_cases()?,
                store.disinfection_sites()?,
            )
        };
        let s = stock(&movements, now);
        let community_of = |h: &Holder| match h {
            Holder::Street => None,
            Holder::Community { code } => Some(code.clone()),
            Holder::Checkpoint { id } => holder_place(h, &reference)
                .and_then(|(c, _)| c)
                .or_else(|| Some(format!("?{id}"))),
        };
        let store_on_hand = s
            .balances
            .get(&(Holder::Street, it.code.to_owned()))
            .map_or(0, |b| b.on_hand);
        // Key-area households counted as the 日报 counts them (a household in two overlapping
        // areas once), per community.
        let (areas, changes, households, visits) = self.key_area_day_facts(today, today)?;
        let mut key_area_units = std::collections::HashMap::new();
        kadian_domain::key_areas::add_day(
            &areas,
            &changes,
            &households,
            &visits,
            today,
            |a| kadian_domain::figures::Unit::Community(a.community_code.as_str().into()),
            &mut key_area_units,
        );
        let mut workloads: Vec<Workload> = Vec::new();
        for code in reference.communities.keys() {
            let compounds: Vec<&str> = reference
                .compounds
                .values()
                .filter(|k| &k.community == code)
                .map(|k| k.id.as_str())
                .collect();
            let checkpoints = reference
                .checkpoints
                .values()
                .filter(|c| c.retired_at.is_none() && compounds.contains(&c.compound.as_str()))
                .count() as u32;
            let mut w = Workload {
                community: code.clone(),
                staff_shifts: checkpoints * STAFF_SHIFTS_PER_CHECKPOINT,
                open_cases: cases
                    .iter()
                    .filter(|(c, _, _, t)| {
                        &c.community_code == code
                            && kadian_domain::observation::fold_status(c.start_date, t)
                                .status
                                .active()
                    })
                    .count() as u32,
                key_area_households: key_area_units
                    .get(&kadian_domain::figures::Unit::Community(
                        code.as_str().into(),
                    ))
                    .map_or(0, |f| f.key_area_households),
                sites_due: sites
                    .iter()
                    .filter(|x| x.community_code.as_ref() == Some(code) && x.active_on(today))
                    .map(|x| u32::from(x.times_per_day))
                    .sum(),
                ..Workload::default()
            };
            for ((h, i), b) in &s.balances {
                if *i == it.code && community_of(h).as_ref() == Some(code) {
                    w.on_hand += b.on_hand;
                    w.incoming += b.incoming;
                    w.used_7d += b.used_7d;
                }
            }
            workloads.push(w);
        }
        let available = if available == 0 {
            store_on_hand.max(0)
        } else {
            available
        };
        let proposals = propose_allocation(available, target_days, &workloads);
        let rows = workloads
            .iter()
            .zip(proposals)
            .map(|(w, p)| {
                let balance = kadian_domain::supplies::Balance {
                    on_hand: w.on_hand,
                    used_7d: w.used_7d,
                    incoming: w.incoming,
                };
                AllocationRow {
                    name: holder_name(
                        &Holder::Community {
                            code: w.community.clone(),
                        },
                        &reference,
                    ),
                    community: w.community.clone(),
                    checkpoints: w.staff_shifts / STAFF_SHIFTS_PER_CHECKPOINT,
                    staff_shifts: w.staff_shifts,
                    open_cases: w.open_cases,
                    key_area_households: w.key_area_households,
                    sites_due: w.sites_due,
                    on_hand: w.on_hand,
                    incoming: w.incoming,
                    used_7d: w.used_7d,
                    days_of_cover: balance.days_of_cover(),
                    need: p.need,
                    proposed: p.proposed,
                }
            })
            .collect();
        Ok(AllocationPlan {
            item: it.code.to_owned(),
            item_name: it.name.to_owned(),
            unit: it.unit.to_owned(),
            store_on_hand,
            available,
            target_days,
            rows,
        })
    }

    /// Approves a plan (a street laptop only): one dispatch from the street's store to each
    /// community with a quantity, in one transaction, its note the plan and, where staff
    /// changed the proposal, why. More than the store holds is sent all the same (the stock
    /// shows below zero, in red). Errors: `not_staff`, `not_allowed`, `invalid_input` (item, no
    /// line, a community twice or unknown, a quantity, a changed line without its reason).
    pub fn supplies_allocation_approve(&self, input: &AllocationInput) -> AppResult<SuppliesBoard> {
        let staff = self.street_supplies_staff()?;
        let reference = self.reference()?;
        let it = stocked_item(&reference, &input.item, "item")?;
        let mut seen = std::collections::HashSet::new();
        let mut dispatches = Vec::new();
        let at = Instant {
            utc: self.now(),
            offset_minutes: CST_MINUTES,
        };
        for (i, l) in input.lines.iter().enumerate() {
            let field = |f: &str| format!("lines.{i}.{f}");
            if !reference.communities.contains_key(&l.community) || !seen.insert(&l.community) {
                return Err(AppError::new(
                    "invalid_input",
                    Some(&field("community")),
                    "方案中的社区无效或重复",
                    "A community of the plan is unknown or listed twice",
                ));
            }
            if !(0..=MAX_QUANTITY).contains(&l.quantity) {
                return Err(AppError::new(
                    "invalid_input",
                    Some(&field("quantity")),
                    &format!("数量应在 0–{MAX_QUANTITY} 之间"),
                    &format!("The quantity is 0–{MAX_QUANTITY}"),
                ));
            }
            let reason = opt(&l.reason);
            if l.quantity != l.proposed && reason.is_none() {
                return Err(AppError::new(
                    "invalid_input",
                    Some(&field("reason")),
                    "改动了建议数量，请写明原因",
                    "The quantity differs from the proposal: say why",
                ));
            }
            if l.quantity == 0 {
                continue;
            }
            dispatches.push(StockMovement {
                id: new_id(),
                item: it.code.to_owned(),
                holder: Holder::Street,
                kind: MovementKind::Dispatched,
                quantity: l.quantity,
                to: Some(Holder::Community {
                    code: l.community.clone(),
                }),
                transfer_id: None,
                source: None,
                donation_id: None,
                at,
                note: Some(match reason {
                    Some(r) if l.quantity != l.proposed => format!(
                        "分配方案（建议 {}，调整：{}）",
                        l.proposed,
                        r.chars().take(400).collect::<String>()
                    ),
                    _ => "分配方案".to_owned(),
                }),
                recorded_by: staff_name(&staff),
            });
        }
        if dispatches.is_empty() {
            return Err(AppError::new(
                "invalid_input",
                Some("lines"),
                "方案中没有要发出的数量",
                "The plan sends nothing",
            ));
        }
        for m in &dispatches {
            kadian_domain::records::check_stock_movement(m)
                .map_err(|n| AppError::invalid(vec![n]))?;
        }
        self.store()
            .write_stock_movements(&dispatches, Source::User)?;
        self.written();
        self.supplies_board()
    }
}

/// What a shift used of one item.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[ts(export)]
pub struct ShiftUse {
    /// The item's code.
    pub item: String,
    /// Its name.
    pub item_name: String,
    /// Base units used this shift.
    #[ts(type = "number")]
    pub quantity: i64,
    /// Its base unit.
    pub unit: String,
}

/// The gate's supplies on its tablet: this checkpoint's stock, the deliveries to confirm, what
/// this shift recorded as used.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[ts(export)]
pub struct GateSupplies {
    /// The checkpoint's name (八一新苑 东门).
    pub checkpoint: String,
    /// The street's items.
    pub items: Vec<ItemView>,
    /// Its stock of every item it has moved.
    pub rows: Vec<StockRow>,
    /// Deliveries to it awaiting confirmation.
    pub awaiting: Vec<TransferRow>,
    /// What this shift recorded as used.
    pub used_this_shift: Vec<ShiftUse>,
}

impl AppCore {
    /// The checkpoint's supplies on its tablet, for the volunteer on duty: its stock counted
    /// now, the deliveries to it awaiting confirmation, what this shift recorded as used.
    /// Errors: `not_a_gate`, `not_signed_in`.
    pub fn supplies_gate(&self) -> AppResult<GateSupplies> {
        let checkpoint = self.enrolled_checkpoint()?;
        let shift = self.on_duty()?;
        let reference = self.reference()?;
        let holder = Holder::Checkpoint { id: checkpoint };
        let movements = self.store().stock_movements()?;
        let now = self.now();
        let s = stock(&movements, now);
        let rows = s
            .balances
            .iter()
            .filter(|((h, _), _)| h == &holder)
            .map(|((h, code), b)| stock_row(h, code, b, &reference))
            .collect();
        let awaiting = s
            .awaiting_receipt()
            .filter(|t| t.to == holder)
            .map(|t| transfer_row(t, &reference))
            .collect();
        let used_this_shift = reference
            .supply_items
            .iter()
            .filter_map(|i| {
                let q: i64 = movements
                    .iter()
                    .filter(|m| {
                        m.kind == MovementKind::Used
                            && m.holder == holder
                            && m.item == i.code
                            && m.recorded_by == shift.volunteer_id
                            && m.at.utc >= shift.started_at
                    })
                    .map(|m| m.quantity)
                    .sum();
                (q > 0).then(|| ShiftUse {
                    item: i.code.to_owned(),
                    item_name: i.name.to_owned(),
                    quantity: q,
                    unit: i.unit.to_owned(),
                })
            })
            .collect();
        Ok(GateSupplies {
            checkpoint: holder_name(&holder, &reference),
            items: item_views(&reference),
            rows,
            awaiting,
            used_this_shift,
        })
    }

    /// Confirms a delivery to this checkpoint with what arrived (0: nothing), signed by the
    /// volunteer on duty with their PIN. Errors: `not_a_gate`, `not_signed_in`, `pin_locked`,
    /// `pin_wrong`, `not_found` (no such delivery to this checkpoint waiting here),
    /// `invalid_input` (quantity).
    pub fn supplies_gate_confirm(
        &self,
        transfer_id: &str,
        quantity: i64,
        pin: &str,
    ) -> AppResult<GateSupplies> {
        let checkpoint = self.enrolled_checkpoint()?;
        let shift = self.on_duty()?;
        self.volunteer_with_pin(&shift.volunteer_id, pin)?;
        if !(0..=MAX_QUANTITY).contains(&quantity) {
            return Err(AppError::new(
                "invalid_input",
                Some("quantity"),
                "请填写实收数量（什么也没收到填 0）",
                "Give the quantity that arrived (nothing: 0)",
            ));
        }
        let holder = Holder::Checkpoint { id: checkpoint };
        let id = uuid::Uuid::parse_str(transfer_id.trim()).ok();
        let movements = self.store().stock_movements()?;
        let s = stock(&movements, self.now());
        let Some(dispatch) = s
            .awaiting_receipt()
            .find(|t| Some(t.id) == id && t.to == holder)
        else {
            return Err(AppError::new(
                "not_found",
                Some("transfer_id"),
                "没有待本卡点签收的这批物资（可能已签收）",
                "No such delivery waits for this checkpoint (it may be confirmed already)",
            ));
        };
        let m = StockMovement {
            id: new_id(),
            item: dispatch.item.clone(),
            holder,
            kind: MovementKind::ReceiptConfirmed,
            quantity,
            to: None,
            transfer_id: Some(dispatch.id),
            source: None,
            donation_id: None,
            at: Instant {
                utc: self.now(),
                offset_minutes: CST_MINUTES,
            },
            note: None,
            recorded_by: shift.volunteer_id.clone(),
        };
        kadian_domain::records::check_stock_movement(&m).map_err(|n| AppError::invalid(vec![n]))?;
        self.store().write_stock_movements(&[m], Source::User)?;
        self.written();
        self.supplies_gate()
    }

    /// Records what this shift used of an item at this checkpoint (at hand-over): 1 to
    /// [`MAX_QUANTITY`] base units. Stock is never refused for going below zero. Errors:
    /// `not_a_gate`, `not_signed_in`, `invalid_input` (item, quantity).
    pub fn supplies_gate_used(&self, item: &str, quantity: i64) -> AppResult<GateSupplies> {
        let checkpoint = self.enrolled_checkpoint()?;
        let shift = self.on_duty()?;
        let it = stocked_item(&self.reference()?, item, "item")?;
        if quantity <= 0 || quantity > MAX_QUANTITY {
            return Err(AppError::new(
                "invalid_input",
                Some("quantity"),
                &format!("用量应在 1–{MAX_QUANTITY} {} 之间", it.unit),
                &format!("The quantity used is 1–{MAX_QUANTITY} {}", it.unit),
            ));
        }
        let m = StockMovement {
            id: new_id(),
            item: it.code.to_owned(),
            holder: Holder::Checkpoint { id: checkpoint },
            kind: MovementKind::Used,
            quantity,
            to: None,
            transfer_id: None,
            source: None,
            donation_id: None,
            at: Instant {
                utc: self.now(),
                offset_minutes: CST_MINUTES,
            },
            note: None,
            recorded_by: shift.volunteer_id.clone(),
        };
        kadian_domain::records::check_stock_movement(&m).map_err(|n| AppError::invalid(vec![n]))?;
        self.store().write_stock_movements(&[m], Source::User)?;
        self.written();
        self.supplies_gate()
    }
}
