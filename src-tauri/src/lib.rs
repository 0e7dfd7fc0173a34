//! Kadian's window: a thin Tauri 2 shell. One `AppCore` (kadian-device) is opened in `setup` and
//! handed to Tauri with `manage`; commands are one-line adapters named `area_verb`. No SQL and no
//! rule of the field lives here.

use std::path::PathBuf;
use std::sync::Arc;

use kadian_device::sync::{SyncHandle, SyncSettings, SyncStatus};
use kadian_device::{AppCore, Enrolment, KeyPolicy, StoreError};
use serde::Serialize;
use tauri::Manager;

/// The error every command returns to the UI: a stable code and a message in words a volunteer
/// understands.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct CommandError {
    /// Machine-readable code (`wrong_key`, `disk_full`, ...).
    pub code: String,
    /// What happened and what to do.
    pub message: String,
}

impl From<StoreError> for CommandError {
    fn from(e: StoreError) -> Self {
        CommandError {
            code: e.code().to_owned(),
            message: e.to_string(),
        }
    }
}

/// The device, or why it could not be opened (the window still opens and says so), and its
/// sync task.
pub struct Device {
    core: Result<Arc<AppCore>, CommandError>,
    sync: Option<SyncHandle>,
}

impl Device {
    fn core(&self) -> Result<&AppCore, CommandError> {
        self.core.as_deref().map_err(Clone::clone)
    }
}

impl From<kadian_device::SyncError> for CommandError {
    fn from(e: kadian_device::SyncError) -> Self {
        CommandError {
            code: e.name(),
            message: e.to_string(),
        }
    }
}

/// Name and version of the app, for the start screen.
#[derive(Debug, Clone, Serialize)]
pub struct AppInfo {
    /// `kadian`.
    pub name: &'static str,
    /// Cargo package version.
    pub version: &'static str,
}

/// `app_info`: name and version.
#[tauri::command]
fn app_info() -> AppInfo {
    AppInfo {
        name: "kadian",
        version: env!("CARGO_PKG_VERSION"),
    }
}

/// `storage_info`: where the data lives, where the key is kept, schema version, pending count.
#[tauri::command]
fn storage_info(
    device: tauri::State<'_, Device>,
) -> Result<kadian_device::core::StorageInfo, CommandError> {
    Ok(device.core()?.storage_info()?)
}

/// What the device is enrolled as (without its token), for the start screen.
#[derive(Debug, Clone, Serialize)]
pub struct EnrolmentInfo {
    /// Server address.
    pub server_url: String,
    /// Role.
    pub role: kadian_domain::sync::Role,
    /// Scope.
    pub scope: kadian_domain::sync::Scope,
    /// The checkpoint's name, when the reference data has arrived.
    pub checkpoint_name: Option<String>,
}

/// `device_enrolment`: the enrolment, or `null` when the device is not enrolled.
#[tauri::command]
fn device_enrolment(
    device: tauri::State<'_, Device>,
) -> Result<Option<EnrolmentInfo>, CommandError> {
    let store = device.core()?.store();
    let Some(e) = store.enrolment()? else {
        return Ok(None);
    };
    let checkpoint_name = e.scope.checkpoint.as_ref().and_then(|id| {
        store
            .reference("checkpoint")
            .ok()?
            .into_iter()
            .find(|(k, _)| k == id)
            .and_then(|(_, b)| b["name"].as_str().map(str::to_owned))
    });
    Ok(Some(EnrolmentInfo {
        server_url: e.server_url,
        role: e.role,
        scope: e.scope,
        checkpoint_name,
    }))
}

/// `sync_status`: online/offline, last success, pending and rejected counts, failures by name.
#[tauri::command]
fn sync_status(device: tauri::State<'_, Device>) -> Result<SyncStatus, CommandError> {
    let core = device.core()?;
    Ok(match &device.sync {
        Some(h) => h.status(),
        None => SyncStatus {
            pending: core.store().pending_count()?,
            ..SyncStatus::default()
        },
    })
}

/// Enrols the device from `KADIAN_ENROL_SERVER` and `KADIAN_ENROL_CODE` when it is not enrolled
/// yet (`cargo xtask run` issues the code), then starts the sync task.
fn start_sync(core: &Arc<AppCore>) -> Option<SyncHandle> {
    let enrolled = core.store().enrolment().ok().flatten().is_some();
    if !enrolled {
        if let (Ok(server), Ok(code)) = (
            std::env::var("KADIAN_ENROL_SERVER"),
            std::env::var("KADIAN_ENROL_CODE"),
        ) {
            let name = format!("{} 平板", std::env::consts::OS);
            match tauri::async_runtime::block_on(kadian_device::sync::enrol(
                core, &server, &code, &name,
            )) {
                Ok(Enrolment { device_id, .. }) => {
                    eprintln!("kadian: enrolled with {server} as device {device_id}")
                }
                Err(e) => eprintln!("kadian: enrolment with {server} failed: {e}"),
            }
        }
    }
    let core = core.clone();
    Some(tauri::async_runtime::block_on(async move {
        kadian_device::sync::start(core, SyncSettings::default())
    }))
}

/// The data folder: `KADIAN_DATA_DIR` if set (tests, kiosks), else the platform's app data folder
/// (`$XDG_DATA_HOME/cn.kadian.checkpoint` on Linux).
fn data_dir<R: tauri::Runtime>(app: &tauri::App<R>) -> Result<PathBuf, CommandError> {
    if let Some(dir) = std::env::var_os("KADIAN_DATA_DIR") {
        return Ok(PathBuf::from(dir));
    }
    app.path().app_data_dir().map_err(|e| CommandError {
        code: "no_data_dir".into(),
        message: format!("cannot find a folder for Kadian's data: {e}"),
    })
}

/// Builds the app with its commands; `main` runs it, tests build it on Tauri's mock runtime.
pub fn builder<R: tauri::Runtime>() -> tauri::Builder<R> {
    tauri::Builder::<R>::new()
        .setup(|app| {
            let core = data_dir(app).and_then(|dir| {
                AppCore::open(&dir, &KeyPolicy::for_data_dir(&dir))
                    .map(Arc::new)
                    .map_err(CommandError::from)
            });
            if let Err(e) = &core {
                eprintln!(
                    "kadian: the device store could not be opened: {} ({})",
                    e.message, e.code
                );
            }
            let sync = core.as_ref().ok().and_then(start_sync);
            app.manage(Device { core, sync });
            Ok(())
        })
        .invoke_handler(tauri::generate_handler![
            app_info,
            storage_info,
            device_enrolment,
            sync_status
        ])
}

/// Runs Kadian's window until it is closed.
pub fn run() {
    if let Err(e) = builder::<tauri::Wry>().run(tauri::generate_context!()) {
        eprintln!("kadian: the window could not start: {e}");
        std::process::exit(1);
    }
}
