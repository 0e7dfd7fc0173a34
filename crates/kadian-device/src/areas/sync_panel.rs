//! The sync bar's panel on a laptop: conflicts to settle, records the server refused (to send
//! again), and pulled changes this device could not apply (quarantined).

use kadian_domain::sync::Role;
use serde::Serialize;
use ts_rs::TS;
use uuid::Uuid;

use super::views::{mask_document, mask_phone};
use crate::app_error::{AppError, AppResult};
use crate::core::AppCore;
use kadian_domain::observation::{CaseStatus, TransitionKind};
use kadian_domain::records::{CaseTransition, RecordKind};

/// A sync conflict as staff read it: whose record, which field, the value kept and the one not
/// applied, shown as text.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[ts(export)]
pub struct ConflictView {
    /// Conflict id (for [`AppCore::settle_conflict`]).
    pub id: String,
    /// Record kind (`person`, ...).
    pub record_kind: String,
    /// Record id.
    pub record_id: String,
    /// Person id when the record is a person (opens the person page).
    pub person_id: Option<String>,
    /// Whose record: the person's name, or the kind and the id's first 8 characters.
    pub who: String,
    /// Field name as in the record (`phone`, `room`, ...); the UI shows its label.
    pub field: String,
    /// The value now stored (the server's), as text; empty when there is none. A document number
    /// or phone is masked (`138****8000`).
    pub kept: String,
    /// The value not applied (this device's, or the other device's), as text.
    pub lost: String,
    /// `server` (merged there) or `device` (an edit here overtaken by the server's version).
    pub origin: String,
    /// True when the value not applied can be chosen instead (person fields; a case's status
    /// the case can still take); otherwise only keeping the stored value settles it.
    pub can_keep_lost: bool,
    /// For a case's status clash (field `status`, `kept` and `lost` the kinds of the two
    /// transitions, `refer`, `release`, …): when and by whom each was made (`2026-12-05 李红梅`).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub kept_detail: Option<String>,
    /// The same for the change not applied.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub lost_detail: Option<String>,
}

/// The transitions that take a case from `status` to what `kind` asked for: `kind` itself when
/// it applies now, after a reopening when the case ended and `kind` applies to an open case;
/// `None` when nothing would (the status is already what it asked, or it cannot be reached).
fn path_to(status: CaseStatus, kind: TransitionKind) -> Option<Vec<TransitionKind>> {
    if status.after(kind).is_some_and(|s| s != status) {
        return Some(vec![kind]);
    }
    if !status.active() && CaseStatus::Open.after(kind).is_some() {
        return Some(vec![TransitionKind::Reopen, kind]);
    }
    None
}

/// A conflict's stored JSON value as text: a string without its quotes, `null` as empty.
fn conflict_text(json: Option<&str>) -> String {
    match json.map(serde_json::from_str::<serde_json::Value>) {
        Some(Ok(serde_json::Value::String(s))) => s,
        Some(Ok(serde_json::Value::Null)) | None => String::new(),
        // An instant (a referral's taken_at, disposed_at): China time, as people read it.
        Some(Ok(v @ serde_json::Value::Object(_))) => {
            match serde_json::from_value::<kadian_domain::records::Instant>(v.clone()) {
                Ok(at) => crate::local_time::local(at.utc)
                    .format("%Y-%m-%d %H:%M")
                    .to_string(),
                Err(_) => v.to_string(),
            }
        }
        Some(Ok(v)) => v.to_string(),
        Some(Err(_)) => json.unwrap_or_default().to_owned(),
    }
}

/// A conflict's value as the lists show it: a document number or phone masked like everywhere
/// else (the person page reveals them), any other field as it is.
fn masked_value(field: &str, text: String) -> String {
    match field {
        "document_number" if !text.is_empty() => mask_document(&text),
        "phone" if !text.is_empty() => mask_phone(&text),
        _ => text,
    }
}

/// The person fields staff may settle by choosing a value (the record's own fields, not its id).
const SETTLEABLE_PERSON_FIELDS: &[&str] = &[
    "name",
    "document_type",
    "document_number",
    "phone",
    "sex",
    "birth_date",
    "compound",
    "building",
    "unit",
    "room",
    "category",
];

/// A record the server rejected, for the sync panel.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[ts(export)]
pub struct RejectedView {
    /// Outbox sequence (re-queue it with this).
    #[ts(type = "number")]
    pub seq: i64,
    /// Record kind.
    pub kind: String,
    /// Record id.
    pub record_id: String,
    /// The server's code.
    pub code: String,
    /// The server's reason.
    pub message: String,
    /// What the record is, in a few words (name, time).
    pub summary: String,
}

impl AppCore {
    /// Unresolved sync conflicts, newest first, with the person's name where the record is a
    /// person.
    pub fn conflicts(&self) -> AppResult<Vec<ConflictView>> {
        let store = self.store();
        let mut out = Vec::new();
        for c in store.conflicts()? {
            if c.record_kind == RecordKind::ObservationCase.as_str() && c.id.starts_with("clash:") {
                if let Some(view) =
                    clash_view(&store, &c, crate::local_time::local(self.now()).date())?
                {
                    out.push(view);
                }
                continue;
            }
            // Two devices' results of a hotline report: named by its person and number.
            if c.record_kind == RecordKind::HotlineReport.as_str() {
                let report = Uuid::parse_str(&c.record_id)
                    .ok()
                    .map(|id| store.hotline_report(id))
                    .transpose()?
                    .flatten();
                out.push(ConflictView {
                    who: report
                        .as_ref()
                        .map(|r| {
                            format!(
                                "{} {}",
                                r.subject_name.as_deref().unwrap_or("热线举报"),
                                r.number
                            )
                        })
                        .unwrap_or_else(|| c.record_id.clone()),
                    person_id: None,
                    // Two results: either may be chosen. A field of the report both changed
                    // (its description, its assignee): the stored value stays.
                    can_keep_lost: report.is_some() && c.id.starts_with("result:"),
                    kept: conflict_text(c.kept_value.as_deref()),
                    lost: conflict_text(c.lost_value.as_deref()),
                    id: c.id,
                    record_kind: c.record_kind,
                    record_id: c.record_id,
                    field: c.field,
                    origin: c.origin,
                    kept_detail: None,
                    lost_detail: None,
                });
                continue;
            }
            // Whose record: the person's, or a referral's person.
            let person_id = if c.record_kind == RecordKind::Person.as_str() {
                Uuid::parse_str(&c.record_id).ok()
            } else if c.record_kind == RecordKind::Referral.as_str() {
                store.referral(&c.record_id)?.map(|(r, _)| r.person_id)
            } else {
                None
            };
            let person = match person_id {
                Some(id) => store.person(id)?.map(|(p, _)| p),
                None => None,
            };
            let short: String = c.record_id.chars().take(8).collect();
            out.push(ConflictView {
                who: person
                    .as_ref()
                    .map(|p| p.name.clone())
                    .unwrap_or_else(|| format!("{} {short}", c.record_kind)),
                person_id: person.as_ref().map(|p| p.id.to_string()),
                can_keep_lost: c.record_kind == RecordKind::Person.as_str()
                    && person.is_some()
                    && SETTLEABLE_PERSON_FIELDS.contains(&c.field.as_str()),
                kept: masked_value(&c.field, conflict_text(c.kept_value.as_deref())),
                lost: masked_value(&c.field, conflict_text(c.lost_value.as_deref())),
                id: c.id,
                record_kind: c.record_kind,
                record_id: c.record_id,
                field: c.field,
                origin: c.origin,
                kept_detail: None,
                lost_detail: None,
            });
        }
        Ok(out)
    }

    /// Settles a sync conflict. `keep_lost = false` keeps the stored value (nothing changes but
    /// the list); `keep_lost = true` writes the value not applied as a new version of the person
    /// (checked by the person's rules, synced like any edit). Every open conflict of that
    /// record's field is settled with it. Errors: `not_a_desk` on a tablet, `unknown_conflict`,
    /// `cannot_keep_lost` (not a person field), the person's rule errors.
    pub fn settle_conflict(&self, conflict_id: &str, keep_lost: bool) -> AppResult<()> {
        if matches!(self.role()?, Some(Role::Volunteer) | None) {
            return Err(AppError::new(
                "not_a_desk",
                None,
                "同步冲突在小区、片区、社区或街道的电脑上处理",
                "Sync conflicts are settled on compound, zone, community or street laptops",
            ));
        }
        let mut store = self.store();
        let c = store.conflict(conflict_id)?.ok_or_else(|| {
            AppError::new(
                "unknown_conflict",
                None,
                "这条冲突已经处理过或不存在",
                "This conflict was settled already or does not exist",
            )
        })?;
        if c.record_kind == RecordKind::ObservationCase.as_str() && c.id.starts_with("clash:") {
            let then = if keep_lost {
                let now = kadian_domain::records::Instant {
                    utc: self.now(),
                    offset_minutes: crate::local_time::CST_MINUTES,
                };
                let today = crate::local_time::local(self.now()).date();
                let (status, transitions) = clash_state(&store, &c, today)?;
                let ignored = named(&transitions, c.lost_value.as_deref());
                let path = ignored
                    .and_then(|t| path_to(status, t.kind))
                    .ok_or_else(|| {
                        AppError::new(
                            "cannot_keep_lost",
                            Some("field"),
                            "观察状态已是这样或无法改成这样，只能保留现状",
                            "The case already has this status or cannot take it: keep the status it has",
                        )
                    })?;
                // The store is held: read the laptop's name through it, not through `enrolled()`.
                let by = store
                    .enrolment()?
                    .map_or_else(|| "staff".into(), |e| super::views::staff_name(&e));
                path.into_iter()
                    .map(|kind| CaseTransition {
                        id: kadian_domain::records::new_id(),
                        case_id: ignored.map(|t| t.case_id).unwrap_or_default(),
                        kind,
                        effective: today,
                        reason: "处理同步冲突：采用另一台电脑的操作 / settling a sync conflict: the other laptop's change".into(),
                        at: now,
                        recorded_by: by.clone(),
                    })
                    .collect()
            } else {
                Vec::new()
            };
            store.settle_case_clashes(&c.record_id, &then)?;
            drop(store);
            if !then.is_empty() {
                self.written();
            }
            return Ok(());
        }
        if c.record_kind == RecordKind::HotlineReport.as_str() && c.id.starts_with("result:") {
            // Settled everywhere alike: reopened, and the result chosen recorded after both.
            let chosen = if keep_lost {
                c.lost_value.as_deref()
            } else {
                c.kept_value.as_deref()
            };
            let result: kadian_domain::records::CheckFinding = chosen
                .and_then(|v| serde_json::from_str(v).ok())
                .ok_or_else(|| {
                    AppError::new(
                        "cannot_keep_lost",
                        Some("field"),
                        "这条冲突的结果无法读取",
                        "The conflict's result cannot be read",
                    )
                })?;
            let report_id = Uuid::parse_str(&c.record_id).map_err(|_| {
                AppError::new(
                    "unknown_conflict",
                    None,
                    "这条冲突已经处理过或不存在",
                    "This conflict was settled already or does not exist",
                )
            })?;
            let by = store
                .enrolment()?
                .map_or_else(|| "staff".into(), |e| super::views::staff_name(&e));
            let at = kadian_domain::records::Instant {
                utc: self.now(),
                offset_minutes: crate::local_time::CST_MINUTES,
            };
            // What the chosen result said beside it (the report it repeats, the person found).
            let chosen_step = store
                .report_actions_of(report_id)?
                .into_iter()
                .filter(|a| a.result == Some(result))
                .max_by_key(|a| (a.at.utc, a.id));
            let step = |kind, result, note: &str| kadian_domain::records::ReportAction {
                id: kadian_domain::records::new_id(),
                report_id,
                kind,
                at,
                recorded_by: by.clone(),
                community_code: None,
                compound: None,
                assignee: None,
                result,
                duplicate_of: None,
                person_id: None,
                disposition: None,
                case_id: None,
                note: Some(note.to_owned()),
                replaces: None,
            };
            use kadian_domain::records::ReportActionKind as K;
            // A closed report is closed again after the result agreed.
            let was_closed = match store.hotline_report(report_id)? {
                Some(r) => {
                    let actions = store.report_actions_of(report_id)?;
                    kadian_domain::hotline::fold(&r, r.received_at.utc, &actions, |a| a.at.utc)
                        .closed_at
                        .is_some()
                }
                None => false,
            };
            let mut agreed = step(
                K::CheckResult,
                Some(result),
                "处理同步冲突：核定的结果 / settling a sync conflict: the result agreed",
            );
            if let Some(c) = &chosen_step {
                agreed.duplicate_of = c.duplicate_of;
                agreed.person_id = c.person_id;
            }
            let mut steps = vec![
                step(
                    K::Reopen,
                    None,
                    "处理同步冲突：两台电脑的核查结果不同 / settling a sync conflict: two results differ",
                ),
                agreed,
            ];
            if was_closed {
                steps.push(step(
                    K::Close,
                    None,
                    "处理同步冲突后办结 / closed again after settling",
                ));
            }
            store.settle_result_clash(&c.record_id, &steps)?;
            drop(store);
            self.written();
            return Ok(());
        }
        let mut chosen = None;
        if keep_lost {
            let cannot = || {
                AppError::new(
                    "cannot_keep_lost",
                    Some("field"),
                    "这一项只能保留现有的值",
                    "Only the stored value can be kept for this field",
                )
            };
            if c.record_kind != RecordKind::Person.as_str()
                || !SETTLEABLE_PERSON_FIELDS.contains(&c.field.as_str())
            {
                return Err(cannot());
            }
            let id = Uuid::parse_str(&c.record_id).map_err(|_| cannot())?;
            let (person, _) = store.person(id)?.ok_or_else(cannot)?;
            let mut body = serde_json::to_value(&person).map_err(|_| cannot())?;
            let lost: serde_json::Value = c
                .lost_value
                .as_deref()
                .map(serde_json::from_str)
                .transpose()
                .map_err(|_| cannot())?
                .unwrap_or(serde_json::Value::Null);
            body[c.field.as_str()] = lost;
            let person: kadian_domain::records::Person =
                serde_json::from_value(body).map_err(|_| cannot())?;
            chosen = Some(person);
        }
        store.settle_conflicts(&c.record_id, &c.field, chosen.as_ref())?;
        drop(store);
        if chosen.is_some() {
            self.written();
        }
        Ok(())
    }

    /// Pulled changes this device could not apply, with the reason (newest first).
    pub fn quarantined_changes(&self) -> AppResult<Vec<crate::store::QuarantinedChange>> {
        Ok(self.store().quarantined()?)
    }

    /// Records the server rejected, with its reason.
    pub fn rejected_records(&self) -> AppResult<Vec<RejectedView>> {
        Ok(self
            .store()
            .rejected()?
            .into_iter()
            .map(|r| {
                let body: serde_json::Value =
                    serde_json::from_str(&r.entry.body).unwrap_or_default();
                let summary = [
                    body["name"].as_str(),
                    body["walk_in_name"].as_str(),
                    body["at"]["utc"].as_str(),
                ]
                .into_iter()
                .flatten()
                .collect::<Vec<_>>()
                .join(" ");
                RejectedView {
                    seq: r.entry.seq,
                    kind: r.entry.kind.clone(),
                    record_id: r.entry.record_id.clone(),
                    code: r.code,
                    message: r.message,
                    summary,
                }
            })
            .collect())
    }

    /// Puts a rejected record back in the queue (after its cause was fixed, e.g. the reference
    /// data it needed has arrived). False when it was not rejected.
    pub fn requeue(&self, seq: i64) -> AppResult<bool> {
        let done = self.store().requeue(seq)?;
        if done {
            self.written();
        }
        Ok(done)
    }
}

/// A case's status now and the transition a clash left unapplied, as this device holds them.
/// A case's status now and its transitions, as this device holds them (read once).
fn clash_state(
    store: &crate::store::Store,
    c: &crate::store::SyncConflict,
    today: chrono::NaiveDate,
) -> AppResult<(CaseStatus, Vec<CaseTransition>)> {
    let (visits, transitions) = store.case_history(&c.record_id)?;
    let status = match store.observation_case(&c.record_id)? {
        Some((case, _)) => {
            let visits: Vec<_> = visits.iter().map(crate::store::visit_fact).collect();
            let facts: Vec<_> = transitions
                .iter()
                .map(crate::store::transition_fact)
                .collect();
            case.grid(&visits, &facts, today, today).status
        }
        None => CaseStatus::Open,
    };
    Ok((status, transitions))
}

/// The transition a clash's stored value names (kept: the applied one; lost: the ignored one).
fn named<'a>(transitions: &'a [CaseTransition], value: Option<&str>) -> Option<&'a CaseTransition> {
    let id = conflict_text(value);
    transitions.iter().find(|t| t.id.to_string() == id)
}

/// A case's status clash as the conflict list shows it: whose case, the two changes (kind, day,
/// who), and whether the ignored one can still be taken. `None` when the case's transitions are
/// not here (nothing to show).
fn clash_view(
    store: &crate::store::Store,
    c: &crate::store::SyncConflict,
    today: chrono::NaiveDate,
) -> AppResult<Option<ConflictView>> {
    let (status, transitions) = clash_state(store, c, today)?;
    let applied = named(&transitions, c.kept_value.as_deref());
    let Some(ignored) = named(&transitions, c.lost_value.as_deref()) else {
        return Ok(None);
    };
    let kind = |k: TransitionKind| {
        serde_json::to_value(k)
            .ok()
            .and_then(|v| v.as_str().map(str::to_owned))
            .unwrap_or_default()
    };
    let detail = |t: &CaseTransition| format!("{} {}", t.effective, t.recorded_by);
    let person = match store.observation_case(&c.record_id)? {
        Some((case, _)) => store.person(case.person_id)?.map(|(p, _)| p),
        None => None,
    };
    let short: String = c.record_id.chars().take(8).collect();
    Ok(Some(ConflictView {
        id: c.id.clone(),
        record_kind: c.record_kind.clone(),
        record_id: c.record_id.clone(),
        person_id: person.as_ref().map(|p| p.id.to_string()),
        who: person.map_or_else(|| format!("居家观察 {short}"), |p| p.name),
        field: c.field.clone(),
        kept: applied.map(|t| kind(t.kind)).unwrap_or_default(),
        lost: kind(ignored.kind),
        origin: c.origin.clone(),
        can_keep_lost: path_to(status, ignored.kind).is_some(),
        kept_detail: applied.map(detail),
        lost_detail: Some(detail(ignored)),
    }))
}
