//! The areas: one module per group of screens (the Tauri command prefix), each holding its
//! `AppCore` methods and the view types that cross to the UI. An area never imports another area;
//! what several show alike lives in `views`.

pub mod daily_report;
pub mod dashboard;
pub mod disinfection;
pub mod enrolment;
pub mod gate;
pub mod hotline;
pub mod observation;
pub mod register_import;
pub mod review;
pub mod screening;
pub mod shift;
pub mod supplies;
pub mod sync_panel;
pub mod views;
pub mod volunteers;
