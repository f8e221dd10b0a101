//! Uploaded target lists and running imports, held in this process's memory
//! only. An upload is personal data: it never touches the disk, belongs to
//! the user who sent it, and is forgotten after 15 minutes or once it is
//! imported. Each user has at most one upload waiting; a finished import's
//! report is kept for a while for its owner to read, then forgotten too.

use axum::body::Bytes;
use itaku_service::{ImportProfile, ImportReport};
use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

/// How long an upload waits for its import.
pub const UPLOAD_TTL: Duration = Duration::from_secs(15 * 60);
/// How long a finished import's report stays readable.
pub const REPORT_TTL: Duration = Duration::from_secs(30 * 60);

/// One row of the preview: its line in the file and each column's value as
/// it will be shown once stored.
#[derive(Clone)]
pub struct SampleRow {
    pub line: u64,
    pub cells: Vec<String>,
}

/// A file sent for import, with what its dry run found.
#[derive(Clone)]
pub struct Upload {
    pub owner: i64,
    pub profile_key: String,
    pub profile: ImportProfile,
    pub file_name: String,
    pub bytes: Bytes,
    pub report: ImportReport,
    pub columns: Vec<&'static str>,
    pub sample: Vec<SampleRow>,
    pub uploaded_at: String,
    expires: Instant,
}

impl Upload {
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        owner: i64,
        profile_key: String,
        profile: ImportProfile,
        file_name: String,
        bytes: Bytes,
        report: ImportReport,
        columns: Vec<&'static str>,
        sample: Vec<SampleRow>,
        uploaded_at: String,
    ) -> Self {
        Self {
            owner,
            profile_key,
            profile,
            file_name,
            bytes,
            report,
            columns,
            sample,
            uploaded_at,
            expires: Instant::now() + UPLOAD_TTL,
        }
    }

    /// Minutes left before the upload is forgotten (at least 1 while it lives).
    pub fn minutes_left(&self) -> u64 {
        self.expires
            .saturating_duration_since(Instant::now())
            .as_secs()
            .div_ceil(60)
    }
}

#[derive(Clone)]
pub enum JobState {
    Running,
    Done(Box<ImportReport>),
    Failed(String),
}

/// An import started from the page.
#[derive(Clone)]
pub struct Job {
    pub owner: i64,
    /// Digest of the session cookie that started it: the progress poll is
    /// answered to that session without touching the database, which a
    /// long import keeps busy.
    pub session_digest: String,
    pub profile_name: String,
    /// Whose items the report shows: viewing it is audited with them.
    pub profile: itaku_import::Profile,
    pub file_name: String,
    pub started_at: String,
    /// Data lines in the file (from the dry run), for the progress bar.
    pub total_rows: u64,
    line: Arc<AtomicU64>,
    pub state: JobState,
    finished: Option<Instant>,
}

impl Job {
    /// Data rows read so far (the header is line 1).
    pub fn processed(&self) -> u64 {
        self.line
            .load(Ordering::Relaxed)
            .saturating_sub(1)
            .min(self.total_rows.max(1))
    }

    pub fn percent(&self) -> u64 {
        match self.state {
            JobState::Running => (self.processed() * 100)
                .checked_div(self.total_rows)
                .unwrap_or(0)
                .min(99),
            _ => 100,
        }
    }
}

fn lock_and_sweep(inner: &Mutex<Inner>) -> MutexGuard<'_, Inner> {
    let mut g = match inner.lock() {
        Ok(g) => g,
        Err(poisoned) => poisoned.into_inner(),
    };
    let now = Instant::now();
    g.uploads.retain(|_, u| u.expires > now);
    g.jobs.retain(|_, j| {
        j.finished
            .is_none_or(|f| now.duration_since(f) < REPORT_TTL)
    });
    g
}

#[derive(Default)]
struct Inner {
    uploads: HashMap<String, Upload>,
    jobs: HashMap<String, Job>,
}

#[derive(Clone, Default)]
pub struct ImportStore {
    inner: Arc<Mutex<Inner>>,
    /// A sweeper task is running (started with the first upload).
    sweeping: Arc<AtomicBool>,
}

/// How often expired uploads and reports are forgotten when nobody asks.
const SWEEP_EVERY: Duration = Duration::from_secs(60);

impl ImportStore {
    fn lock(&self) -> MutexGuard<'_, Inner> {
        lock_and_sweep(&self.inner)
    }

    /// Forget expired uploads and reports even when no page asks, while
    /// there is anything to forget.
    fn ensure_sweeper(&self) {
        if self.sweeping.swap(true, Ordering::AcqRel) {
            return;
        }
        let inner = Arc::downgrade(&self.inner);
        let sweeping = self.sweeping.clone();
        tokio::spawn(async move {
            loop {
                tokio::time::sleep(SWEEP_EVERY).await;
                let Some(inner) = inner.upgrade() else { break };
                let g = lock_and_sweep(&inner);
                if g.uploads.is_empty() && g.jobs.is_empty() {
                    sweeping.store(false, Ordering::Release);
                    break;
                }
            }
        });
    }

    /// Keep an upload; the owner's earlier upload, if any, is dropped.
    pub fn put_upload(&self, upload: Upload) -> String {
        let token = itaku_crypto::random_token();
        {
            let mut g = self.lock();
            g.uploads.retain(|_, u| u.owner != upload.owner);
            g.uploads.insert(token.clone(), upload);
        }
        self.ensure_sweeper();
        token
    }

    /// The owner's upload; anyone else's is as missing.
    pub fn upload(&self, token: &str, owner: i64) -> Option<Upload> {
        self.lock()
            .uploads
            .get(token)
            .filter(|u| u.owner == owner)
            .cloned()
    }

    /// Take the owner's upload out of the store (to import it, or to drop it).
    pub fn take_upload(&self, token: &str, owner: i64) -> Option<Upload> {
        let mut g = self.lock();
        if g.uploads.get(token).is_some_and(|u| u.owner == owner) {
            g.uploads.remove(token)
        } else {
            None
        }
    }

    /// Register a running import; returns its id and the counter the import
    /// reports its progress to.
    pub fn start_job(
        &self,
        owner: i64,
        session_digest: String,
        upload: &Upload,
        started_at: String,
    ) -> (String, Arc<AtomicU64>) {
        let id = itaku_crypto::random_token();
        let line = Arc::new(AtomicU64::new(0));
        let job = Job {
            owner,
            session_digest,
            profile_name: upload.profile.name.clone(),
            profile: upload.profile.clone(),
            file_name: upload.file_name.clone(),
            started_at,
            total_rows: upload.report.scan.data_rows,
            line: line.clone(),
            state: JobState::Running,
            finished: None,
        };
        self.lock().jobs.insert(id.clone(), job);
        self.ensure_sweeper();
        (id, line)
    }

    pub fn finish_job(&self, id: &str, state: JobState) {
        if let Some(j) = self.lock().jobs.get_mut(id) {
            j.state = state;
            j.finished = Some(Instant::now());
        }
    }

    /// The owner's import; anyone else's is as missing.
    pub fn job(&self, id: &str, owner: i64) -> Option<Job> {
        self.lock()
            .jobs
            .get(id)
            .filter(|j| j.owner == owner)
            .cloned()
    }

    /// The import, to the session that started it.
    pub fn job_for_session(&self, id: &str, session_digest: &str) -> Option<Job> {
        self.lock()
            .jobs
            .get(id)
            .filter(|j| {
                itaku_crypto::constant_time_eq(
                    j.session_digest.as_bytes(),
                    session_digest.as_bytes(),
                )
            })
            .cloned()
    }

    /// The owner's imports, newest first (running ones and recent reports).
    pub fn jobs_of(&self, owner: i64) -> Vec<(String, Job)> {
        let mut v: Vec<(String, Job)> = self
            .lock()
            .jobs
            .iter()
            .filter(|(_, j)| j.owner == owner)
            .map(|(k, j)| (k.clone(), j.clone()))
            .collect();
        v.sort_by(|a, b| b.1.started_at.cmp(&a.1.started_at));
        v
    }
}
