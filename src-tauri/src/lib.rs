//! Kadian's window: a thin Tauri 2 shell. One `AppCore` (kadian-device) is opened in `setup` and
//! handed to Tauri with `manage`; commands are one-line adapters named `area_verb`. No SQL and no
//! rule of the field lives here.

use std::path::PathBuf;

use kadian_device::{AppCore, KeyPolicy, StoreError};
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

/// The device, or why it could not be opened (the window still opens and says so).
pub struct Device(pub Result<AppCore, CommandError>);

impl Device {
    fn core(&self) -> Result<&AppCore, CommandError> {
        self.0.as_ref().map_err(Clone::clone)
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
            let device = data_dir(app).and_then(|dir| {
                AppCore::open(&dir, &KeyPolicy::for_data_dir(&dir)).map_err(CommandError::from)
            });
            if let Err(e) = &device {
                eprintln!(
                    "kadian: the device store could not be opened: {} ({})",
                    e.message, e.code
                );
            }
            app.manage(Device(device));
            Ok(())
        })
        .invoke_handler(tauri::generate_handler![app_info, storage_info])
}

/// Runs Kadian's window until it is closed.
pub fn run() {
    if let Err(e) = builder::<tauri::Wry>().run(tauri::generate_context!()) {
        eprintln!("kadian: the window could not start: {e}");
        std::process::exit(1);
    }
}
