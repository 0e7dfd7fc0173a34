//! 物资 (supplies) on a staff laptop, offline from its own store: the stock of every holder it
//! sees, per item (on hand, the last 7 days' use, days of cover, in transit; out or low
//! flagged), the dispatches awaiting receipt and the differences receivers found; a movement
//! recorded (received, dispatched, receipt confirmed, used, lost, counted). Stock on hand is
//! `kadian_domain::supplies::stock`, the sum of movements, as the server's `report supplies`
//! counts it: never typed, so two laptops offline never overwrite each other.

use kadian_domain::records::{
    new_id, supply_item, transfer_allowed, Holder, Instant, MovementKind, ReceiptSource, Source,
    StockMovement, ITEMS, MAX_QUANTITY,
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
        let item = |code: &str| supply_item(code);
        let transfer = |t: &Transfer| {
            let i = item(&t.item);
            TransferRow {
                id: t.id.to_string(),
                item: t.item.clone(),
                item_name: i.map_or_else(|| t.item.clone(), |i| i.name.to_owned()),
                unit: i.map(|i| i.unit.to_owned()).unwrap_or_default(),
                from: holder_name(&t.from, &reference),
                to: holder_name(&t.to, &reference),
                to_holder: holder_key(&t.to),
                sent: t.sent,
                received: t.received,
                difference: t.difference(),
                at: local(t.at).format("%Y-%m-%d %H:%M").to_string(),
            }
        };
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
        Ok(SuppliesBoard {
            holders,
            receivers,
            as_of: local(now).format("%Y-%m-%d %H:%M").to_string(),
            items: ITEMS
                .iter()
                .map(|i| ItemView {
                    code: i.code.to_owned(),
                    name: i.name.to_owned(),
                    unit: i.unit.to_owned(),
                    pack_size: i.pack_size,
                })
                .collect(),
            rows: s
                .balances
                .iter()
                .filter(|((h, _), _)| kept.contains(&h))
                .map(|((h, code), b)| {
                    let i = item(code);
                    StockRow {
                        holder: holder_key(h),
                        holder_name: holder_name(h, &reference),
                        item: code.clone(),
                        item_name: i.map_or_else(|| code.clone(), |i| i.name.to_owned()),
                        unit: i.map(|i| i.unit.to_owned()).unwrap_or_default(),
                        on_hand: b.on_hand,
                        used_7d: b.used_7d,
                        days_of_cover: b.days_of_cover(),
                        incoming: b.incoming,
                        short: b.short(),
                    }
                })
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
        if supply_item(input.item.trim()).is_none() {
            return Err(AppError::new(
                "invalid_input",
                Some("item"),
                "请选择物资",
                "Choose an item",
            ));
        }
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
        let m = StockMovement {
            id: new_id(),
            item: input.item.trim().to_owned(),
            holder,
            kind,
            quantity: input.quantity,
            to,
            transfer_id,
            source,
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
