-- Version 10: scheduled work the server does on its own (the job runner)
-- and the retention rules that schedule some of it. A job is claimed by
-- one runner at a time: a conditional update sets `leased_by` and
-- `lease_until`, and a runner that dies (kill -9) leaves a lease that
-- expires, after which another claim runs the job again. Nothing here is
-- personal data: kinds, contract ids, times, counts and error messages.
CREATE TABLE scheduled_jobs (
    id INTEGER PRIMARY KEY,
    kind TEXT NOT NULL,
    -- One job per key (e.g. the visit check of one day, one rule's run):
    -- scheduling twice, from two servers, makes one job.
    dedupe_key TEXT NOT NULL UNIQUE,
    contract_id BIGINT REFERENCES contracts (id),
    purpose_code TEXT,
    rule_id BIGINT,
    label TEXT NOT NULL,
    run_at TEXT NOT NULL,
    state TEXT NOT NULL CHECK (state IN ('pending', 'running', 'done', 'failed', 'cancelled')),
    attempts BIGINT NOT NULL DEFAULT 0,
    max_attempts BIGINT NOT NULL,
    last_error TEXT,
    result TEXT,
    leased_by TEXT,
    lease_until TEXT,
    created_at TEXT NOT NULL,
    created_by TEXT NOT NULL,
    started_at TEXT,
    finished_at TEXT
);
CREATE INDEX scheduled_jobs_due ON scheduled_jobs (state, run_at);

-- What happens to a contract's data and when (保存期間): the ward sets it
-- on the contract; the service turns it into a scheduled job. `trigger_kind`
-- says when: so many days after the contract ends, on a date, or so many
-- days after a named event of the contract (reception closed, aggregation
-- done) that another part of itaku reports.
CREATE TABLE retention_rules (
    id INTEGER PRIMARY KEY,
    contract_id BIGINT NOT NULL REFERENCES contracts (id),
    purpose_code TEXT,
    trigger_kind TEXT NOT NULL CHECK (trigger_kind IN ('contract_end', 'date', 'event')),
    event TEXT,
    offset_days BIGINT NOT NULL DEFAULT 0,
    on_date TEXT,
    action TEXT NOT NULL,
    items TEXT NOT NULL DEFAULT '',
    waiver TEXT,
    state TEXT NOT NULL CHECK (state IN ('active', 'withdrawn')),
    set_at TEXT NOT NULL,
    set_by TEXT NOT NULL,
    withdrawn_at TEXT
);
CREATE INDEX retention_rules_contract ON retention_rules (contract_id, id);
