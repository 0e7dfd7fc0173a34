//! A donation (entity) is the street office's: only a street laptop records it (the donation
//! ledger is the street's, 平原街道党政办's), and it is placed at the street, seen by street
//! devices only. What it brings to a community's stock is its received movements, placed
//! where that stock lies ([`super::stock_movement`]).

use kadian_domain::records::Donation;
use kadian_domain::sync::{ApiError, Role};

use super::{Placed, Placing};
use crate::rules::reject;

/// Places a donation at the street. Errors: `not_allowed` (from any device but a street
/// laptop), `unknown_item` (a line of an item the street does not stock, `other` aside),
/// `unknown_community`, `unknown_checkpoint` (a line sent where the street has nothing).
pub fn place(d: &Donation, at: &Placing<'_>) -> Result<Placed, ApiError> {
    if at.device.role != Role::Street {
        return Err(reject(
            "not_allowed",
            "捐赠只能由街道登记 / only the street office records donations",
        ));
    }
    for l in &d.lines {
        if l.item != kadian_domain::records::OTHER_ITEM {
            super::stock_movement::stocked(&l.item, at)?;
        }
    }
    for to in d.lines.iter().filter_map(|l| l.destination.as_ref()) {
        match to {
            kadian_domain::records::Holder::Street => {}
            kadian_domain::records::Holder::Community { code } => {
                if !at.reference.communities.contains_key(code) {
                    return Err(reject(
                        "unknown_community",
                        format!("本街道没有这个社区 / the street has no community {code}"),
                    ));
                }
            }
            kadian_domain::records::Holder::Checkpoint { id } => {
                at.at_checkpoint(id)?;
            }
        }
    }
    Ok(Placed::default())
}
