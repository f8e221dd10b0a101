//! Storage on two real backends behind one interface: embedded SQLite (the
//! default) and PostgreSQL. Queries are written once in the dialect both
//! accept; the few differences stay in this crate. Only `itaku-service` may
//! depend on it (checked in CI).

mod anketo;
mod anketo_answers;
mod audit;
mod calls;
mod campaign;
mod complaints;
mod contact;
mod desk;
mod error;
mod jobs;
mod lifecycle;
mod lists;
mod org;
mod person;
mod pool;
mod seminar;
mod seminar_registration;
mod session;
mod tainou;
mod tainou_entry;
mod terminal;
pub mod testing;
mod transfer;
mod tx;
mod visits;

pub use anketo::{ApprovalRow, ChoiceRow, NewQuestion, QuestionRow, QuestionnaireRow};
pub use anketo_answers::{AnketoReturnRow, ResponseRow, SheetKeyingRow, SheetRow};
pub use audit::{AuditCheckpointRow, AuditFilter, AuditRow, NewAuditEntry};
pub use calls::{CallAttemptRow, CallPlanRow, CallTargetRow, NewCallAttempt, TargetUpdate};
pub use campaign::{
    CampaignColumn, CampaignEventRow, CampaignRow, MemberAllocation, MemberRow, NewPrintRun,
    PrintRunRow, TemplateRow,
};
pub use complaints::{ComplaintRow, ComplaintUpdate, NewComplaint};
pub use contact::ContactCodeRow;
pub use desk::{AddressChangeRow, InquiryRow, NewInquiry, ReissueRow};
pub use error::StoreError;
pub use jobs::{JobEnd, NewRetentionRule, NewScheduledJob, RetentionRuleRow, ScheduledJobRow};
pub use lifecycle::{
    Cell, ColumnKind, ErasureRow, NewErasure, TableSchema, VaultCounts, PURGED_TABLES,
    SUB_KEY_TABLES,
};
pub use lists::{ProfileRow, TargetListRow};
pub use org::{
    ContractRow, JobRow, NewContract, NewUser, OrgRow, PurposeRow, StaffRow, SubcontractRow,
    TerminalRow, TrainingRow, UserRow,
};
pub use person::{PersonItemsRow, PersonRow, VaultRow};
pub use pool::{Backend, Store};
pub use seminar::{EventRow, NewEvent, NewSeminarSession, SeminarSessionRow};
pub use seminar_registration::{
    CheckinRow, NewRegistration, NewSeminarReturn, RegistrationRow, SeminarReturnRow,
};
pub use session::SessionRow;
pub use tainou::{
    AssessmentRow, HouseholdMemberRow, HouseholdRow, LedgerEntryRow, NewLedgerEntry, PaymentRow,
    PlanRow,
};
pub use tainou_entry::{EntryBatchRow, EntryPageRow, KeyingCountRow, KeyingRow, SettlementRow};
pub use transfer::{ContractExchangeRow, NewTransfer, PartnerRow, TransferRow};
pub use tx::Tx;
pub use visits::{
    NewHandout, NewVisitRecord, NewVisitTarget, VisitHandoutRow, VisitListRow, VisitPrintRow,
    VisitRecordRow, VisitTargetRow,
};

pub type Result<T> = std::result::Result<T, StoreError>;
