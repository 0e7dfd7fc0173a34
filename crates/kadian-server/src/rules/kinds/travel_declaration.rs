//! A travel declaration (event) belongs with the device that took it.

use kadian_domain::records::TravelDeclaration;

use super::{Placed, Placing};

/// Places a declaration.
pub fn place(r: &TravelDeclaration, at: &Placing<'_>) -> Placed {
    let (community, compound) = at.own();
    Placed {
        community,
        compound,
        event_at: Some(r.declared_at.utc),
        ..Placed::default()
    }
}
