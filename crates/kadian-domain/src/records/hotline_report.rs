//! The hotline report (热线举报, entity) and its report actions (处置记录, events). A report is a
//! tip from the public (phone, WeChat, at the office) or a row of the district's check list
//! (区下发核查名单, 第 N 批) about a person to check; staff assign it to a community or compound,
//! check it on site and say what they found and what was done. Where a report stands is the
//! fold of its actions ([`crate::hotline::fold`]), never a status field two laptops overwrite
//! (Go.Data's last-writer-wins would let one outcome erase the other). The entity holds what was
//! reported and where it is assigned (its placement: the compound laptop it is assigned to
//! receives it). Sources: the street's plan (热线举报 checked at once); SORMAS self reports
//! (processing and investigation statuses); arjccm's issued batches.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::{Field, Notice};

use super::rules::{community_code, date, instant, opt_text, reference, text};
use super::{bad, Instant, MAX_SHORT_CHARS, MAX_TEXT_CHARS};

/// How a report came in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum HotlineChannel {
    /// A call to the hotline (电话).
    Phone,
    /// A WeChat message (微信).
    Wechat,
    /// Someone came to the office (来访).
    WalkIn,
    /// A row of the district's check list (区下发核查名单).
    DistrictList,
}

/// What a report is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum HotlineCategory {
    /// Back from Hubei, not registered (湖北返乡).
    ReturneeHubei,
    /// Back from elsewhere outside the city (外地返乡).
    ReturneeElsewhere,
    /// A close contact of a case (密切接触者).
    CloseContact,
    /// Fever, cough or other symptoms (有症状).
    Symptoms,
    /// Someone under home observation going out (违反居家观察).
    ObservationBreach,
    /// People gathering (聚集).
    Gathering,
    /// Anything else (其他).
    Other,
}

/// How fast it must be checked.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum Urgency {
    /// Ordinary (一般): the category's deadlines.
    #[default]
    Normal,
    /// Urgent (紧急): assigned within 30 minutes, on site within 2 hours by default.
    Urgent,
}

/// A hotline report (entity).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HotlineReport {
    /// UUIDv7; a district list's row: [`district_report_id`].
    pub id: Uuid,
    /// The number people quote (`411402001-20200204-K7Q3MA-003`): the street, the China day it
    /// was received, the receiving device's tag ([`device_tag`]) and that device's sequence of
    /// the day; a district list's row: `…-Q03-017` (batch 3, row 17).
    pub number: String,
    /// When it was received (the device's clock; the server keeps its own receive time too).
    pub received_at: Instant,
    /// How it came in.
    pub channel: HotlineChannel,
    /// The district's batch (第 N 批), for a check list's row.
    #[serde(default)]
    pub batch: Option<u32>,
    /// The reporter's name; none: anonymous (匿名).
    #[serde(default)]
    pub reporter_name: Option<String>,
    /// The reporter's phone (masked in lists).
    #[serde(default)]
    pub reporter_phone: Option<String>,
    /// The person to check: name as reported.
    #[serde(default)]
    pub subject_name: Option<String>,
    /// Their phone.
    #[serde(default)]
    pub subject_phone: Option<String>,
    /// Their ID number.
    #[serde(default)]
    pub subject_id_number: Option<String>,
    /// Their address as reported (现居住地址).
    #[serde(default)]
    pub subject_address: Option<String>,
    /// Building, unit and room the address names, when it could be read.
    #[serde(default)]
    pub building: Option<String>,
    /// Unit.
    #[serde(default)]
    pub unit: Option<String>,
    /// Room.
    #[serde(default)]
    pub room: Option<String>,
    /// The registered person it concerns, when staff found them at intake.
    #[serde(default)]
    pub person_id: Option<Uuid>,
    /// What it is about.
    pub category: HotlineCategory,
    /// How fast.
    #[serde(default)]
    pub urgency: Urgency,
    /// What the reporter said; a check list's 来源 and 核查要求.
    #[serde(default)]
    pub description: Option<String>,
    /// The community it is assigned to (12 digits); none: still at the street.
    #[serde(default)]
    pub community_code: Option<String>,
    /// The compound it is assigned to; none: the community's (or the street's) own.
    #[serde(default)]
    pub compound: Option<String>,
    /// The staff member it is assigned to, by name.
    #[serde(default)]
    pub assignee: Option<String>,
    /// When it was put where it is (its intake, or the step that last assigned it).
    #[serde(default)]
    pub assigned_at: Option<Instant>,
    /// The step that put it where it is (its intake's `assign`, or the `reassign` that moved it
    /// here); none when it was placed as it was taken in. A reassignment names the step it
    /// supersedes (`replaces`), so a copy held where it was reassigned from is known as moved
    /// away without comparing clocks ([`crate::hotline::moved_away`]).
    #[serde(default)]
    pub assigned_by: Option<Uuid>,
    /// Who took it in.
    pub recorded_by: String,
}

/// The namespace of a district list row's report id ([`district_report_id`]).
pub const DISTRICT_REPORT_NAMESPACE: Uuid =
    Uuid::from_u128(0x6a1f_3c52_9e07_4d8b_b2a4_0c93_7e15_d864);

/// The id of the report a district list's row makes: from the street, the batch and the person
/// (ID number, else phone, else the row), so the same list imported on the server and on a
/// laptop makes the same reports, never two.
pub fn district_report_id(street: &str, batch: u32, person_key: &str) -> Uuid {
    Uuid::new_v5(
        &DISTRICT_REPORT_NAMESPACE,
        format!("{street}:{batch}:{person_key}").as_bytes(),
    )
}

const DEVICE_TAG_NAMESPACE: Uuid = Uuid::from_u128(0x0d4e_77a1_52c8_4f06_9b3e_e1a7_28c4_5f90);

const REPORTED_PERSON_NAMESPACE: Uuid = Uuid::from_u128(0x3e90_4b1c_7d25_4a86_8f13_c6d2_09ab_e571);

/// The id of the person a report registers when it opens home observation for someone not yet
/// registered: derived from the report, so two laptops opening it register one person.
pub fn reported_person_id(report: Uuid) -> Uuid {
    Uuid::new_v5(&REPORTED_PERSON_NAMESPACE, report.as_bytes())
}

/// The tag a device writes into the numbers it gives (six characters of Crockford base32, 30
/// bits of the UUIDv5 of its id): two offline laptops never share a counter, and two tags collide with
/// odds of about 1 in 10⁹ per pair of devices.
pub fn device_tag(device_id: &str) -> String {
    const ALPHABET: &[u8; 32] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";
    let digest = Uuid::new_v5(&DEVICE_TAG_NAMESPACE, device_id.as_bytes());
    let mut bits: u64 = 0;
    for b in &digest.as_bytes()[..4] {
        bits = (bits << 8) | u64::from(*b);
    }
    (0..6)
        .map(|i| ALPHABET[((bits >> (26 - 5 * i)) & 31) as usize] as char)
        .collect()
}

/// A report's number: `{street}-{YYYYMMDD}-{tag}-{seq:03}` (the China day it was received).
pub fn hotline_number(street: &str, day: NaiveDate, tag: &str, seq: u32) -> String {
    format!("{street}-{}-{tag}-{seq:03}", day.format("%Y%m%d"))
}

/// A place a report is assigned to (a report's, or an assignment step's): a 12-digit community
/// when one is named, a compound only under its community. Errors: `invalid_community`,
/// `compound_without_community`, `reference_missing`, `too_long`.
fn assigned_place(community: Option<&str>, compound: Option<&str>) -> Result<(), Notice> {
    if let Some(c) = community {
        community_code(c)?;
    }
    match (community, compound) {
        (None, Some(_)) => Err(bad(
            Field::Record,
            "compound_without_community",
            "指派到小区时要同时写明社区",
            "A place assigned to names its community with its compound",
        )),
        (_, Some(k)) => reference("小区 / compound", k),
        _ => Ok(()),
    }
}

/// A report: a number, a time, bounded texts, a valid community when one is named and a
/// compound only under a community, a batch only on a district list's row, a subject to check
/// (a name, phone, ID number or address).
///
/// Errors: `reference_missing`, `invalid_community`, `compound_without_community`,
/// `batch_misplaced`, `subject_missing`, `date_out_of_range`, `too_long`, `control_character`.
pub fn check_hotline_report(r: &HotlineReport) -> Result<(), Notice> {
    reference("编号 / number", &r.number)?;
    instant("接报时间 / received at", &r.received_at)?;
    if let Some(at) = &r.assigned_at {
        instant("交办时间 / assigned at", at)?;
    }
    reference("接报人 / recorded by", &r.recorded_by)?;
    assigned_place(r.community_code.as_deref(), r.compound.as_deref())?;
    if r.batch.is_some() != (r.channel == HotlineChannel::DistrictList) {
        return Err(bad(
            Field::Record,
            "batch_misplaced",
            "只有区下发核查名单的记录有批次号，且必须有",
            "A district list's report has a batch number, and only it",
        ));
    }
    let subject = [
        &r.subject_name,
        &r.subject_phone,
        &r.subject_id_number,
        &r.subject_address,
    ];
    if subject
        .iter()
        .all(|s| s.as_deref().is_none_or(|s| s.trim().is_empty()))
    {
        return Err(bad(
            Field::Record,
            "subject_missing",
            "请至少写明被举报人的姓名、电话、身份证号或住址之一",
            "Name the person to check: a name, phone, ID number or address",
        ));
    }
    for (name, value) in [
        ("举报人 / reporter", r.reporter_name.as_deref()),
        ("举报人电话 / reporter's phone", r.reporter_phone.as_deref()),
        ("姓名 / name", r.subject_name.as_deref()),
        ("电话 / phone", r.subject_phone.as_deref()),
        ("身份证号 / ID number", r.subject_id_number.as_deref()),
        ("楼栋 / building", r.building.as_deref()),
        ("单元 / unit", r.unit.as_deref()),
        ("房号 / room", r.room.as_deref()),
        ("责任人 / assignee", r.assignee.as_deref()),
    ] {
        opt_text(Field::Record, name, value, MAX_SHORT_CHARS, false)?;
    }
    for (name, value) in [
        ("住址 / address", r.subject_address.as_deref()),
        ("内容 / description", r.description.as_deref()),
    ] {
        opt_text(Field::Record, name, value, MAX_TEXT_CHARS, true)?;
    }
    Ok(())
}

/// What a report action does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReportActionKind {
    /// Taken in by the unit it was sent to (签收).
    Accept,
    /// Assigned to a community, compound or staff member (交办).
    Assign,
    /// Assigned elsewhere, with the reason (改派).
    Reassign,
    /// Staff set out to check it (开始核查).
    StartCheck,
    /// What the check found (核查结果).
    CheckResult,
    /// What was done (处置).
    Disposition,
    /// Closed (办结).
    Close,
    /// Opened again, with the reason (重新打开).
    Reopen,
}

/// What a check found.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CheckFinding {
    /// The person is already registered (已在册).
    AlreadyRegistered,
    /// A person not registered was found (新发现).
    NewPersonFound,
    /// Nobody found at the address (查无此人).
    NotFound,
    /// The report was false (不实举报).
    FalseReport,
    /// The same as another report (重复举报): `duplicate_of` names it.
    Duplicate,
}

/// What was done about it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReportDisposition {
    /// Home observation opened: `case_id` names the case (已落实居家观察).
    ObservationOpened,
    /// Referred to the emergency response group (转应急处置组).
    ReferredToResponseGroup,
    /// The person was advised (劝导).
    Advised,
    /// Handed to the health commission (移交卫健委).
    HandedToHealthCommission,
    /// Nothing to do (无需处置).
    NoAction,
}

/// A report action (event).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReportAction {
    /// UUIDv7.
    pub id: Uuid,
    /// The report.
    pub report_id: Uuid,
    /// What it does.
    pub kind: ReportActionKind,
    /// When (the device's clock).
    pub at: Instant,
    /// Who.
    pub recorded_by: String,
    /// Assigned to this community (assign, reassign).
    #[serde(default)]
    pub community_code: Option<String>,
    /// And this compound.
    #[serde(default)]
    pub compound: Option<String>,
    /// And this staff member.
    #[serde(default)]
    pub assignee: Option<String>,
    /// What the check found (check result).
    #[serde(default)]
    pub result: Option<CheckFinding>,
    /// The report it repeats (a duplicate).
    #[serde(default)]
    pub duplicate_of: Option<Uuid>,
    /// The person found or already registered.
    #[serde(default)]
    pub person_id: Option<Uuid>,
    /// What was done (disposition).
    #[serde(default)]
    pub disposition: Option<ReportDisposition>,
    /// The observation case opened.
    #[serde(default)]
    pub case_id: Option<Uuid>,
    /// Why (reassign, reopen) or what was said.
    #[serde(default)]
    pub note: Option<String>,
    /// For a check result: the result it replaces, as the device held it when it was recorded
    /// (a recheck that saw the earlier result corrects it; two results made apart, neither
    /// naming the other, disagree). For a reassignment: the assignment step it supersedes (the
    /// report's `assigned_by` as the device held it).
    #[serde(default)]
    pub replaces: Option<Uuid>,
}

/// A report action: a time and a name; a check result with its result (a duplicate naming
/// another report), a disposition with its disposition (an observation opened naming its case),
/// an assignment with a place or a person, a reason for a reassignment or a reopening, nothing
/// a kind does not carry; bounded texts.
///
/// Errors: `result_missing`, `disposition_missing`, `assignment_missing`, `reason_missing`,
/// `field_misplaced`, `duplicate_of_itself`, `invalid_community`, `compound_without_community`,
/// `date_out_of_range`, `too_long`, `reference_missing`, `control_character`.
pub fn check_report_action(a: &ReportAction) -> Result<(), Notice> {
    use ReportActionKind as K;
    instant("时间 / time", &a.at)?;
    reference("登记人 / recorded by", &a.recorded_by)?;
    let missing = |code: &str, zh: &str, en: &str| Err(bad(Field::Record, code, zh, en));
    let assigns = matches!(a.kind, K::Assign | K::Reassign);
    match a.kind {
        K::CheckResult if a.result.is_none() => {
            return missing(
                "result_missing",
                "请选择核查结果",
                "Pick what the check found",
            )
        }
        K::Disposition if a.disposition.is_none() => {
            return missing(
                "disposition_missing",
                "请选择处置方式",
                "Pick what was done",
            )
        }
        // (A reassignment to nobody hands the report back to the street.)
        K::Assign if a.community_code.is_none() && a.compound.is_none() && a.assignee.is_none() => {
            return missing(
                "assignment_missing",
                "请选择交办到哪个社区、小区或人",
                "Name the community, compound or person it is assigned to",
            )
        }
        K::Reassign | K::Reopen if a.note.as_deref().is_none_or(|n| n.trim().is_empty()) => {
            return missing("reason_missing", "请写明原因", "Give the reason")
        }
        _ => {}
    }
    let misplaced = (!assigns
        && (a.community_code.is_some() || a.compound.is_some() || a.assignee.is_some()))
        || (a.kind != K::CheckResult && (a.result.is_some() || a.duplicate_of.is_some()))
        || (!matches!(a.kind, K::CheckResult | K::Reassign) && a.replaces.is_some())
        || (a.kind != K::Disposition && (a.disposition.is_some() || a.case_id.is_some()))
        || (!matches!(a.kind, K::CheckResult | K::Disposition) && a.person_id.is_some())
        || (a.result != Some(CheckFinding::Duplicate) && a.duplicate_of.is_some())
        || (a.disposition != Some(ReportDisposition::ObservationOpened) && a.case_id.is_some());
    if misplaced {
        return missing(
            "field_misplaced",
            "这一步不带这一项（例如只有核查结果带结果，只有交办带社区）",
            "This step does not carry that field (only a check result has a result, only an assignment a place)",
        );
    }
    if a.replaces == Some(a.id) {
        return missing(
            "field_misplaced",
            "一条处置记录不能替换它自己",
            "A step cannot replace itself",
        );
    }
    if a.duplicate_of == Some(a.report_id) {
        return missing(
            "duplicate_of_itself",
            "不能说一条举报重复了它自己",
            "A report cannot repeat itself",
        );
    }
    assigned_place(a.community_code.as_deref(), a.compound.as_deref())?;
    opt_text(
        Field::Record,
        "责任人 / assignee",
        a.assignee.as_deref(),
        MAX_SHORT_CHARS,
        false,
    )?;
    if let Some(n) = &a.note {
        text(Field::Record, "说明 / note", n, MAX_TEXT_CHARS, true)?;
    }
    // A date-only rule kept for symmetry with the other kinds: actions are from 2019 on.
    date(
        "时间 / time",
        Some((a.at.utc + chrono::Duration::minutes(i64::from(a.at.offset_minutes))).date_naive()),
        2019,
    )
}
