//! The `kadian` binary: opens Kadian's window.

// No console window on Windows release builds.
#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

fn main() {
    kadian_app_lib::run();
}
