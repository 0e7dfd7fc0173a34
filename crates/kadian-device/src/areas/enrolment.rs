//! The enrolment screen's facts: what this device is enrolled as, with its place's name.

use kadian_domain::sync::Role;
use serde::Serialize;
use ts_rs::TS;

use super::views::street_label;

use crate::app_error::AppResult;
use crate::core::AppCore;

/// What the device is enrolled as (without its token).
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[ts(export)]
pub struct EnrolmentInfo {
    /// Server address.
    pub server_url: String,
    /// `volunteer`, `compound`, `community` or `street`.
    pub role: String,
    /// Street division code (9 digits).
    pub street: String,
    /// Community code (12 digits).
    pub community: Option<String>,
    /// Compound id.
    pub compound: Option<String>,
    /// Checkpoint id (tablets).
    pub checkpoint: Option<String>,
    /// The checkpoint's, compound's or community's name, when the reference data has arrived.
    pub place_name: Option<String>,
    /// The server asked for a new enrolment (revoked token); local data is kept.
    pub reenrol_needed: bool,
    /// When the street retired this device's checkpoint or compound (China time,
    /// `2026-12-06 16:50`), if it did: new records made there are refused by the server, and the
    /// device is to be enrolled at another place.
    pub place_retired_at: Option<String>,
}

impl AppCore {
    /// What the device is enrolled as (without its token), with the name of its place
    /// (`八一新苑 东门` for a tablet), or `None` when it is not enrolled.
    pub fn enrolment_info(&self) -> AppResult<Option<EnrolmentInfo>> {
        let Some(e) = self.store().enrolment()? else {
            return Ok(None);
        };
        let r = self.reference()?;
        let store = self.store();
        // The most precise place this device knows the name of.
        let place_name = (e.scope.checkpoint.as_deref())
            .and_then(|gate| r.checkpoint_label(gate))
            .or_else(|| {
                let compound = e.scope.compound.as_deref()?;
                r.compound_name(compound).map(str::to_owned)
            })
            .or_else(|| {
                let community = e.scope.community.as_deref()?;
                r.communities.get(community).map(|c| c.name.clone())
            })
            .or_else(|| {
                let zone = e.scope.zone.as_deref()?;
                r.zones.get(zone).map(|z| z.name.clone())
            })
            // A street laptop: its street, known from its enrolment.
            .or_else(|| (e.role == Role::Street).then(|| street_label(&e)));
        let place_retired_at = r
            .retired_at(e.scope.checkpoint.as_deref(), e.scope.compound.as_deref())
            .map(|at| {
                crate::local_time::local(at)
                    .format("%Y-%m-%d %H:%M")
                    .to_string()
            });
        Ok(Some(EnrolmentInfo {
            server_url: e.server_url,
            role: e.role.as_str().to_owned(),
            street: e.scope.street,
            community: e.scope.community,
            compound: e.scope.compound,
            checkpoint: e.scope.checkpoint,
            place_name,
            reenrol_needed: store.reenrol_needed()?,
            place_retired_at,
        }))
    }
}
