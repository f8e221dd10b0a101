-- Version 1: organisations, people who work, contracts, vaults, sessions and
-- the audit chain. PostgreSQL has the same version with its own types.
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);

CREATE TABLE organisations (
    id INTEGER PRIMARY KEY,
    kind TEXT NOT NULL CHECK (kind IN ('ward', 'contractor', 'subcontractor')),
    name TEXT NOT NULL UNIQUE,
    parent_id BIGINT REFERENCES organisations (id),
    created_at TEXT NOT NULL
);

CREATE TABLE users (
    id INTEGER PRIMARY KEY,
    org_id BIGINT NOT NULL REFERENCES organisations (id),
    login TEXT NOT NULL UNIQUE,
    display_name TEXT NOT NULL,
    role TEXT NOT NULL,
    password_hash TEXT NOT NULL,
    totp_secret BLOB,
    totp_last_step BIGINT,
    training_valid_until TEXT,
    active BIGINT NOT NULL DEFAULT 1,
    created_at TEXT NOT NULL
);

CREATE TABLE training_records (
    id INTEGER PRIMARY KEY,
    user_id BIGINT NOT NULL REFERENCES users (id),
    course TEXT NOT NULL,
    completed_on TEXT NOT NULL,
    valid_until TEXT NOT NULL,
    recorded_by BIGINT,
    recorded_at TEXT NOT NULL
);

CREATE TABLE signin_throttle (
    login TEXT PRIMARY KEY,
    failures BIGINT NOT NULL,
    locked_until TEXT
);

CREATE TABLE jobs (
    id INTEGER PRIMARY KEY,
    code TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    section TEXT NOT NULL
);

CREATE TABLE purposes (
    id INTEGER PRIMARY KEY,
    job_id BIGINT NOT NULL REFERENCES jobs (id),
    code TEXT NOT NULL,
    name TEXT NOT NULL,
    items TEXT NOT NULL,
    UNIQUE (job_id, code)
);

CREATE TABLE contracts (
    id INTEGER PRIMARY KEY,
    job_id BIGINT NOT NULL REFERENCES jobs (id),
    contractor_org_id BIGINT NOT NULL REFERENCES organisations (id),
    name TEXT NOT NULL,
    starts_on TEXT NOT NULL,
    ends_on TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('active', 'cancelled', 'closed')),
    allowed_networks TEXT NOT NULL DEFAULT '',
    requires_client_cert BIGINT NOT NULL DEFAULT 0,
    created_at TEXT NOT NULL,
    cancelled_at TEXT
);

CREATE TABLE contract_staff (
    contract_id BIGINT NOT NULL REFERENCES contracts (id),
    user_id BIGINT NOT NULL REFERENCES users (id),
    duty TEXT NOT NULL CHECK (duty IN ('responsible', 'handler')),
    purpose_code TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (contract_id, user_id, duty, purpose_code)
);

CREATE TABLE subcontract_approvals (
    id INTEGER PRIMARY KEY,
    contract_id BIGINT NOT NULL REFERENCES contracts (id),
    org_id BIGINT NOT NULL REFERENCES organisations (id),
    approved_by BIGINT NOT NULL,
    approved_at TEXT NOT NULL,
    revoked_at TEXT
);

CREATE TABLE terminals (
    id INTEGER PRIMARY KEY,
    org_id BIGINT NOT NULL REFERENCES organisations (id),
    name TEXT NOT NULL,
    cert_fingerprint TEXT NOT NULL UNIQUE,
    registered_at TEXT NOT NULL,
    revoked_at TEXT
);

CREATE TABLE vaults (
    id INTEGER PRIMARY KEY,
    contract_id BIGINT UNIQUE REFERENCES contracts (id),
    wrapped_key BLOB,
    created_at TEXT NOT NULL,
    destroyed_at TEXT
);

-- One row per person; one sealed column per catalogue item, so a purpose's
-- query selects only its own items' columns and the others never leave disk.
CREATE TABLE persons (
    id INTEGER PRIMARY KEY,
    vault_id BIGINT NOT NULL REFERENCES vaults (id),
    person_key BLOB NOT NULL,
    source_person_id BIGINT,
    created_at TEXT NOT NULL,
    i_atena_no BLOB,
    i_shimei BLOB,
    i_kana_shimei BLOB,
    i_seinengappi BLOB,
    i_seibetsu BLOB,
    i_yubin_bango BLOB,
    i_jusho BLOB,
    i_katagaki BLOB,
    i_denwa_bango BLOB,
    i_jushinken_no BLOB,
    i_kokuho_kigo_bango BLOB,
    i_shikaku_shutoku BLOB,
    i_shikaku_soshitsu BLOB,
    i_jushin_rireki BLOB,
    i_kenshin_kekka BLOB,
    i_gan_kenshin_shurui BLOB,
    i_kansho_kekka BLOB,
    i_jushin_bi BLOB,
    i_anketo BLOB,
    UNIQUE (vault_id, person_key)
);

CREATE TABLE person_search (
    person_id BIGINT NOT NULL REFERENCES persons (id) ON DELETE CASCADE,
    token BLOB NOT NULL
);
CREATE INDEX person_search_token ON person_search (token);
CREATE INDEX person_search_person ON person_search (person_id);

CREATE TABLE sessions (
    id_digest TEXT PRIMARY KEY,
    user_id BIGINT NOT NULL REFERENCES users (id),
    csrf_token TEXT NOT NULL,
    ip TEXT,
    client_cert TEXT,
    created_at TEXT NOT NULL,
    last_seen_at TEXT NOT NULL,
    expires_at TEXT NOT NULL,
    stepped_up_at TEXT,
    ended_at TEXT,
    end_reason TEXT
);
CREATE INDEX sessions_user ON sessions (user_id);

CREATE TABLE system_keys (
    name TEXT PRIMARY KEY,
    wrapped BLOB NOT NULL,
    public BLOB,
    created_at TEXT NOT NULL
);

CREATE TABLE audit_head (
    id BIGINT PRIMARY KEY CHECK (id = 1),
    seq BIGINT NOT NULL,
    hash BLOB NOT NULL
);

CREATE TABLE audit_log (
    seq BIGINT PRIMARY KEY,
    at TEXT NOT NULL,
    actor_user_id BIGINT,
    actor TEXT NOT NULL,
    role TEXT NOT NULL,
    terminal TEXT NOT NULL,
    contract_id BIGINT,
    purpose TEXT NOT NULL,
    action TEXT NOT NULL,
    target TEXT NOT NULL,
    record_ids TEXT NOT NULL,
    items TEXT NOT NULL,
    outcome TEXT NOT NULL,
    reason TEXT NOT NULL,
    request_id TEXT NOT NULL,
    hash BLOB NOT NULL
);
CREATE INDEX audit_log_user ON audit_log (actor_user_id, seq);
CREATE INDEX audit_log_contract ON audit_log (contract_id, seq);

CREATE TABLE audit_checkpoints (
    seq BIGINT PRIMARY KEY,
    hash BLOB NOT NULL,
    signature BLOB NOT NULL,
    signed_at TEXT NOT NULL
);
