//! A stock movement (物资出入库, event) comes from staff, acting for the holder whose stock it
//! changes, or from a checkpoint tablet for its own checkpoint only, and only what a gate does
//! with its stock: a delivery confirmed, what a shift used, what was lost. Staff act for the street's store from a street laptop, a community's from its community's (or
//! the street's), a checkpoint's from its compound's, community's, zone's or street's — a place
//! the device sees, never one it could only add to (a compound laptop keeps no community
//! stock). It is placed where that stock lies: anything at its holder's place, a dispatch at
//! its receiver's, which is the sender's or below it (`transfer_allowed`: down the levels, so
//! the sender and the receiver both see it, and the receipt placed at the receiver's).
//! A receipt names its dispatch by id, never as a target: one that arrives before its dispatch
//! is kept and counts once the dispatch is there.

use kadian_domain::records::{Holder, MovementKind, StockMovement};
use kadian_domain::sync::ApiError;

use super::{Placed, Placing};
use crate::rules::reject;

/// Where a holder's stock lies: the street (nowhere below it), a community, a checkpoint's
/// compound. Errors: `unknown_community`, `unknown_checkpoint`.
fn holder_place(
    h: &Holder,
    at: &Placing<'_>,
) -> Result<(Option<String>, Option<String>), ApiError> {
    match h {
        Holder::Street => Ok((None, None)),
        Holder::Community { code } if at.reference.communities.contains_key(code) => {
            Ok((Some(code.clone()), None))
        }
        Holder::Community { code } => Err(reject(
            "unknown_community",
            format!("本街道没有这个社区 / the street has no community {code}"),
        )),
        Holder::Checkpoint { id } => at.at_checkpoint(id),
    }
}

/// An item the street stocks (its list: [`kadian_domain::records::SupplyItems`]). Errors:
/// `unknown_item`.
pub fn stocked(item: &str, at: &Placing<'_>) -> Result<(), ApiError> {
    match at.reference.supply_items.item(item) {
        Some(_) => Ok(()),
        None => Err(reject(
            "unknown_item",
            format!("本街道没有这种物资 / the street does not stock {item}"),
        )),
    }
}

/// Places a movement. Errors: `unknown_item` (an item the street does not stock),
/// `not_allowed` (from a checkpoint tablet: anything but its own checkpoint's receipt, use or
/// loss; a dispatch sideways or up), `out_of_scope` (a holder the device does not act for),
/// `unknown_community`, `unknown_checkpoint`.
pub fn place(m: &StockMovement, at: &Placing<'_>) -> Result<Placed, ApiError> {
    stocked(&m.item, at)?;
    if at.device.role == kadian_domain::sync::Role::Volunteer {
        let own = matches!(&m.holder, Holder::Checkpoint { id } if Some(id) == at.device.scope.checkpoint.as_ref());
        let gate_kind = matches!(
            m.kind,
            MovementKind::ReceiptConfirmed | MovementKind::Used | MovementKind::Lost
        );
        if !(own && gate_kind) {
            return Err(reject(
                "not_allowed",
                "卡点平板只能为本卡点签收、登记用量和损耗 / a checkpoint tablet records only its own checkpoint's receipts, use and losses",
            ));
        }
    }
    let (community, compound) = holder_place(&m.holder, at)?;
    if !crate::rules::scope::can_see(
        at.device,
        at.reference,
        community.as_deref(),
        compound.as_deref(),
    ) {
        return Err(crate::rules::out_of_scope());
    }
    let (community, compound) = match (&m.kind, &m.to) {
        (MovementKind::Dispatched, Some(to)) => {
            let there = holder_place(to, at)?;
            if !kadian_domain::records::transfer_allowed(
                (community.as_deref(), compound.as_deref()),
                (there.0.as_deref(), there.1.as_deref()),
            ) {
                return Err(reject(
                    "not_allowed",
                    "调拨只能从上级发往下级（街道→社区、卡点，社区→本社区卡点）/ a dispatch goes down the levels: street to a community or checkpoint, a community to its checkpoints",
                ));
            }
            there
        }
        _ => (community, compound),
    };
    Ok(Placed {
        community,
        compound,
        event_at: Some(m.at.utc),
        ..Placed::default()
    })
}
