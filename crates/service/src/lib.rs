//! The only entry point for operations on personal data. Every operation
//! opens a transaction, asks the policy, does its work, appends a
//! hash-chained audit entry and commits — or, if any step fails, leaves
//! nothing behind (fail closed). `web` and `cli` reach storage only through
//! this crate; it does not re-export the store.

mod actor;
mod admin;
pub mod analysis;
mod arms;
mod audit;
mod audit_batch;
mod auth;
pub mod backup;
mod bootstrap;
pub mod calls;
mod campaigns;
mod certificate;
pub mod complaints;
pub mod config;
pub mod contact;
mod demo;
mod desk;
mod erasure;
mod error;
mod exchange;
mod held_note;
mod import;
pub mod jobs;
mod ledger;
mod lists;
mod message;
mod op;
mod persons;
mod policy_cache;
mod printing;
pub mod questionnaires;
mod render;
mod results;
mod retention;
mod segments;
pub mod seminars;
pub mod tainou;
mod terminals;
pub mod testing;
mod time;
mod view;
pub mod visits;

pub use actor::{Actor, ActorKind};
pub use admin::{check_password_strength, NewContractSpec, NewUserSpec};
pub use arms::{ArmDesign, ArmReport, ArmRequest, ArmSpec, Eligibility, StratumRow};
pub use audit::{AuditEntryView, AuditQuery, Checkpoint, UserAccessReport, VerifyReport};
pub use auth::{SessionInfo, SignIn, SignedIn, WorkMenu};
pub use backup::{BackupKey, BackupReport};
pub use bootstrap::{create_master_key_file, load_master_key, read_master_key_file};
pub use calls::{CallCard, CallOutcome, CallRecorded, CallReport, CallRules, NextCall};
pub use campaigns::{
    CampaignEvent, CampaignKind, CampaignState, CampaignView, NewCampaign, SegmentCount,
};
pub use certificate::{
    certificate_lines, CertifiedCheckpoint, CertifiedContract, DestroyedKey, ErasureCertificate,
    RecordCounts, SignedCertificate,
};
pub use config::{ClientAuth, Config, ConfigError, LogFormat, Overrides, TlsConfig};
pub use contact::codes::{CodeList, ContactCode};
pub use demo::DEMO_PASSWORD;
pub use demo::{DemoLogin, DemoSummary};
pub use desk::{
    AddressChangeView, ComplaintAnswer, ComplaintView, HeldNoteView, InquiryKind, InquiryOutcome,
    InquiryRequest, InquiryView, NewAddress, NoteState, ReissueView, Screening, COLLECTIBLE,
};
pub use erasure::{CertificateCheck, ErasureStep, ErasureView, CRASH_AFTER_ENV};
pub use error::{Result, ServiceError};
pub use exchange::{ExchangeBinding, PackageReceived, PackageSent, PackageTo, PartnerView};
pub use import::ImportReport;
pub use itaku_exchange::{
    ExchangePublicKey, Receipt, SecretString, DEFAULT_WORK_FACTOR as PACKAGE_WORK_FACTOR,
};
pub use itaku_import::{presets as extraction_presets, Checkup, Condition, Rule};
pub use itaku_import::{segmentation_presets, Pattern, Segment, Segmentation};
pub use itaku_import::{Profile as ImportProfile, SHIPPED_PROFILES};
pub use itaku_policy::{Action, ContractStatus, Denial};
pub use jobs::{JobKind, JobRunReport, JobState, ScheduledJobView};
pub use ledger::{
    Channel, Direction, Ledger, LedgerContract, LedgerLine, ReturnReport, RESULT_ITEMS,
};
pub use lists::{SavedProfile, TargetListView};
pub use message::{default_template, PLACEHOLDERS};
pub use persons::{NewPerson, PersonQuery, PersonView, ProvisionReport};
pub use printing::{
    page_ref, parse_page_ref, BatchView, PrintFile, PrintKind, PrintRequest, PrintRunView, BATCH,
};
pub use render::PageOwner;
pub use retention::{
    RetentionAction, RetentionEvent, RetentionRuleSpec, RetentionRuleView, RetentionTrigger,
};
pub use segments::TemplateVersion;
pub use terminals::{normalize_fingerprint, TerminalView};
pub use time::jst_display;
pub use view::{ContractView, JobView, OrgView, PurposeView, UserView, WorkContext};
pub use visits::{
    parse_visit_code, AreaCount, Half, HandoutView, HeldNote, NewVisitList, VisitAlarm, VisitEntry,
    VisitListView, VisitOutcome, VisitPrintView, VisitRecordView, VisitSource, VisitTargetView,
};

use itaku_core::Clock;
use itaku_crypto::{DataKey, MasterKey, SigningKey};
use itaku_store::Store;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

/// Session lifetimes.
#[derive(Debug, Clone, Copy)]
pub struct Settings {
    pub session_idle_minutes: i64,
    pub session_absolute_hours: i64,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            session_idle_minutes: 30,
            session_absolute_hours: 10,
        }
    }
}

#[derive(Clone)]
pub struct Service {
    inner: Arc<Inner>,
}

struct Inner {
    store: Store,
    clock: Arc<dyn Clock>,
    master: MasterKey,
    signer: SigningKey,
    /// Seals users' TOTP secrets.
    user_secrets: DataKey,
    vault_keys: Mutex<HashMap<i64, Arc<DataKey>>>,
    /// The Japanese fonts for printing, loaded at first use.
    fonts: Mutex<Option<itaku_print::Fonts>>,
    settings: Settings,
    audit_batcher: audit_batch::AuditBatcher,
    policy_cache: Mutex<policy_cache::PolicyCache>,
}

impl Service {
    /// Open the database the configuration names, apply migrations, and load
    /// the keys. The master key must already exist (`itaku demo` or
    /// `itaku admin init` create one).
    pub async fn open(config: &Config, clock: Arc<dyn Clock>) -> Result<Service> {
        let master = bootstrap::load_master_key(config)?;
        let settings = Settings {
            session_idle_minutes: config.session_idle_minutes,
            session_absolute_hours: config.session_absolute_hours,
        };
        Self::open_url(&config.database_url, master, clock, settings).await
    }

    pub async fn open_url(
        database_url: &str,
        master: MasterKey,
        clock: Arc<dyn Clock>,
        settings: Settings,
    ) -> Result<Service> {
        let store = Store::connect(database_url).await?;
        store.migrate().await?;
        let keys = bootstrap::ensure_keys(&store, &master, clock.as_ref()).await?;
        Ok(Service {
            inner: Arc::new(Inner {
                store,
                clock,
                master,
                signer: keys.signer,
                user_secrets: keys.user_secrets,
                vault_keys: Mutex::new(HashMap::new()),
                fonts: Mutex::new(None),
                settings,
                audit_batcher: Default::default(),
                policy_cache: Default::default(),
            }),
        })
    }

    /// Apply migrations only; reports the versions now applied.
    pub async fn migrate_only(database_url: &str) -> Result<Vec<i64>> {
        let store = Store::connect(database_url).await?;
        store.migrate().await?;
        let v = store.applied_migrations().await?;
        store.close().await;
        Ok(v)
    }

    pub fn backend_name(&self) -> &'static str {
        self.inner.store.backend().name()
    }

    pub fn now(&self) -> chrono::DateTime<chrono::Utc> {
        self.inner.clock.now()
    }

    pub fn audit_public_key_fingerprint(&self) -> String {
        self.inner.signer.verifying_key().fingerprint()
    }

    pub async fn close(&self) {
        self.inner.store.close().await;
    }

    /// Is the database answering? For the health endpoint.
    pub async fn healthy(&self) -> bool {
        match self.inner.store.begin().await {
            Ok(mut tx) => {
                let ok = tx.audit_head().await.is_ok();
                let _ = tx.rollback().await;
                ok
            }
            Err(_) => false,
        }
    }
}
