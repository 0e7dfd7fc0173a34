//! The volunteer list of a compound, kept by its staff on their laptop: who may sign in at the
//! compound's gates, and with which PIN (4–6 digits). The PIN is hashed here (Argon2id) and only
//! the hash is stored and synced; the compound's tablets pull the list and check PINs offline.
//! A volunteer who leaves is retired, not deleted: the records they made still name them.

use kadian_domain::records::volunteer::{check_volunteer_name, hash_pin, volunteer_id, Volunteer};
use kadian_domain::records::RecordKind;
use kadian_domain::sync::Role;
use serde::Serialize;
use ts_rs::TS;

use crate::app_error::{AppError, AppResult};
use crate::core::AppCore;

/// A volunteer as the compound laptop lists them (never with the PIN or its hash).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[ts(export)]
pub struct VolunteerEntry {
    /// Id (UUIDv5 of compound and name).
    pub id: String,
    /// Name on the sign-in list.
    pub name: String,
    /// The compound's id.
    pub compound_id: String,
    /// The compound's name.
    pub compound_name: String,
    /// No longer signs in.
    pub retired: bool,
    /// The last change is not on the server yet: waiting to sync, or refused (the sync bar's
    /// panel of rejected records says why).
    pub pending: bool,
}

/// A compound whose volunteers this device keeps (for the form's compound picker).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[ts(export)]
pub struct CompoundChoice {
    /// Compound id.
    pub id: String,
    /// Its name.
    pub name: String,
}

fn not_staff() -> AppError {
    AppError::new(
        "not_staff",
        None,
        "只有小区、片区、社区或街道工作人员的设备可以管理志愿者",
        "Only compound, zone, community or street staff devices manage volunteers",
    )
}

impl AppCore {
    /// The compounds whose volunteers this device keeps: a compound laptop its own; a community
    /// laptop those of its community; the street all. Errors: `not_staff` (a tablet or a device
    /// not enrolled).
    fn managed_compounds(&self) -> AppResult<Vec<(String, String)>> {
        let enrolment = self
            .store()
            .enrolment()?
            .filter(|e| e.role != Role::Volunteer)
            .ok_or_else(not_staff)?;
        let compounds = self.reference()?.compounds.into_values().filter_map(|c| {
            let mine = match enrolment.role {
                Role::Volunteer => false, // refused above
                Role::Compound => enrolment.scope.compound.as_deref() == Some(c.id.as_str()),
                Role::Community => {
                    enrolment.scope.community.as_deref() == Some(c.community.as_str())
                }
                // A zone laptop holds its zone's compounds only.
                Role::Street | Role::Zone => true,
            };
            mine.then_some((c.id, c.name))
        });
        Ok(compounds.collect())
    }

    /// The compounds whose volunteers this device keeps, by name. Errors: `not_staff`.
    pub fn volunteer_compounds(&self) -> AppResult<Vec<CompoundChoice>> {
        let r = self.reference()?;
        let mut list: Vec<CompoundChoice> = self
            .managed_compounds()?
            .into_iter()
            .map(|(id, name)| CompoundChoice { id, name })
            // A retired compound takes no new volunteers.
            .filter(|c| {
                r.compounds
                    .get(&c.id)
                    .is_none_or(|k| k.retired_at.is_none())
            })
            .collect();
        list.sort_by(|a, b| a.name.cmp(&b.name));
        Ok(list)
    }

    /// The volunteers of the compounds this device keeps, by compound and name, retired ones
    /// last. Errors: `not_staff`.
    pub fn volunteer_list(&self) -> AppResult<Vec<VolunteerEntry>> {
        let compounds = self.managed_compounds()?;
        let pending = self.store().unsent_ids(RecordKind::Volunteer.as_str())?;
        let mut list: Vec<VolunteerEntry> = self
            .all_volunteers()?
            .into_iter()
            .filter_map(|v| {
                let (_, compound_name) = compounds.iter().find(|(c, _)| *c == v.compound)?;
                let id = v.id.to_string();
                Some(VolunteerEntry {
                    pending: pending.contains(&id),
                    id,
                    name: v.name,
                    compound_id: v.compound,
                    compound_name: compound_name.clone(),
                    retired: v.retired,
                })
            })
            .collect();
        list.sort_by(|a, b| {
            (a.retired, &a.compound_name, &a.name).cmp(&(b.retired, &b.compound_name, &b.name))
        });
        Ok(list)
    }

    /// Adds a volunteer to a compound's sign-in list with `pin`, or gives the volunteer of that
    /// name a new PIN (and brings them back if retired). `compound_id`: which compound; a
    /// compound laptop may leave it out. The change syncs like any record; tablets see it after
    /// their next sync.
    ///
    /// Errors: `not_staff`; `unknown_compound` (not one this device keeps); `invalid_input` with
    /// field `name` (`name_missing`, `name_too_long`) or `pin` (`pin_format`).
    pub fn volunteer_save(
        &self,
        compound_id: Option<&str>,
        name: &str,
        pin: &str,
    ) -> AppResult<VolunteerEntry> {
        let compounds = self.managed_compounds()?;
        let compound = match compound_id {
            Some(c) => compounds.iter().find(|(id, _)| id == c),
            None if compounds.len() == 1 => compounds.first(),
            None => None,
        }
        .ok_or_else(|| {
            AppError::new(
                "unknown_compound",
                Some("compound"),
                "请选择本设备负责的小区",
                "Choose a compound this device looks after",
            )
        })?;
        let mut notices = Vec::new();
        let name = check_volunteer_name(name).map_err(|n| notices.push(n)).ok();
        let pin_hash = hash_pin(pin).map_err(|n| notices.push(n)).ok();
        let (Some(name), Some(pin_hash)) = (name, pin_hash) else {
            return Err(AppError::invalid(notices));
        };
        let volunteer = Volunteer {
            id: volunteer_id(&compound.0, &name),
            name,
            compound: compound.0.clone(),
            pin_hash,
            retired: false,
        };
        self.store().put_volunteer(&volunteer)?;
        self.written();
        self.volunteer_entry(&volunteer.id.to_string())
    }

    /// Retires a volunteer (they can no longer sign in, and a shift they are on ends at their
    /// next registration), or brings them back with the PIN they had when `retired` is false.
    /// Errors: `not_staff`, `unknown_volunteer`.
    pub fn volunteer_retire(&self, id: &str, retired: bool) -> AppResult<VolunteerEntry> {
        let mut volunteer = self.managed_volunteer(id)?;
        volunteer.retired = retired;
        self.store().put_volunteer(&volunteer)?;
        self.written();
        self.volunteer_entry(id)
    }

    fn managed_volunteer(&self, id: &str) -> AppResult<Volunteer> {
        let compounds = self.managed_compounds()?;
        self.all_volunteers()?
            .into_iter()
            .find(|v| v.id.to_string() == id)
            .filter(|v| compounds.iter().any(|(c, _)| *c == v.compound))
            .ok_or_else(|| {
                AppError::new(
                    "unknown_volunteer",
                    Some("volunteer"),
                    "本设备负责的小区没有这位志愿者",
                    "No such volunteer in the compounds this device looks after",
                )
            })
    }

    fn volunteer_entry(&self, id: &str) -> AppResult<VolunteerEntry> {
        self.volunteer_list()?
            .into_iter()
            .find(|v| v.id == id)
            .ok_or_else(|| {
                AppError::new(
                    "unknown_volunteer",
                    None,
                    "找不到这位志愿者",
                    "No such volunteer",
                )
            })
    }
}
