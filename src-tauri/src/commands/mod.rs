//! The commands, one file per area: one-line adapters named `area_verb` over `kadian-device`.

pub mod app;
pub mod daily_report;
pub mod dashboard;
pub mod enrolment;
pub mod export;
pub mod gate;
pub mod hotline;
pub mod observation;
pub mod places;
pub mod register_import;
pub mod review;
pub mod screening;
pub mod shift;
pub mod sync;
pub mod volunteers;
