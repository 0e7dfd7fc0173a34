//! What several areas show alike, and the facts about this device they all ask: a passage as
//! lists show it, masked ID numbers and phones, names of checkpoints and volunteers, the
//! checkpoint this tablet is enrolled at, the shift on duty, the device's role. Areas import this
//! file, never each other.

use chrono::{DateTime, Utc};
use kadian_domain::records::Direction;
use kadian_domain::sync::Role;
use serde::Serialize;
use ts_rs::TS;

use crate::app_error::{AppError, AppResult};
use crate::core::AppCore;
use crate::local_time::local;
use crate::reference::ReferenceData;
use crate::session::{Shift, ShiftState};
use crate::store::PassageRow;
use kadian_domain::records::Volunteer;

/// One row of a passage list.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[ts(export)]
pub struct PassageView {
    /// Passage id.
    pub id: String,
    /// `in` or `out`.
    pub direction: String,
    /// When (UTC).
    pub at: DateTime<Utc>,
    /// Local time `HH:MM` (China).
    pub local_time: String,
    /// Local date `YYYY-MM-DD` (China).
    pub local_date: String,
    /// Person id, if registered.
    pub person_id: Option<String>,
    /// Name.
    pub name: String,
    /// Plate.
    pub plate: Option<String>,
    /// Latest reading, °C.
    pub celsius: Option<f64>,
    /// The first reading, °C, when it was re-measured (`38.5` of 「38.5 → 复测 36.9」); `None`
    /// when there was one reading only.
    pub first_celsius: Option<f64>,
    /// Any reading was a fever.
    pub fever: bool,
    /// Voided.
    pub voided: bool,
    /// The first reading's id (for a re-measure).
    pub reading_id: Option<String>,
    /// Checkpoint id.
    pub checkpoint_id: String,
    /// Checkpoint name, when known.
    pub checkpoint_name: String,
    /// Who registered it (volunteer name, or id when unknown).
    pub recorded_by: String,
    /// Purpose (事由); in passages made before 去往 had a field of its own, the destination is
    /// in here too, labelled 「去往 …」.
    pub purpose: Option<String>,
    /// Where a visitor was going (去往).
    pub destination: Option<String>,
}

/// A person under home observation, as the gate warns of them when they go out (居家观察中 ·
/// 第 5/14 天 · 包保人 李红梅) and the laptop flags them: no more than that reaches a tablet's
/// screen.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[ts(export)]
pub struct ObservationNote {
    /// The case.
    pub case_id: String,
    /// Day of observation today (0: the arrival day).
    pub day: u16,
    /// Days of the period.
    pub days: u16,
    /// The staff member responsible.
    pub responsible: Option<String>,
}

/// `4114**********1234`: the first and last four characters of a document number, the rest as
/// stars (lists and search results; GB 11643 numbers and others alike).
pub fn mask_document(number: &str) -> String {
    let chars: Vec<char> = number.chars().collect();
    if chars.len() <= 8 {
        return "*".repeat(chars.len());
    }
    let n = chars.len();
    chars[..4]
        .iter()
        .chain(std::iter::repeat_n(&'*', n - 8))
        .chain(chars[n - 4..].iter())
        .collect()
}

/// `138****8000`: the first three and last four digits of a phone.
pub fn mask_phone(phone: &str) -> String {
    let chars: Vec<char> = phone.chars().collect();
    if chars.len() <= 7 {
        return "*".repeat(chars.len());
    }
    let n = chars.len();
    chars[..3]
        .iter()
        .chain(std::iter::repeat_n(&'*', n - 7))
        .chain(chars[n - 4..].iter())
        .collect()
}

pub(crate) fn celsius_f64(tenths: i64) -> f64 {
    tenths as f64 / 10.0
}

pub(crate) fn direction_str(d: Direction) -> String {
    d.as_str().to_owned()
}

/// Id → name maps of the reference data.
pub(crate) struct Names {
    pub(crate) checkpoints: std::collections::HashMap<String, String>,
    pub(crate) volunteers: std::collections::HashMap<String, String>,
}

impl Names {
    pub(crate) fn volunteer(&self, id: &str) -> String {
        self.volunteers
            .get(id)
            .cloned()
            .unwrap_or_else(|| id.to_owned())
    }

    pub(crate) fn passage_view(&self, r: PassageRow) -> PassageView {
        let at = local(r.at_utc);
        PassageView {
            id: r.id.to_string(),
            direction: direction_str(r.direction),
            at: r.at_utc,
            local_time: at.format("%H:%M").to_string(),
            local_date: at.format("%Y-%m-%d").to_string(),
            person_id: r.person_id.map(|p| p.to_string()),
            name: r.name,
            plate: r.plate,
            celsius: r.celsius_tenths.map(celsius_f64),
            first_celsius: if r.readings > 1 {
                r.first_celsius_tenths.map(celsius_f64)
            } else {
                None
            },
            fever: r.fever,
            voided: r.voided,
            reading_id: r.reading_id.map(|p| p.to_string()),
            checkpoint_name: self
                .checkpoints
                .get(&r.checkpoint_id)
                .cloned()
                .unwrap_or_default(),
            checkpoint_id: r.checkpoint_id,
            recorded_by: self.volunteer(&r.recorded_by),
            purpose: r.purpose,
            destination: r.destination,
        }
    }
}

impl AppCore {
    pub(crate) fn shift_state(&self) -> std::sync::MutexGuard<'_, ShiftState> {
        self.shift_slot()
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// The checkpoint this tablet is enrolled at.
    pub(crate) fn enrolled_checkpoint(&self) -> AppResult<String> {
        self.store()
            .enrolment()?
            .and_then(|e| e.scope.checkpoint)
            .ok_or_else(|| {
                AppError::new(
                    "not_a_gate",
                    None,
                    "这台设备没有登记为卡点平板，不能做出入登记",
                    "This device is not enrolled as a checkpoint tablet",
                )
            })
    }

    /// The shift on duty, if any.
    pub fn shift(&self) -> Option<Shift> {
        self.shift_state().shift.clone()
    }

    pub(crate) fn on_duty(&self) -> AppResult<Shift> {
        self.shift().ok_or_else(|| {
            AppError::new(
                "not_signed_in",
                None,
                "请先签到（选择姓名并输入密码）",
                "Sign in first (your name and PIN)",
            )
        })
    }

    /// The shift on duty, for a new record: refused once compound staff have retired the
    /// volunteer (the tablet learnt it at a sync during the shift). The shift can still be
    /// handed over. Errors: `not_signed_in`, `volunteer_retired`.
    pub(crate) fn registering(&self) -> AppResult<Shift> {
        let shift = self.on_duty()?;
        let retired = self
            .all_volunteers()?
            .iter()
            .any(|v| v.id.to_string() == shift.volunteer_id && v.retired);
        if retired {
            return Err(AppError::new(
                "volunteer_retired",
                None,
                "你已被小区工作人员停用，不能再登记。请交班，并联系小区工作人员",
                "You have been retired from the volunteer list and cannot register; hand over and ask the compound staff",
            ));
        }
        Ok(shift)
    }

    /// Names of checkpoints and volunteers, for lists.
    pub(crate) fn names(&self) -> AppResult<Names> {
        let r = self.reference()?;
        Ok(Names {
            checkpoints: r
                .checkpoints
                .keys()
                .filter_map(|id| Some((id.clone(), r.checkpoint_label(id)?)))
                .collect(),
            volunteers: r
                .volunteers
                .into_iter()
                .map(|(id, v)| (id, v.name))
                .collect(),
        })
    }

    /// This device's enrolment. Errors: `not_enrolled`.
    pub(crate) fn enrolled(&self) -> AppResult<crate::store::Enrolment> {
        self.store().enrolment()?.ok_or_else(|| {
            AppError::new(
                "not_enrolled",
                None,
                "这台设备还没有登记",
                "This device is not enrolled",
            )
        })
    }

    pub(crate) fn role(&self) -> AppResult<Option<Role>> {
        Ok(self.store().enrolment()?.map(|e| e.role))
    }

    /// Every volunteer this device holds (pulled, or set here), retired ones included.
    pub(crate) fn all_volunteers(&self) -> AppResult<Vec<Volunteer>> {
        Ok(self.reference()?.volunteers.into_values().collect())
    }

    /// The person's open home-observation case, if any (open or referred today, by the fold of
    /// its transitions; the day counted as the laptop's list counts it).
    pub(crate) fn observation_of(&self, person_id: &str) -> AppResult<Option<ObservationNote>> {
        let today = local(self.now()).date();
        let store = self.store();
        for case in store.observation_cases_of(person_id)? {
            let (visits, transitions) = store.case_facts(&case.id.to_string())?;
            let grid = case.grid(&visits, &transitions, today, today);
            if grid.status.active() && today <= grid.end {
                let day = grid
                    .days
                    .iter()
                    .find(|d| d.date == today)
                    .map_or(0, |d| d.day);
                return Ok(Some(ObservationNote {
                    case_id: case.id.to_string(),
                    day,
                    days: u16::try_from(grid.days.len()).unwrap_or(u16::MAX),
                    responsible: case.responsible.clone(),
                }));
            }
        }
        Ok(None)
    }

    /// The last day this device can judge: the day before its last successful sync (a visit
    /// made elsewhere on a later day may not have reached it yet).
    pub(crate) fn judged_through(&self) -> AppResult<Option<chrono::NaiveDate>> {
        Ok(self
            .store()
            .last_sync_at()?
            .and_then(|s| DateTime::parse_from_rfc3339(&s).ok())
            .and_then(|t| local(t.with_timezone(&Utc)).date().pred_opt()))
    }

    /// The reference data this device holds (places and volunteers), typed.
    pub(crate) fn reference(&self) -> AppResult<ReferenceData> {
        Ok(ReferenceData::read(&self.store())?)
    }
}

/// A day a screen sends (YYYY-MM-DD, 2019–2099). Errors: `invalid_date` on `field`.
pub(crate) fn parse_day(raw: &str, field: &str) -> AppResult<chrono::NaiveDate> {
    use chrono::Datelike;
    chrono::NaiveDate::parse_from_str(raw.trim(), "%Y-%m-%d")
        .ok()
        .filter(|d| (2019..=2099).contains(&d.year()))
        .ok_or_else(|| {
            AppError::new(
                "invalid_date",
                Some(field),
                "日期应写作 2026-03-01",
                "Write the date as 2026-03-01",
            )
        })
}

/// A text field a screen sends, trimmed; none when empty.
pub(crate) fn opt(s: &str) -> Option<String> {
    let t = s.trim();
    (!t.is_empty()).then(|| t.to_owned())
}

/// A choice sent by a screen (`door`, `returnee_hubei`, …) as the enum it names, by its serde
/// name. Errors: `invalid_input` on `field`.
pub(crate) fn choice<T: serde::de::DeserializeOwned>(raw: &str, field: &str) -> AppResult<T> {
    serde_json::from_value(serde_json::Value::String(raw.trim().to_owned())).map_err(|_| {
        AppError::new(
            "invalid_input",
            Some(field),
            "这一项的选择无效，请重新选择",
            "This choice is not one of the options: choose again",
        )
    })
}

/// Who recorded a visit or a change on a staff laptop when no staff member is named: the
/// laptop's name (党支部笔记本, at most 64 characters), else its id (an enrolment older than the
/// name), else `staff`.
pub(crate) fn staff_name(staff: &crate::store::Enrolment) -> String {
    let name = staff
        .device_name
        .as_deref()
        .map(str::trim)
        .filter(|n| !n.is_empty())
        .unwrap_or(&staff.device_id)
        .chars()
        .take(64)
        .collect::<String>();
    if name.trim().is_empty() {
        "staff".to_owned()
    } else {
        name
    }
}

/// The street as a device names it: its name as the server said at enrolment (`平原街道`), else
/// its county's full name and its code (`河南省商丘市梁园区 411402001`).
pub fn street_label(e: &crate::store::Enrolment) -> String {
    if let Some(name) = e.street_name.as_deref().filter(|n| !n.trim().is_empty()) {
        return name.to_owned();
    }
    let code = &e.scope.street;
    match code.get(..6) {
        Some(county) => format!("{} {code}", crate::places::place_name(county)),
        None => code.clone(),
    }
}

/// A file written by an export.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[ts(export)]
pub struct ExportResult {
    /// Full path of the file.
    pub path: String,
    /// Rows written (without the header).
    pub rows: u32,
    /// Voided passages or readings of the list that were left out of the file (0 for returnees).
    pub voided_left_out: u32,
    /// The file's name (`出入登记_20261201-203000.xlsx`).
    pub file_name: String,
    /// The folder it is in.
    pub folder: String,
}

/// Largest file a laptop takes in from the window (bytes): a list the street or the district
/// sends is a few hundred kB; 64 MB is a wrong file.
pub const MAX_UPLOAD_BYTES: usize = 64 * 1024 * 1024;

/// `file_unreadable` on `file`, with the reader's words (a list's file that is no workbook,
/// or has no header row).
pub(crate) fn unreadable(e: kadian_registers::RegisterError) -> AppError {
    AppError::new(
        "file_unreadable",
        Some("file"),
        &e.message_zh(),
        &e.to_string(),
    )
}

/// A list's file read as a grid of cells, with its file name (as its report shows it).
/// Errors: `file_unreadable`.
pub(crate) fn read_list(path: &std::path::Path) -> AppResult<(kadian_registers::Grid, String)> {
    let grid = kadian_registers::read_grid(path).map_err(unreadable)?;
    let file = path
        .file_name()
        .map(|f| f.to_string_lossy().into_owned())
        .unwrap_or_default();
    Ok((grid, file))
}

/// Runs `read` on a file the window sent as bytes: the readers read files, so the bytes go to a
/// private temporary file of the same name (its extension tells the format; `fallback` when
/// the name is none), removed right after. Errors: `file_too_large` (over
/// [`MAX_UPLOAD_BYTES`]), `file_unreadable` (no temporary folder), and `read`'s.
pub(crate) fn with_uploaded_file<T>(
    file_name: &str,
    bytes: &[u8],
    fallback: &str,
    read: impl FnOnce(&std::path::Path) -> AppResult<T>,
) -> AppResult<T> {
    if bytes.len() > MAX_UPLOAD_BYTES {
        return Err(AppError::new(
            "file_too_large",
            Some("file"),
            "文件太大（超过 64 MB），请确认选对了文件",
            "The file is larger than 64 MB: check it is the right one",
        ));
    }
    let failed = |e: std::io::Error| {
        AppError::new(
            "file_unreadable",
            Some("file"),
            &format!("临时文件写不了：{e}"),
            &format!("The temporary file could not be written: {e}"),
        )
    };
    let dir = tempfile::tempdir().map_err(failed)?;
    let name: String = std::path::Path::new(file_name)
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .filter(|n| !n.is_empty() && n != "." && n != "..")
        .unwrap_or_else(|| fallback.into());
    let path = dir.path().join(name);
    std::fs::write(&path, bytes).map_err(failed)?;
    read(&path)
}

/// `export_failed`: a file that could not be written, with where and why.
pub(crate) fn export_failed(path: &std::path::Path, e: &dyn std::fmt::Display) -> AppError {
    AppError::new(
        "export_failed",
        None,
        &format!("文件没有写成：{}（{e}）", path.display()),
        &format!("The file could not be written: {} ({e})", path.display()),
    )
}

/// Writes an export table to `dir` as `<stem>_<local time>.xlsx` or `.csv` (UTF-8 with BOM).
/// `at` is the local (China) time the name carries. Errors: `invalid_format`, `export_failed`.
pub fn write_export(
    table: &kadian_registers::export::ExportTable,
    stem: &str,
    format: &str,
    dir: &std::path::Path,
    at: chrono::NaiveDateTime,
    voided_left_out: usize,
) -> AppResult<ExportResult> {
    let failed = export_failed;
    let ext = match format {
        "xlsx" => "xlsx",
        "csv" => "csv",
        _ => {
            return Err(AppError::new(
                "invalid_format",
                Some("format"),
                "只能导出 Excel（.xlsx）或 CSV",
                "Export as .xlsx or .csv",
            ))
        }
    };
    std::fs::create_dir_all(dir).map_err(|e| failed(dir, &e))?;
    // A stem names places the street typed (`1/2期`, `..`): one file in `dir`, whatever they are.
    let stem: String = stem
        .chars()
        .map(|c| {
            if c.is_control() || matches!(c, '/' | '\\' | ':' | '*' | '?' | '"' | '<' | '>' | '|') {
                '_'
            } else {
                c
            }
        })
        .collect();
    let stem = stem.trim_start_matches('.');
    let path = dir.join(format!("{stem}_{}.{ext}", at.format("%Y%m%d-%H%M%S")));
    let written = if ext == "xlsx" {
        kadian_registers::export::export_xlsx(table, &path)
    } else {
        kadian_registers::export::export_csv(table, &path)
    };
    written.map_err(|e| failed(&path, &e))?;
    Ok(ExportResult {
        path: path.display().to_string(),
        rows: u32::try_from(table.rows.len()).unwrap_or(u32::MAX),
        voided_left_out: u32::try_from(voided_left_out).unwrap_or(u32::MAX),
        file_name: path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default(),
        folder: dir.display().to_string(),
    })
}

/// Screening coverage of a day, as 入户排查 and 概况 both count it (`kadian_domain::coverage`),
/// from this device's store: residents placed in their household's compound, else their own.
/// Everything a day's coverage needs, counted.
pub(crate) struct CoverageCount {
    pub(crate) units:
        std::collections::HashMap<kadian_domain::figures::Unit, kadian_domain::coverage::Coverage>,
    pub(crate) states:
        std::collections::HashMap<uuid::Uuid, kadian_domain::coverage::HouseholdState>,
    /// Household → (members living here, of them accounted for).
    pub(crate) members: std::collections::HashMap<uuid::Uuid, (u32, u32)>,
    pub(crate) seen: std::collections::HashSet<uuid::Uuid>,
    /// Every household held here, in walking order: (id, compound).
    pub(crate) households: Vec<(uuid::Uuid, String)>,
}

impl AppCore {
    /// Counts the coverage of `date` from this device's store.
    pub(crate) fn coverage_count(
        &self,
        date: chrono::NaiveDate,
        reference: &ReferenceData,
    ) -> AppResult<CoverageCount> {
        use kadian_domain::figures::Unit;
        let store = self.store();
        let households = store.household_facts()?;
        let places = reference.place_index();
        let household_unit: std::collections::HashMap<uuid::Uuid, Unit> = households
            .iter()
            .map(|(id, compound, community, _)| (*id, places.unit(Some(compound), Some(community))))
            .collect();
        let mut residents: Vec<kadian_domain::coverage::ResidentFact> = store
            .residents()?
            .into_iter()
            .map(|(id, compound, community, household, living)| {
                kadian_domain::coverage::ResidentFact {
                    id,
                    unit: household
                        .and_then(|h| household_unit.get(&h).cloned())
                        .unwrap_or_else(|| places.unit(compound.as_deref(), community.as_deref())),
                    household,
                    away: living == Some(false),
                }
            })
            .collect();
        let first = kadian_domain::coverage::window_start(date);
        let next = date.succ_opt().unwrap_or(date);
        let mut seen = store.seen_between(
            kadian_domain::figures::china_day_start(first),
            kadian_domain::figures::china_day_start(next),
            first,
            date,
        )?;
        // Staff's links of person records, within one unit: one person counted once, seen
        // under either record.
        let links = store.person_links()?;
        let links = if links.is_empty() {
            std::collections::HashMap::new()
        } else {
            let named: std::collections::HashSet<uuid::Uuid> = links
                .iter()
                .flat_map(|l| [l.person_id, l.same_as])
                .collect();
            let mut unit_of: std::collections::HashMap<uuid::Uuid, Unit> = residents
                .iter()
                .filter(|r| named.contains(&r.id))
                .map(|r| (r.id, r.unit.clone()))
                .collect();
            // Visitor records are no residents: placed as a person is, by their own place.
            for id in named {
                if unit_of.contains_key(&id) {
                    continue;
                }
                if let Some((p, _)) = store.person(id)? {
                    let unit = p
                        .household
                        .and_then(|h| household_unit.get(&h).cloned())
                        .unwrap_or_else(|| {
                            places.unit(p.compound.as_deref(), p.community_code.as_deref())
                        });
                    unit_of.insert(id, unit);
                }
            }
            kadian_domain::coverage::links_within(&links, &unit_of)
        };
        kadian_domain::coverage::apply_links(&mut residents, &mut seen, &links);
        drop(store);
        let facts: Vec<kadian_domain::coverage::HouseholdFact> = households
            .iter()
            .map(
                |(id, _, _, vacant)| kadian_domain::coverage::HouseholdFact {
                    id: *id,
                    unit: household_unit.get(id).cloned().unwrap_or(Unit::Unplaced),
                    vacant: *vacant,
                },
            )
            .collect();
        let (units, states) = kadian_domain::coverage::count(&residents, &facts, &seen);
        let mut members: std::collections::HashMap<uuid::Uuid, (u32, u32)> =
            std::collections::HashMap::new();
        for r in residents.iter().filter(|r| !r.away) {
            if let Some(h) = r.household {
                let m = members.entry(h).or_default();
                m.0 += 1;
                m.1 += u32::from(seen.contains(&r.id));
            }
        }
        Ok(CoverageCount {
            units,
            states,
            members,
            seen,
            households: households
                .into_iter()
                .map(|(id, compound, _, _)| (id, compound))
                .collect(),
        })
    }
}
