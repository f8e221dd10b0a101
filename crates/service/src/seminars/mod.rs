//! Seed 003: the 四谷保健センター's women's health seminars and event, run
//! by a contractor that handles only 氏名 (reception) and アンケート
//! (questionnaires). This module holds what the seminar work shares: the
//! job and purpose codes, and the demo's contract.

pub mod demo;

/// The seminar job's code (seed 003: 女性の健康支援事業).
pub const JOB_CODE: &str = "josei-kenko-shien";
/// Reception: registrations and check-in see the participant's 氏名 only.
pub const PURPOSE_UKETSUKE: &str = "seminar_uketsuke";
/// Questionnaires: collection, keying and aggregation see アンケート only.
pub const PURPOSE_ANKETO: &str = "seminar_anketo";

mod anketo_link;
mod botcheck;
mod close;
mod events;
mod keys;
mod reception;
mod register;
mod views;

pub use botcheck::{
    solve, work_done, BotProof, CHALLENGE_MINUTES, POW_BITS, RATE_LIMIT, RATE_WINDOW_MINUTES,
};
pub use close::{ReturnedParticipant, SeminarErasureCertificate, SeminarReturnView, ERASE_METHOD};
pub use events::{EventKind, EventSpec, EventView, SessionSpec, SessionView};
pub use keys::qr_token_of;
pub use reception::{AttendeeView, CheckinMethod};
pub use register::{MyRegistration, Registered, RegistrationForm, RegistrationStatus};
