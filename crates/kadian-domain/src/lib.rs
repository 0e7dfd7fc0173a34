//! Kadian's domain: what the things at a checkpoint are and the rules of the field that decide
//! whether a typed value can be stored. Pure: no I/O, no async, no SQL.
//!
//! Every rule returns a [`Checked`] value (possibly with warnings a person must look at) or a
//! blocking [`Notice`] (severity [`Severity::Error`]); both carry a stable `code` and messages in
//! zh-CN and en.

pub mod coverage;
pub mod disinfection;
pub mod duplicates;
pub mod duty;
pub mod figures;
pub mod hotline;
pub mod id_number;
pub mod key_areas;
pub mod name;
pub mod notice;
pub mod observation;
pub mod phone;
pub mod places;
pub mod plate;
pub mod records;
pub mod supplies;
pub mod sync;
pub mod temperature;
mod text;

pub use id_number::{DocumentNumber, DocumentType, ResidentIdNumber, Sex};
pub use name::PersonName;
pub use notice::{CheckResult, Checked, Field, Notice, Severity};
pub use phone::{Phone, PhoneKind};
pub use plate::LicencePlate;
pub use temperature::{Celsius, FeverThreshold};
