//! 导入名册 on a laptop: a register file (a roster, a returnee register, a gate log or a
//! home-observation register, as community staff keep them in Excel or CSV) is read by kadian-registers and shown as a report,
//! every warned and rejected row included, before anything is stored. Committing stores the whole
//! file in one transaction (persons, travel declarations, passages and readings, observation
//! cases, each with its outbox row), so it syncs like anything typed at a gate; a file that fails changes nothing.

use kadian_registers::import::{
    import_file, ImportBatch, ImportOptions, ImportReport, RegisterKind,
};
use serde::Serialize;
use ts_rs::TS;

use crate::app_error::{AppError, AppResult};
use crate::core::AppCore;
use crate::local_time::local;
use crate::places::divisions;
pub use crate::store::ImportCommitted;

/// The largest register file read (bytes): a 140,000-person roster is about 12 MB as .xlsx.
pub const MAX_REGISTER_BYTES: usize = 64 * 1024 * 1024;

/// A register read and checked, waiting for the user to commit it.
#[derive(Debug, Clone, Serialize, TS)]
#[ts(export)]
pub struct ImportPreview {
    /// Pass it to the commit.
    pub token: String,
    /// The report: counts, unmapped columns, and every row with its status and issues.
    pub report: ImportReport,
}

fn kind_of(raw: Option<&str>) -> AppResult<Option<RegisterKind>> {
    Ok(match raw.filter(|s| !s.is_empty() && *s != "auto") {
        None => None,
        Some("residents" | "roster") => Some(RegisterKind::Roster),
        Some("returnees") => Some(RegisterKind::Returnees),
        Some("gate_log" | "gate-log") => Some(RegisterKind::GateLog),
        Some("observations" | "home_observation") => Some(RegisterKind::HomeObservation),
        Some(other) => {
            return Err(AppError::new(
                "invalid_register_kind",
                Some("kind"),
                &format!("不认识的名册类型：{other}"),
                &format!("Unknown register kind: {other}"),
            ))
        }
    })
}

impl AppCore {
    fn pending_import(&self) -> std::sync::MutexGuard<'_, Option<(String, ImportBatch)>> {
        self.pending_import_slot()
            .lock()
            .unwrap_or_else(|p| p.into_inner())
    }

    /// Reads a register file (its name tells the format: .xlsx, .xls, .csv) and returns the
    /// report without storing anything. `kind`: `residents`, `returnees`, `gate_log`, `observations`, or `None`
    /// to tell from the columns. People are placed in this laptop's community and compound;
    /// passages at its compound's first checkpoint.
    ///
    /// Errors: `not_a_desk` (a tablet), `file_too_large`, the register's own errors
    /// (`unsupported_type`, `encoding`, `no_header`, ...) with their messages.
    pub fn import_preview(
        &self,
        file_name: &str,
        bytes: &[u8],
        kind: Option<&str>,
    ) -> AppResult<ImportPreview> {
        let enrolment = self.enrolled()?;
        if matches!(
            enrolment.role,
            kadian_domain::sync::Role::Volunteer | kadian_domain::sync::Role::Zone
        ) {
            // A zone laptop holds its zone's compounds only: a register's people who live
            // elsewhere in a community could not be placed by it.
            return Err(AppError::new(
                "not_a_desk",
                None,
                "名册只能在小区、社区或街道的电脑上导入",
                "Registers are imported on compound, community or street laptops",
            ));
        }
        if bytes.len() > MAX_REGISTER_BYTES {
            return Err(AppError::new(
                "file_too_large",
                Some("file"),
                "文件太大（超过 64 MB），请拆分后再导入",
                "The file is larger than 64 MB; split it",
            ));
        }
        let (compound_name, checkpoint, compounds) = {
            let r = self.reference()?;
            // The compounds an observation register's addresses may name: those this device
            // holds (its scope's).
            let compounds: Vec<kadian_registers::KnownCompound> = r.known_compounds();
            let compound = enrolment.scope.compound.as_deref();
            let name = compound
                .and_then(|id| r.compound_name(id))
                .map(str::to_owned);
            // The compound's first gate (by id): an imported gate log's passages need one.
            let checkpoint = compound.and_then(|id| r.gates_of(id).next().map(|g| g.id.clone()));
            (name, checkpoint, compounds)
        };
        let kind = kind_of(kind)?;
        let mut options = ImportOptions::new(local(self.now()).date());
        options.kind = kind;
        options.community_code = enrolment.scope.community.clone();
        options.compound = compound_name;
        options.compounds = compounds;
        options.checkpoint_id = checkpoint.clone().unwrap_or_else(|| "import".into());
        // `recorded_by` is a reference of at most 64 characters (kadian_domain::records): a long file name
        // is cut, never a reason to refuse the register.
        options.recorded_by = format!("导入 {file_name}")
            .chars()
            .take(kadian_domain::records::MAX_REF_CHARS)
            .collect();
        // calamine and the CSV reader read files: the bytes go to a private temporary file
        // with the same name (the extension tells the format), removed right after.
        let dir = tempfile::tempdir().map_err(|e| {
            AppError::new(
                "io",
                None,
                "无法创建临时文件",
                &format!("temporary file: {e}"),
            )
        })?;
        let safe_name = std::path::Path::new(file_name)
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| "register".into());
        let path = dir.path().join(&safe_name);
        std::fs::write(&path, bytes).map_err(|e| {
            AppError::new(
                "io",
                None,
                "无法写入临时文件",
                &format!("temporary file: {e}"),
            )
        })?;
        let batch = import_file(&path, &options, divisions())
            .map_err(|e| AppError::new(e.code(), Some("file"), &e.message_zh(), &e.to_string()))?;
        if batch.report.kind == RegisterKind::GateLog && checkpoint.is_none() {
            return Err(AppError::new(
                "no_checkpoint",
                Some("kind"),
                "出入登记需要小区的卡点：请在小区电脑上导入",
                "A gate log needs a compound with a checkpoint: import it on a compound laptop",
            ));
        }
        let token = uuid::Uuid::now_v7().to_string();
        let report = batch.report.clone();
        *self.pending_import() = Some((token.clone(), batch));
        Ok(ImportPreview { token, report })
    }

    /// Stores the previewed register in one transaction and wakes the sync task. Errors:
    /// `import_expired` when the token is not the latest preview's.
    pub fn import_commit(&self, token: &str) -> AppResult<ImportCommitted> {
        let batch = {
            let mut slot = self.pending_import();
            match slot.take() {
                Some((t, b)) if t == token => b,
                other => {
                    *slot = other;
                    return Err(AppError::new(
                        "import_expired",
                        None,
                        "这份预览已失效，请重新选择文件",
                        "This preview has expired; choose the file again",
                    ));
                }
            }
        };
        let done = self.store().record_import(&batch)?;
        self.written();
        Ok(done)
    }
}
