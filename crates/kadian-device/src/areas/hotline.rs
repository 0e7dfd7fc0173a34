//! 热线举报 (hotline reports) on a staff laptop, offline from its own store: intake with the
//! persons and open reports it may repeat, assignment to a community or compound, the lists
//! (to do here, taken in here, open, overdue), a report's page with its history, the steps on it
//! (accept, start, check result with disposition, close, reopen, reassign), the district's check
//! list taken in (one report per person to check) and its 核查反馈表. Where a report stands and
//! whether it is late are `kadian_domain::hotline`'s fold, as the server's `report hotline`
//! counts them.

use std::path::Path;

use chrono::{DateTime, Utc};
use kadian_domain::hotline::{
    china_day, figures, fold, timeliness, HotlineFigures, HotlineStatus, ReportFacts, ReportState,
    Timeliness,
};
use kadian_domain::records::{
    device_tag, hotline_number, new_id, CheckFinding, HotlineCategory, HotlineChannel,
    HotlineReport, Instant, ReportAction, ReportActionKind, ReportDisposition, Source, Urgency,
};
use kadian_domain::sync::Role;
use kadian_domain::{Phone, ResidentIdNumber};
use serde::{Deserialize, Serialize};
use ts_rs::TS;
use uuid::Uuid;

use super::views::{
    choice, mask_document, mask_phone, opt, staff_name, write_export, ExportResult,
};
use crate::app_error::{AppError, AppResult};
use crate::core::AppCore;
use crate::local_time::{local, CST_MINUTES};
use crate::reference::ReferenceData;
use crate::store::HotlineWrite;

/// The most rows a list shows at once (the rest are counted).
pub const MAX_LISTED: usize = 500;

/// A report as the lists show it.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[ts(export)]
pub struct HotlineRow {
    /// Report id.
    pub id: String,
    /// Its number (`411402001-20200204-K7Q3MA-003`).
    pub number: String,
    /// Received, China time (`2020-02-04 20:00`).
    pub received_at: String,
    /// `phone`, `wechat`, `walk_in`, `district_list`.
    pub channel: String,
    /// The district's batch, for a check list's row.
    pub batch: Option<u32>,
    /// `returnee_hubei`, `returnee_elsewhere`, `close_contact`, `symptoms`,
    /// `observation_breach`, `gathering`, `other`.
    pub category: String,
    /// `urgent` or `normal`.
    pub urgency: String,
    /// The person to check, by name (or `（未留姓名）`).
    pub subject: String,
    /// Their phone, masked.
    pub subject_phone: Option<String>,
    /// Their ID number, masked.
    pub subject_id_number: Option<String>,
    /// Their address as reported.
    pub address: Option<String>,
    /// Where it is assigned: the compound's name, else the community's, else `街道`.
    pub assigned_to: String,
    /// The staff member it is assigned to.
    pub assignee: Option<String>,
    /// `received`, `assigned`, `checking`, `checked`, `disposed`, `closed`; `moved` for a copy
    /// held where it was reassigned from (history here).
    pub status: String,
    /// What the check found (`already_registered`, …), if anything yet.
    pub result: Option<String>,
    /// What was done (`observation_opened`, …).
    pub disposition: Option<String>,
    /// To be assigned by (China time).
    pub assign_due: String,
    /// To be checked by (China time).
    pub check_due: String,
    /// Still waiting past a deadline (red).
    pub overdue: bool,
    /// Two results disagree: staff must settle it.
    pub conflicting: bool,
    /// Taken in on this device.
    pub taken_here: bool,
}

/// A span's figures, as the server's `report hotline` counts them.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[ts(export)]
pub struct HotlineFiguresView {
    /// Received.
    pub received: u32,
    /// Checked.
    pub checked: u32,
    /// Late on a deadline.
    pub overdue: u32,
    /// Home observation opened.
    pub observation_opened: u32,
    /// Not closed.
    pub open: u32,
    /// With disagreeing results.
    pub conflicting: u32,
    /// Median minutes from receipt to the first result.
    pub median_minutes_to_check: Option<u32>,
}

impl From<HotlineFigures> for HotlineFiguresView {
    fn from(f: HotlineFigures) -> Self {
        HotlineFiguresView {
            received: f.received,
            checked: f.checked,
            overdue: f.overdue,
            observation_opened: f.observation_opened,
            open: f.open,
            conflicting: f.conflicting,
            median_minutes_to_check: f.median_minutes_to_check,
        }
    }
}

/// Which reports a list shows.
#[derive(Debug, Clone, PartialEq, Deserialize, TS)]
#[ts(export)]
pub struct HotlineQuery {
    /// `todo` (assigned to this laptop's unit and not closed; on a street laptop: not yet
    /// assigned), `taken_here` (taken in on this device), `open`, `overdue`, `all`.
    pub filter: String,
    /// Only this district batch.
    #[serde(default)]
    #[ts(optional = nullable)]
    pub batch: Option<u32>,
}

/// A list and the figures of its reports.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[ts(export)]
pub struct HotlineList {
    /// The reports, overdue first, then by deadline.
    pub rows: Vec<HotlineRow>,
    /// Reports beyond those listed.
    pub more: u32,
    /// Every report held here received in the 7 China days up to today.
    pub week: HotlineFiguresView,
}

/// One step in a report's history.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[ts(export)]
pub struct ReportActionView {
    /// When, China time.
    pub at: String,
    /// `accept`, `assign`, `reassign`, `start_check`, `check_result`, `disposition`, `close`,
    /// `reopen`.
    pub kind: String,
    /// Who.
    pub recorded_by: String,
    /// What it says (`核查结果：新发现`, `交办：八一新苑`, a reason).
    pub detail: String,
}

/// A report's page.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[ts(export)]
pub struct HotlinePage {
    /// The report as listed.
    pub row: HotlineRow,
    /// The reporter (`匿名` when anonymous), phone masked.
    pub reporter: String,
    /// What was reported.
    pub description: Option<String>,
    /// The registered person it concerns, when known.
    pub person_id: Option<String>,
    /// The observation case its disposition opened.
    pub case_id: Option<String>,
    /// The results that disagree, when they do.
    pub conflicting: Vec<String>,
    /// Its history, oldest first.
    pub actions: Vec<ReportActionView>,
}

/// What intake takes.
#[derive(Debug, Clone, PartialEq, Deserialize, TS)]
#[ts(export)]
pub struct HotlineIntake {
    /// `phone`, `wechat`, `walk_in`.
    pub channel: String,
    /// The category (see [`HotlineRow::category`]).
    pub category: String,
    /// `urgent` or `normal`.
    pub urgency: String,
    /// The reporter's name; empty: anonymous.
    #[serde(default)]
    pub reporter_name: String,
    /// The reporter's phone.
    #[serde(default)]
    pub reporter_phone: String,
    /// The person to check.
    #[serde(default)]
    pub subject_name: String,
    /// Their phone.
    #[serde(default)]
    pub subject_phone: String,
    /// Their ID number.
    #[serde(default)]
    pub subject_id_number: String,
    /// Their address.
    #[serde(default)]
    pub subject_address: String,
    /// What was said.
    #[serde(default)]
    pub description: String,
    /// The registered person it concerns (picked from the candidates), if any.
    #[serde(default)]
    #[ts(optional = nullable)]
    pub person_id: Option<String>,
    /// Assigned to this compound (its id); empty: by the address, else this laptop's own unit.
    #[serde(default)]
    pub compound: String,
    /// Or to this community (its code), when no compound.
    #[serde(default)]
    pub community: String,
    /// And to this staff member.
    #[serde(default)]
    pub assignee: String,
}

/// A step on a report.
#[derive(Debug, Clone, PartialEq, Deserialize, TS)]
#[ts(export)]
pub struct HotlineActionInput {
    /// The report.
    pub report_id: String,
    /// `accept`, `start_check`, `check`, `close`, `reopen`, `reassign`.
    pub kind: String,
    /// For `check`: what it found.
    #[serde(default)]
    pub result: String,
    /// For `check`: what was done (optional).
    #[serde(default)]
    pub disposition: String,
    /// For `check` with result `duplicate`: the other report's number.
    #[serde(default)]
    pub duplicate_of: String,
    /// For `check`: the person found or already registered.
    #[serde(default)]
    #[ts(optional = nullable)]
    pub person_id: Option<String>,
    /// For `check` with `observation_opened`: the case opened (the observation screen opens it
    /// first).
    #[serde(default)]
    #[ts(optional = nullable)]
    pub case_id: Option<String>,
    /// For `check`: close it in the same step.
    #[serde(default)]
    pub close: bool,
    /// The reason (reassign, reopen) or a note.
    #[serde(default)]
    pub note: String,
    /// For `reassign`: the compound (id); empty: the community's own.
    #[serde(default)]
    pub compound: String,
    /// For `reassign`: the community (code); empty with no compound: back to the street.
    #[serde(default)]
    pub community: String,
    /// For `reassign`: the staff member.
    #[serde(default)]
    pub assignee: String,
}

/// What a check list's import did.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[ts(export)]
pub struct CheckListTaken {
    /// The batch.
    pub batch: u32,
    /// Reports written now.
    pub written: u32,
    /// Reports held already (the list imported before, here or on the server).
    pub held_already: u32,
    /// Reports left at the street (the address names no compound).
    pub unassigned: u32,
    /// The row report.
    pub report: kadian_registers::ImportReport,
}

/// What intake shows as you type: persons held here and open reports it may repeat.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[ts(export)]
pub struct HotlineCandidates {
    /// Persons held here that the name, phone or ID number finds (at most 10).
    pub persons: Vec<CandidatePerson>,
    /// Reports not closed about the same phone or ID number, or the same name (at most 10).
    pub reports: Vec<HotlineRow>,
}

/// A person intake may mean.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[ts(export)]
pub struct CandidatePerson {
    /// Person id.
    pub id: String,
    /// Name.
    pub name: String,
    /// ID number, masked.
    pub id_number: Option<String>,
    /// Phone, masked.
    pub phone: Option<String>,
    /// Where they live (`八一新苑 3号楼2单元501`).
    pub address: String,
    /// What matched: `id_number`, `phone`, `name`, …
    pub matched_by: String,
}

/// What intake has typed so far.
#[derive(Debug, Clone, PartialEq, Deserialize, TS)]
#[ts(export)]
pub struct CandidateQuery {
    /// Name.
    #[serde(default)]
    pub name: String,
    /// Phone (whole or its last digits).
    #[serde(default)]
    pub phone: String,
    /// ID number (whole or its last characters).
    #[serde(default)]
    pub id_number: String,
}

/// Most bytes of a check list file (a real one is a few hundred KB).
pub const MAX_CHECK_LIST_BYTES: usize = super::views::MAX_UPLOAD_BYTES;

fn china(at: DateTime<Utc>) -> String {
    local(at).format("%Y-%m-%d %H:%M").to_string()
}

fn word<T: Serialize>(v: &T) -> String {
    serde_json::to_value(v)
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_default()
}

fn result_zh(r: CheckFinding) -> &'static str {
    match r {
        CheckFinding::AlreadyRegistered => "已在册",
        CheckFinding::NewPersonFound => "新发现",
        CheckFinding::NotFound => "查无此人",
        CheckFinding::FalseReport => "不实举报",
        CheckFinding::Duplicate => "重复举报",
    }
}

fn disposition_zh(d: ReportDisposition) -> &'static str {
    match d {
        ReportDisposition::ObservationOpened => "已落实居家观察",
        ReportDisposition::ReferredToResponseGroup => "转应急处置组",
        ReportDisposition::Advised => "劝导",
        ReportDisposition::HandedToHealthCommission => "移交卫健委",
        ReportDisposition::NoAction => "无需处置",
    }
}

/// Where a report is assigned, by name.
fn assigned_to(r: &HotlineReport, reference: &ReferenceData) -> String {
    if let Some(k) = &r.compound {
        return reference
            .compounds
            .get(k)
            .map(|c| c.name.clone())
            .unwrap_or(k.clone());
    }
    if let Some(c) = &r.community_code {
        return reference
            .communities
            .get(c)
            .map(|c| c.name.clone())
            .unwrap_or(c.clone());
    }
    "街道".into()
}

/// Home observation opened from a report: the ids its steps name, and what to write with them.
struct CaseOpening {
    case_id: Uuid,
    person_id: Uuid,
    /// A person registered now (none: one held here).
    person: Option<kadian_domain::records::Person>,
    /// The case (none: held already).
    case: Option<kadian_domain::records::ObservationCase>,
}

/// Everything the lists read: each report with its state and timeliness.
struct Held {
    reports: Vec<HotlineReport>,
    actions: Vec<ReportAction>,
    states: Vec<ReportState>,
    timeliness: Vec<Timeliness>,
}

impl AppCore {
    fn hotline_staff(&self) -> AppResult<crate::store::Enrolment> {
        let e = self.enrolled()?;
        if e.role == Role::Volunteer {
            return Err(AppError::new(
                "not_staff",
                None,
                "热线举报只在小区、片区、社区和街道的笔记本上",
                "Hotline reports are on compound, zone, community and street laptops only",
            ));
        }
        Ok(e)
    }

    fn hotline_held(&self) -> AppResult<Held> {
        let (reports, actions) = {
            let store = self.store();
            (store.hotline_reports()?, store.report_actions()?)
        };
        let policy = self.reference()?.hotline;
        let now = self.now();
        let mut by_report: std::collections::HashMap<Uuid, Vec<&ReportAction>> =
            std::collections::HashMap::new();
        for a in &actions {
            by_report.entry(a.report_id).or_default().push(a);
        }
        let states: Vec<ReportState> = reports
            .iter()
            .map(|r| {
                fold(
                    r,
                    r.received_at.utc,
                    by_report.get(&r.id).into_iter().flatten().copied(),
                    |a| a.at.utc,
                )
            })
            .collect();
        let timeliness = reports
            .iter()
            .zip(&states)
            .map(|(r, s)| timeliness(&policy, r, r.received_at.utc, s, now))
            .collect();
        Ok(Held {
            reports,
            actions,
            states,
            timeliness,
        })
    }

    fn hotline_row(
        &self,
        r: &HotlineReport,
        s: &ReportState,
        t: &Timeliness,
        reference: &ReferenceData,
        tag: &str,
    ) -> HotlineRow {
        HotlineRow {
            id: r.id.to_string(),
            number: r.number.clone(),
            received_at: china(r.received_at.utc),
            channel: word(&r.channel),
            batch: r.batch,
            category: word(&r.category),
            urgency: word(&r.urgency),
            subject: r
                .subject_name
                .clone()
                .unwrap_or_else(|| "（未留姓名）".into()),
            subject_phone: r.subject_phone.as_deref().map(mask_phone),
            subject_id_number: r.subject_id_number.as_deref().map(mask_document),
            address: r.subject_address.clone(),
            assigned_to: assigned_to(r, reference),
            assignee: r.assignee.clone(),
            status: if kadian_domain::hotline::moved_away(r, s) {
                "moved".into()
            } else {
                word(&s.status)
            },
            result: s.result.map(|x| word(&x)),
            disposition: s.disposition.map(|x| word(&x)),
            assign_due: china(t.assign_due),
            check_due: china(t.check_due),
            overdue: t.overdue_now,
            conflicting: !s.conflicting.is_empty(),
            taken_here: r.number.split('-').nth(2) == Some(tag),
        }
    }

    /// The hotline list this laptop shows: `todo` (assigned to its unit and not closed; a
    /// street laptop: not yet assigned), `taken_here`, `open`, `overdue` or `all`, of one
    /// district batch when given; overdue first, then by deadline; with the week's figures.
    /// Errors: `not_staff`, `invalid_input` (filter).
    pub fn hotline_list(&self, q: &HotlineQuery) -> AppResult<HotlineList> {
        let staff = self.hotline_staff()?;
        let reference = self.reference()?;
        let held = self.hotline_held()?;
        let tag = device_tag(&staff.device_id);
        let scope = &staff.scope;
        let mine = |r: &HotlineReport| match staff.role {
            Role::Street => r.community_code.is_none(),
            Role::Community => r.community_code == scope.community && r.compound.is_none(),
            Role::Compound => r.compound.is_some() && r.compound == scope.compound,
            Role::Zone => r
                .compound
                .as_ref()
                .is_some_and(|k| reference.compounds.contains_key(k)),
            Role::Volunteer => false,
        };
        let mut rows: Vec<(bool, DateTime<Utc>, HotlineRow)> = Vec::new();
        for ((r, s), t) in held.reports.iter().zip(&held.states).zip(&held.timeliness) {
            if q.batch.is_some_and(|b| r.batch != Some(b)) {
                continue;
            }
            // Reassigned elsewhere since this copy: history here, in 全部 only.
            let moved = kadian_domain::hotline::moved_away(r, s);
            let open = s.status != HotlineStatus::Closed && !moved;
            let keep = match q.filter.as_str() {
                "todo" => open && mine(r),
                "taken_here" => r.number.split('-').nth(2) == Some(tag.as_str()),
                "open" => open,
                "overdue" => t.overdue_now && !moved,
                "all" => true,
                _ => {
                    return Err(AppError::new(
                        "invalid_input",
                        Some("filter"),
                        "列表只有：待办、本机接报、未办结、超时、全部",
                        "The lists are todo, taken_here, open, overdue and all",
                    ))
                }
            };
            if keep {
                // What it waits for next: its assignment, else its check.
                let due = if s.assigned_at.is_none() {
                    t.assign_due
                } else {
                    t.check_due
                };
                rows.push((
                    !t.overdue_now,
                    due,
                    self.hotline_row(r, s, t, &reference, &tag),
                ));
            }
        }
        rows.sort_by(|a, b| (a.0, a.1, &a.2.number).cmp(&(b.0, b.1, &b.2.number)));
        let more = rows.len().saturating_sub(MAX_LISTED);
        let today = china_day(self.now());
        let facts = held
            .reports
            .iter()
            .zip(&held.states)
            .zip(&held.timeliness)
            .filter(|((r, s), _)| !kadian_domain::hotline::moved_away(r, s))
            .map(|((r, s), t)| ReportFacts {
                received: r.received_at.utc,
                state: s,
                timeliness: *t,
            });
        let week = figures(facts, today - chrono::Days::new(6), today);
        Ok(HotlineList {
            rows: rows
                .into_iter()
                .take(MAX_LISTED)
                .map(|(_, _, r)| r)
                .collect(),
            more: u32::try_from(more).unwrap_or(u32::MAX),
            week: week.into(),
        })
    }

    /// A report's page: the report, who reported it, its history and where it stands. Errors:
    /// `not_staff`, `not_found`.
    pub fn hotline_page(&self, id: &str) -> AppResult<HotlinePage> {
        let staff = self.hotline_staff()?;
        let reference = self.reference()?;
        let held = self.hotline_held()?;
        let i = Uuid::parse_str(id.trim())
            .ok()
            .and_then(|id| held.reports.iter().position(|r| r.id == id))
            .ok_or_else(not_found)?;
        let (r, s, t) = (&held.reports[i], &held.states[i], &held.timeliness[i]);
        let tag = device_tag(&staff.device_id);
        let mut actions: Vec<&ReportAction> = held
            .actions
            .iter()
            .filter(|a| a.report_id == r.id)
            .collect();
        actions.sort_by_key(|a| (a.at.utc, a.id));
        let unit = |community: &Option<String>, compound: &Option<String>| {
            let mut probe = r.clone();
            probe.community_code.clone_from(community);
            probe.compound.clone_from(compound);
            assigned_to(&probe, &reference)
        };
        Ok(HotlinePage {
            row: self.hotline_row(r, s, t, &reference, &tag),
            reporter: match (&r.reporter_name, &r.reporter_phone) {
                (None, None) => "匿名".into(),
                (n, p) => [n.clone(), p.as_deref().map(mask_phone)]
                    .into_iter()
                    .flatten()
                    .collect::<Vec<_>>()
                    .join(" "),
            },
            description: r.description.clone(),
            person_id: s.person_id.or(r.person_id).map(|p| p.to_string()),
            case_id: s.case_id.map(|c| c.to_string()),
            conflicting: s.conflicting.iter().map(word).collect(),
            actions: actions
                .into_iter()
                .map(|a| ReportActionView {
                    at: china(a.at.utc),
                    kind: word(&a.kind),
                    recorded_by: a.recorded_by.clone(),
                    detail: [
                        matches!(
                            a.kind,
                            ReportActionKind::Assign | ReportActionKind::Reassign
                        )
                        .then(|| {
                            format!(
                                "交办：{}{}",
                                unit(&a.community_code, &a.compound),
                                a.assignee
                                    .as_deref()
                                    .map(|x| format!(" {x}"))
                                    .unwrap_or_default()
                            )
                        }),
                        a.result.map(|x| format!("核查结果：{}", result_zh(x))),
                        a.disposition
                            .map(|x| format!("处置：{}", disposition_zh(x))),
                        a.note.clone(),
                    ]
                    .into_iter()
                    .flatten()
                    .collect::<Vec<_>>()
                    .join("；"),
                })
                .collect(),
        })
    }

    /// Checks that this laptop may assign a report to (`community`, `compound`): a street
    /// laptop anywhere, a community laptop within its community, a compound laptop only its own
    /// compound or back to its community (the server refuses the rest too). Errors:
    /// `not_allowed`.
    fn may_assign(
        &self,
        staff: &crate::store::Enrolment,
        community: &Option<String>,
        compound: &Option<String>,
    ) -> AppResult<()> {
        let s = &staff.scope;
        let ok = match staff.role {
            Role::Street => true,
            Role::Community => community.is_some() && *community == s.community,
            Role::Compound => {
                *community == s.community && (compound.is_none() || *compound == s.compound)
            }
            // A zone laptop holds its zone's compounds only: it assigns within them.
            Role::Zone => compound.as_ref().is_some_and(|k| {
                self.reference().is_ok_and(|r| {
                    r.compounds
                        .get(k)
                        .is_some_and(|c| Some(&c.community) == community.as_ref())
                })
            }),
            Role::Volunteer => false,
        };
        if ok {
            Ok(())
        } else {
            Err(AppError::new(
                "not_allowed",
                Some("compound"),
                "这台设备不能把举报交办到那里：请交回上级，由社区或街道改派",
                "This device cannot assign the report there: hand it back and let the community or street reassign it",
            ))
        }
    }

    /// Resolves an assignment: the compound given (its community with it), else the community
    /// given, else the compound the address names, else this laptop's own unit (a street
    /// laptop: the street). Errors: `not_found` (a compound or community this device does not
    /// hold).
    fn assignment(
        &self,
        staff: &crate::store::Enrolment,
        reference: &ReferenceData,
        compound: &str,
        community: &str,
        address: Option<&str>,
    ) -> AppResult<(
        Option<String>,
        Option<String>,
        Option<kadian_registers::SplitAddress>,
    )> {
        if let Some(k) = opt(compound) {
            let c = reference.compounds.get(&k).ok_or_else(|| {
                AppError::new(
                    "not_found",
                    Some("compound"),
                    "这台设备没有这个小区的资料",
                    "This device holds no compound by that id",
                )
            })?;
            return Ok((Some(c.community.clone()), Some(k), None));
        }
        if let Some(c) = opt(community) {
            if !reference.communities.contains_key(&c) {
                return Err(AppError::new(
                    "not_found",
                    Some("community"),
                    "这台设备没有这个社区的资料",
                    "This device holds no community by that code",
                ));
            }
            return Ok((Some(c), None, None));
        }
        let known: Vec<kadian_registers::KnownCompound> = reference.known_compounds();
        if let Some(a) = address {
            let split = kadian_registers::split_address(a, &known);
            if let Some(k) = split.compound.and_then(|i| known.get(i)) {
                let place = (Some(k.community_code.clone()), Some(k.id.clone()));
                if self.may_assign(staff, &place.0, &place.1).is_ok() {
                    return Ok((place.0, place.1, Some(split)));
                }
            }
        }
        Ok((
            staff.scope.community.clone(),
            staff.scope.compound.clone(),
            None,
        ))
    }

    /// Takes in a report (接报): checked (an ID number or phone must be readable; at least one
    /// of name, phone, ID number or address), numbered from this device's own counter of the
    /// day, assigned (see [`Self::assignment`]) with its `assign` step in the same transaction.
    /// Errors: `not_staff`, `invalid_input` (the field says which), `not_found`, `not_allowed`.
    pub fn hotline_intake(&self, input: &HotlineIntake) -> AppResult<HotlinePage> {
        let staff = self.hotline_staff()?;
        let reference = self.reference()?;
        let now = self.now();
        let channel: HotlineChannel = choice(&input.channel, "channel")?;
        if channel == HotlineChannel::DistrictList {
            return Err(AppError::new(
                "invalid_input",
                Some("channel"),
                "区下发核查名单请用“导入核查名单”",
                "Take a district list in with “import check list”",
            ));
        }
        let phone = |raw: &str, field: &str| -> AppResult<Option<String>> {
            opt(raw)
                .map(|p| {
                    let refused = |n: &kadian_domain::Notice| {
                        AppError::new("invalid_input", Some(field), &n.message, &n.message_en)
                    };
                    let checked = Phone::parse(&p).map_err(|n| refused(&n))?;
                    // A number no phone has is no way to call anyone back.
                    match checked
                        .warnings
                        .iter()
                        .find(|w| w.code == "phone_unrecognised")
                    {
                        Some(w) => Err(refused(w)),
                        None => Ok(checked.value.number),
                    }
                })
                .transpose()
        };
        let today = local(now).date();
        let id_number = opt(&input.subject_id_number)
            .map(|raw| {
                ResidentIdNumber::parse(&raw, today)
                    .map(|c| c.value.as_str().to_owned())
                    .map_err(|n| {
                        AppError::new(
                            "invalid_input",
                            Some("subject_id_number"),
                            &n.message,
                            &n.message_en,
                        )
                    })
            })
            .transpose()?;
        let person_id = input
            .person_id
            .as_deref()
            .and_then(opt)
            .map(|p| {
                Uuid::parse_str(&p).map_err(|_| {
                    AppError::new(
                        "not_found",
                        Some("person_id"),
                        "这台设备上没有这个人",
                        "This device holds no such person",
                    )
                })
            })
            .transpose()?;
        let address = opt(&input.subject_address);
        let (community, compound, split) = self.assignment(
            &staff,
            &reference,
            &input.compound,
            &input.community,
            address.as_deref(),
        )?;
        self.may_assign(&staff, &community, &compound)?;
        let seq = self.store().take_hotline_sequence(today)?;
        let report = HotlineReport {
            id: new_id(),
            number: hotline_number(
                &staff.scope.street,
                today,
                &device_tag(&staff.device_id),
                seq,
            ),
            received_at: Instant {
                utc: now,
                offset_minutes: CST_MINUTES,
            },
            channel,
            batch: None,
            reporter_name: opt(&input.reporter_name),
            reporter_phone: phone(&input.reporter_phone, "reporter_phone")?,
            subject_name: opt(&input.subject_name),
            subject_phone: phone(&input.subject_phone, "subject_phone")?,
            subject_id_number: id_number,
            subject_address: address,
            building: split.as_ref().and_then(|s| s.building.clone()),
            unit: split.as_ref().and_then(|s| s.unit.clone()),
            room: split.as_ref().and_then(|s| s.room.clone()),
            person_id,
            category: choice::<HotlineCategory>(&input.category, "category")?,
            urgency: choice::<Urgency>(&input.urgency, "urgency")?,
            description: opt(&input.description),
            community_code: community.clone(),
            compound: compound.clone(),
            assignee: opt(&input.assignee),
            assigned_at: (community.is_some() || !input.assignee.trim().is_empty()).then_some(
                Instant {
                    utc: now,
                    offset_minutes: CST_MINUTES,
                },
            ),
            assigned_by: None,
            recorded_by: staff_name(&staff),
        };
        let mut report = report;
        let assign = (community.is_some() || report.assignee.is_some()).then(|| ReportAction {
            community_code: community,
            compound,
            assignee: report.assignee.clone(),
            ..self.action(&staff, report.id, ReportActionKind::Assign)
        });
        report.assigned_by = assign.as_ref().map(|a| a.id);
        kadian_domain::records::check_hotline_report(&report)
            .map_err(|n| AppError::invalid(vec![n]))?;
        let mut steps = vec![HotlineWrite::report(report.clone())];
        steps.extend(assign.map(HotlineWrite::action));
        self.store().write_hotline(&steps, Source::User)?;
        self.written();
        self.hotline_page(&report.id.to_string())
    }

    fn action(
        &self,
        staff: &crate::store::Enrolment,
        report_id: Uuid,
        kind: ReportActionKind,
    ) -> ReportAction {
        ReportAction {
            id: new_id(),
            report_id,
            kind,
            at: Instant {
                utc: self.now(),
                offset_minutes: CST_MINUTES,
            },
            recorded_by: staff_name(staff),
            community_code: None,
            compound: None,
            assignee: None,
            result: None,
            duplicate_of: None,
            person_id: None,
            disposition: None,
            case_id: None,
            note: None,
            replaces: None,
        }
    }

    /// Records a step on a report: `accept`, `start_check`, `check` (its result, with a
    /// disposition and closing in the same transaction when given), `close`, `reopen` (with a
    /// reason) or `reassign` (with a reason: the step first, then the report moved, so the
    /// unit it leaves keeps the step). Errors: `not_staff`, `not_found`, `invalid_input`,
    /// `not_allowed`, the step's rules.
    pub fn hotline_act(&self, input: &HotlineActionInput) -> AppResult<HotlinePage> {
        let staff = self.hotline_staff()?;
        let report_id = Uuid::parse_str(input.report_id.trim()).map_err(|_| not_found())?;
        let mut report = self
            .store()
            .hotline_report(report_id)?
            .ok_or_else(not_found)?;
        let uuid_of = |raw: &Option<String>, field: &str| -> AppResult<Option<Uuid>> {
            raw.as_deref()
                .and_then(opt)
                .map(|s| {
                    Uuid::parse_str(&s).map_err(|_| {
                        AppError::new(
                            "not_found",
                            Some(field),
                            "这台设备上没有这条记录",
                            "This device holds no such record",
                        )
                    })
                })
                .transpose()
        };
        let note = opt(&input.note);
        let mut steps: Vec<HotlineWrite> = Vec::new();
        let mut opened: Option<CaseOpening> = None;
        match input.kind.as_str() {
            "accept" => steps.push(HotlineWrite::action(self.action(
                &staff,
                report_id,
                ReportActionKind::Accept,
            ))),
            "start_check" => steps.push(HotlineWrite::action(self.action(
                &staff,
                report_id,
                ReportActionKind::StartCheck,
            ))),
            "check" => {
                let result: CheckFinding = choice(&input.result, "result")?;
                let duplicate_of = if result == CheckFinding::Duplicate {
                    let number = input.duplicate_of.trim();
                    let other = self
                        .store()
                        .hotline_reports()?
                        .into_iter()
                        .find(|r| r.number == number || r.id.to_string() == number)
                        .filter(|r| r.id != report_id)
                        .ok_or_else(|| {
                            AppError::new(
                                "not_found",
                                Some("duplicate_of"),
                                "请填写与它重复的那条举报的编号",
                                "Give the number of the report it repeats",
                            )
                        })?;
                    Some(other.id)
                } else {
                    None
                };
                let person_id = uuid_of(&input.person_id, "person_id")?;
                // The result this laptop holds (since the report was last opened): a recheck
                // replaces it rather than disagreeing with it.
                let mut held = self.store().report_actions_of(report_id)?;
                held.sort_by_key(|a| (a.at.utc, a.id));
                let replaces = held.iter().fold(None, |last, a| match a.kind {
                    ReportActionKind::CheckResult => Some(a.id),
                    ReportActionKind::Reopen => None,
                    _ => last,
                });
                steps.push(HotlineWrite::action(ReportAction {
                    result: Some(result),
                    duplicate_of,
                    person_id,
                    replaces,
                    note: note.clone(),
                    ..self.action(&staff, report_id, ReportActionKind::CheckResult)
                }));
                if let Some(d) = opt(&input.disposition) {
                    let disposition: ReportDisposition = choice(&d, "disposition")?;
                    let mut case_id = uuid_of(&input.case_id, "case_id")?;
                    let mut person_id = person_id;
                    if disposition == ReportDisposition::ObservationOpened && case_id.is_none() {
                        // One tap: the case is opened here, for the person found (or the one
                        // reported, registered now), in the same transaction as the steps.
                        let opening = self.open_case_from_report(&report, person_id)?;
                        case_id = Some(opening.case_id);
                        person_id = Some(opening.person_id);
                        opened = Some(opening);
                        if let Some(HotlineWrite::Action(a)) = steps.last_mut() {
                            a.person_id = person_id;
                        }
                    }
                    steps.push(HotlineWrite::action(ReportAction {
                        disposition: Some(disposition),
                        case_id: case_id
                            .filter(|_| disposition == ReportDisposition::ObservationOpened),
                        person_id,
                        ..self.action(&staff, report_id, ReportActionKind::Disposition)
                    }));
                }
                if input.close {
                    steps.push(HotlineWrite::action(self.action(
                        &staff,
                        report_id,
                        ReportActionKind::Close,
                    )));
                }
            }
            "close" => steps.push(HotlineWrite::action(ReportAction {
                note,
                ..self.action(&staff, report_id, ReportActionKind::Close)
            })),
            "reopen" => steps.push(HotlineWrite::action(ReportAction {
                note,
                ..self.action(&staff, report_id, ReportActionKind::Reopen)
            })),
            "reassign" => {
                let reference = self.reference()?;
                let (community, compound) = match (opt(&input.compound), opt(&input.community)) {
                    (None, None) => (None, None),
                    _ => {
                        let (c, k, _) = self.assignment(
                            &staff,
                            &reference,
                            &input.compound,
                            &input.community,
                            None,
                        )?;
                        (c, k)
                    }
                };
                self.may_assign(&staff, &community, &compound)?;
                let assignee = opt(&input.assignee);
                let step = ReportAction {
                    community_code: community.clone(),
                    compound: compound.clone(),
                    assignee: assignee.clone(),
                    note,
                    // The assignment it supersedes, as this laptop holds the report.
                    replaces: report.assigned_by,
                    ..self.action(&staff, report_id, ReportActionKind::Reassign)
                };
                report.assigned_at = Some(step.at);
                report.assigned_by = Some(step.id);
                steps.push(HotlineWrite::action(step));
                report.community_code = community;
                report.compound = compound;
                report.assignee = assignee;
                steps.push(HotlineWrite::report(report.clone()));
            }
            _ => {
                return Err(AppError::new(
                    "invalid_input",
                    Some("kind"),
                    "这一步不是签收、开始核查、核查、办结、重新打开或改派",
                    "The step is accept, start_check, check, close, reopen or reassign",
                ))
            }
        }
        for s in &steps {
            if let HotlineWrite::Action(a) = s {
                kadian_domain::records::check_report_action(a)
                    .map_err(|n| AppError::invalid(vec![n]))?;
            }
        }
        match &opened {
            Some(o) => self.store().write_hotline_with_case(
                o.person.as_ref(),
                o.case.as_ref(),
                &steps,
                Source::User,
            )?,
            None => self.store().write_hotline(&steps, Source::User)?,
        };
        self.written();
        self.hotline_page(&report_id.to_string())
    }

    /// The persons and open reports an intake may mean, as it is typed: persons found by ID
    /// number, phone or name (at most 10, ID number matches first), open reports naming the
    /// same phone or ID number, or the same name. Errors: `not_staff`.
    pub fn hotline_candidates(&self, q: &CandidateQuery) -> AppResult<HotlineCandidates> {
        let staff = self.hotline_staff()?;
        let reference = self.reference()?;
        let mut persons: Vec<CandidatePerson> = Vec::new();
        for raw in [&q.id_number, &q.phone, &q.name] {
            let raw = raw.trim();
            if raw.chars().count() < 2 {
                continue;
            }
            for hit in self.store().find_people(raw, 10)? {
                if persons.len() >= 10 || persons.iter().any(|p| p.id == hit.person.id.to_string())
                {
                    continue;
                }
                let p = &hit.person;
                let compound = p
                    .compound
                    .as_deref()
                    .map(|k| reference.compound_name(k).unwrap_or(k).to_owned())
                    .unwrap_or_default();
                persons.push(CandidatePerson {
                    id: p.id.to_string(),
                    name: p.name.clone(),
                    id_number: p.document_number.as_deref().map(mask_document),
                    phone: p.phone.as_deref().map(mask_phone),
                    address: format!(
                        "{compound} {}",
                        kadian_domain::records::address_line(
                            p.building.as_deref(),
                            p.unit.as_deref(),
                            p.room.as_deref()
                        )
                        .unwrap_or_default()
                    )
                    .trim()
                    .to_owned(),
                    matched_by: word(&hit.matched_by),
                });
            }
        }
        let held = self.hotline_held()?;
        let tag = device_tag(&staff.device_id);
        let digits = |s: &str| {
            s.chars()
                .filter(char::is_ascii_alphanumeric)
                .collect::<String>()
        };
        let (phone, id, name) = (
            digits(&q.phone),
            digits(&q.id_number).to_uppercase(),
            q.name.trim(),
        );
        let reports = held
            .reports
            .iter()
            .zip(&held.states)
            .zip(&held.timeliness)
            .filter(|((r, s), _)| {
                s.status != HotlineStatus::Closed
                    && ((phone.len() >= 7
                        && r.subject_phone
                            .as_deref()
                            .is_some_and(|p| p.ends_with(&phone)))
                        || (id.len() >= 6
                            && r.subject_id_number
                                .as_deref()
                                .is_some_and(|i| i.ends_with(&id)))
                        || (!name.is_empty() && r.subject_name.as_deref() == Some(name)))
            })
            .take(10)
            .map(|((r, s), t)| self.hotline_row(r, s, t, &reference, &tag))
            .collect();
        Ok(HotlineCandidates { persons, reports })
    }

    /// [`Self::hotline_import_check_list`] for a file the window sent as bytes (`file_name`
    /// tells its format). Errors: `file_too_large` (over 64 MB), `file_unreadable` (no
    /// temporary folder), and that function's.
    pub fn hotline_import_check_list_bytes(
        &self,
        file_name: &str,
        bytes: &[u8],
        batch: Option<u32>,
    ) -> AppResult<CheckListTaken> {
        super::views::with_uploaded_file(file_name, bytes, "check-list.xlsx", |path| {
            self.hotline_import_check_list(path, batch)
        })
    }

    /// What opening home observation (落实居家观察) for a report's person takes, written with the
    /// report's steps in one transaction: the person found (`person_id`), else the one intake
    /// linked, else the one holding its ID number here, else a person registered now from what
    /// was reported (name, phone, ID number, building, unit, room; its id derived from the
    /// report, so two laptops register one person). The case is in the compound the report is
    /// assigned to, starts today (day 0) under the street's policy, its reason from the
    /// report's category, its origin the report, its id derived from the report (one case
    /// however many laptops open it; none to write when held already). Errors: `no_compound`
    /// (not assigned to a compound), `invalid_input` (no name to register), the person's and
    /// the case's rules.
    fn open_case_from_report(
        &self,
        report: &HotlineReport,
        person_id: Option<Uuid>,
    ) -> AppResult<CaseOpening> {
        use kadian_domain::records::{
            address_line, observation_case_id_for_declaration, reported_person_id, ObservationCase,
            ObservationReason, Person, PersonCategory,
        };
        let reference = self.reference()?;
        let (Some(community), Some(compound)) = (&report.community_code, &report.compound) else {
            return Err(AppError::new(
                "no_compound",
                Some("disposition"),
                "先把举报交办到小区，才能在那里落实居家观察",
                "Assign the report to a compound first: home observation is kept there",
            ));
        };
        let compound_name = reference
            .compound_name(compound)
            .unwrap_or(compound)
            .to_owned();
        let held = |id: Uuid| -> AppResult<Option<Uuid>> {
            Ok(self.store().person(id)?.map(|(p, _)| p.id))
        };
        let mut found = match person_id.or(report.person_id) {
            Some(id) => held(id)?,
            None => None,
        };
        if found.is_none() {
            found = held(reported_person_id(report.id))?;
        }
        if found.is_none() {
            if let Some(n) = &report.subject_id_number {
                found = self
                    .store()
                    .person_by_document(kadian_domain::DocumentType::ResidentId, n)?
                    .map(|p| p.id);
            }
        }
        let (person_id, person) = match found {
            Some(p) => (p, None),
            None => {
                let name = report.subject_name.clone().ok_or_else(|| {
                    AppError::new(
                        "invalid_input",
                        Some("subject_name"),
                        "举报里没有姓名，无法登记此人：请先在人员登记中找到或登记此人",
                        "The report names nobody: find or register the person first",
                    )
                })?;
                let mut p = Person::new(&name, PersonCategory::Resident);
                p.id = reported_person_id(report.id);
                if let Some(n) = &report.subject_id_number {
                    if let Ok(id) =
                        ResidentIdNumber::parse(n, local(self.now()).date()).map(|c| c.value)
                    {
                        p.document_type = kadian_domain::DocumentType::ResidentId;
                        p.sex = Some(id.sex());
                        p.birth_date = Some(id.birth_date());
                        p.document_number = Some(id.as_str().to_owned());
                    }
                }
                p.phone.clone_from(&report.subject_phone);
                p.community_code = Some(community.clone());
                p.compound = Some(compound_name.clone());
                p.building.clone_from(&report.building);
                p.unit.clone_from(&report.unit);
                p.room.clone_from(&report.room);
                kadian_domain::records::check_person(&p).map_err(|n| AppError::invalid(vec![n]))?;
                (p.id, Some(p))
            }
        };
        let id = observation_case_id_for_declaration(report.id);
        let case = if self.store().observation_case(&id.to_string())?.is_none() {
            let case = ObservationCase {
                id,
                person_id,
                community_code: community.clone(),
                compound: compound.clone(),
                address: address_line(
                    report.building.as_deref(),
                    report.unit.as_deref(),
                    report.room.as_deref(),
                ),
                reason: match report.category {
                    HotlineCategory::ReturneeHubei => ObservationReason::ReturneeHubei,
                    HotlineCategory::ReturneeElsewhere => ObservationReason::ReturneeElsewhere,
                    HotlineCategory::CloseContact => ObservationReason::CloseContact,
                    _ => ObservationReason::Hotline,
                },
                origin_id: Some(report.id),
                start_date: local(self.now()).date(),
                followed_from: None,
                policy: reference.observation.policy,
                responsible: report.assignee.clone(),
                responsible_phone: None,
                backup: None,
                notes: None,
            };
            kadian_domain::records::check_observation_case(&case)
                .map_err(|n| AppError::invalid(vec![n]))?;
            Some(case)
        } else {
            None
        };
        Ok(CaseOpening {
            case_id: id,
            person_id,
            person,
            case,
        })
    }

    /// Takes in the district's check list (区下发核查名单) on a street laptop: one report per
    /// person to check, assigned to the compound its address names (else left at the street),
    /// ids derived from the batch and the person (a list taken in twice, or on the server too,
    /// adds nothing). `batch` overrides the list's own. Errors: `not_allowed` (not a street
    /// laptop), the file's (`header_not_found`, …), `invalid_input` (no batch).
    pub fn hotline_import_check_list(
        &self,
        path: &Path,
        batch: Option<u32>,
    ) -> AppResult<CheckListTaken> {
        let staff = self.hotline_staff()?;
        if staff.role != Role::Street {
            return Err(AppError::new(
                "not_allowed",
                None,
                "区下发核查名单由街道的笔记本导入",
                "The district's check lists are taken in on a street laptop",
            ));
        }
        let reference = self.reference()?;
        let known: Vec<kadian_registers::KnownCompound> = reference.known_compounds();
        let (grid, file) = super::views::read_list(path)?;
        let now = self.now();
        let list = kadian_registers::check_list::read_check_list(
            &grid,
            &file,
            batch,
            local(now).date(),
            &known,
        )
        .map_err(super::views::unreadable)?;
        let Some(batch) = list.batch else {
            return Err(AppError::new(
                "invalid_input",
                Some("batch"),
                "名单的标题和文件名都没有写第几批，请填写批次",
                "The list names no batch in its title or file name: give the batch",
            ));
        };
        let issued_at = list.received_at(local(now).date());
        let held: std::collections::HashSet<Uuid> = self
            .store()
            .hotline_reports()?
            .into_iter()
            .map(|r| r.id)
            .collect();
        let reports: Vec<HotlineReport> = list
            .entries
            .iter()
            .map(|e| e.report(&staff.scope.street, batch, issued_at, &known))
            .collect();
        let new: Vec<HotlineWrite> = reports
            .iter()
            .filter(|r| !held.contains(&r.id))
            .cloned()
            .map(HotlineWrite::report)
            .collect();
        let written = new.len();
        self.store().write_hotline(&new, Source::Import)?;
        if written > 0 {
            self.written();
        }
        Ok(CheckListTaken {
            batch,
            written: u32::try_from(written).unwrap_or(u32::MAX),
            held_already: u32::try_from(reports.len() - written).unwrap_or(u32::MAX),
            unassigned: u32::try_from(list.entries.iter().filter(|e| e.compound.is_none()).count())
                .unwrap_or(u32::MAX),
            report: list.report,
        })
    }

    /// Writes a batch's 核查反馈表 (.xlsx or .csv) to `dir`: one row per person to check, in the
    /// list's order, with where it was assigned, what the check found, what was done, who
    /// checked and when. ID numbers and phones are written in full: the district matches its
    /// own list by them (the file is personal information; hand it over as the list came).
    /// Errors: `not_staff`, `not_found` (no report of that batch here), `invalid_format`,
    /// `export_failed`.
    pub fn hotline_feedback_export(
        &self,
        batch: u32,
        format: &str,
        dir: &Path,
    ) -> AppResult<ExportResult> {
        use kadian_registers::export::{ExportTable, ExportValue};
        self.hotline_staff()?;
        let reference = self.reference()?;
        let held = self.hotline_held()?;
        let mut rows: Vec<(&HotlineReport, &ReportState)> = held
            .reports
            .iter()
            .zip(&held.states)
            .filter(|(r, _)| r.batch == Some(batch))
            .collect();
        if rows.is_empty() {
            return Err(AppError::new(
                "not_found",
                Some("batch"),
                "这台设备上没有这一批的核查名单",
                "This device holds no report of that batch",
            ));
        }
        rows.sort_by(|a, b| a.0.number.cmp(&b.0.number));
        let text = |s: Option<&str>| {
            s.map(|s| ExportValue::Text(s.to_owned()))
                .unwrap_or(ExportValue::Empty)
        };
        let checker = |id: Uuid| {
            held.actions
                .iter()
                .filter(|a| a.report_id == id && a.kind == ReportActionKind::CheckResult)
                .max_by_key(|a| (a.at.utc, a.id))
        };
        let table = ExportTable {
            sheet: format!("第{batch}批核查反馈"),
            headers: [
                "序号",
                "姓名",
                "身份证号",
                "手机号",
                "现居住地址",
                "核查单位",
                "核查结果",
                "处置情况",
                "核查人",
                "核查时间",
                "状态",
                "备注",
            ]
            .into_iter()
            .map(str::to_owned)
            .collect(),
            rows: rows
                .iter()
                .enumerate()
                .map(|(i, (r, s))| {
                    let last = checker(r.id);
                    vec![
                        ExportValue::Number((i + 1) as f64),
                        text(r.subject_name.as_deref()),
                        text(r.subject_id_number.as_deref()),
                        text(r.subject_phone.as_deref()),
                        text(r.subject_address.as_deref()),
                        ExportValue::Text(assigned_to(r, &reference)),
                        text(s.result.map(result_zh)),
                        text(s.disposition.map(disposition_zh)),
                        text(last.map(|a| a.recorded_by.as_str())),
                        last.map(|a| ExportValue::DateTime(local(a.at.utc)))
                            .unwrap_or(ExportValue::Empty),
                        ExportValue::Text(
                            match (s.status, s.conflicting.is_empty()) {
                                (_, false) => "结果冲突，待核定",
                                (HotlineStatus::Closed, _) => "已办结",
                                (HotlineStatus::Disposed | HotlineStatus::Checked, _) => "已核查",
                                (HotlineStatus::Checking, _) => "核查中",
                                (HotlineStatus::Assigned, _) => "已交办",
                                (HotlineStatus::Received, _) => "未交办",
                            }
                            .into(),
                        ),
                        text(last.and_then(|a| a.note.as_deref())),
                    ]
                })
                .collect(),
        };
        write_export(
            &table,
            &format!("核查反馈表_第{batch}批"),
            format,
            dir,
            local(self.now()),
            0,
        )
    }
}

fn not_found() -> AppError {
    AppError::new(
        "not_found",
        Some("report_id"),
        "这台设备上没有这条举报",
        "This device holds no such report",
    )
}
