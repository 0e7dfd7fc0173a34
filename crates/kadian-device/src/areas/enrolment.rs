//! The enrolment screen's facts: what this device is enrolled as, with its place's name.

use serde::Serialize;
use ts_rs::TS;

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
}

impl AppCore {
    /// What the device is enrolled as (without its token), with the name of its place
    /// (`八一新苑 东门` for a tablet), or `None` when it is not enrolled.
    pub fn enrolment_info(&self) -> AppResult<Option<EnrolmentInfo>> {
        let store = self.store();
        let Some(e) = store.enrolment()? else {
            return Ok(None);
        };
        let name_of = |kind: &str, id: &Option<String>| -> Option<String> {
            let id = id.as_ref()?;
            store
                .reference(kind)
                .ok()?
                .into_iter()
                .find(|(k, _)| k == id)
                .and_then(|(_, b)| b["name"].as_str().map(str::to_owned))
        };
        let compound = name_of("compound", &e.scope.compound);
        let place_name = match (name_of("checkpoint", &e.scope.checkpoint), &compound) {
            (Some(gate), Some(c)) => Some(format!("{c} {gate}")),
            (Some(gate), None) => Some(gate),
            (None, _) => compound.or_else(|| name_of("community", &e.scope.community)),
        };
        Ok(Some(EnrolmentInfo {
            server_url: e.server_url,
            role: e.role.as_str().to_owned(),
            street: e.scope.street,
            community: e.scope.community,
            compound: e.scope.compound,
            checkpoint: e.scope.checkpoint,
            place_name,
            reenrol_needed: store.reenrol_needed()?,
        }))
    }
}
