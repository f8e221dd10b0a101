-- Version 8: the inquiry desk (問合せ窓口, seed 000) and the ward's
-- complaints record. Everything said about a person is sealed: the desk's
-- notes and what a caller not in the list gave with the contract vault's
-- key, what goes to the ward (new addresses, complaints) with the ward's.
-- In the clear are only kinds, states, dates and record numbers.
CREATE TABLE desk_inquiries (
    id INTEGER PRIMARY KEY,
    contract_id BIGINT NOT NULL REFERENCES contracts (id),
    purpose TEXT NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('reissue', 'add_screening', 'guidance', 'address_change', 'complaint')),
    -- The caller's record in the contract's vault; NULL for a caller who
    -- is not in the list (their items are then in payload).
    person_id BIGINT REFERENCES persons (id),
    -- Random; part of the sealed columns' identity.
    seal_ref TEXT NOT NULL UNIQUE,
    payload BLOB NOT NULL,
    caller_items TEXT NOT NULL,
    purpose_read BIGINT NOT NULL,
    note BLOB,
    note_state TEXT NOT NULL CHECK (note_state IN ('none', 'stored', 'held', 'released', 'deleted')),
    note_flags TEXT NOT NULL,
    reviewed_at TEXT,
    reviewed_by TEXT,
    received_at TEXT NOT NULL,
    user_id BIGINT,
    operator TEXT NOT NULL
);
CREATE INDEX desk_inquiries_contract ON desk_inquiries (contract_id, id);

-- Vouchers to print again, in the contract's voucher campaign.
CREATE TABLE desk_reissues (
    id INTEGER PRIMARY KEY,
    contract_id BIGINT NOT NULL REFERENCES contracts (id),
    inquiry_id BIGINT NOT NULL REFERENCES desk_inquiries (id),
    campaign_id BIGINT NOT NULL REFERENCES campaigns (id),
    person_id BIGINT NOT NULL,
    queued_at TEXT NOT NULL,
    print_run_id BIGINT REFERENCES print_runs (id),
    printed_at TEXT
);
CREATE INDEX desk_reissues_contract ON desk_reissues (contract_id, print_run_id);

-- A change of address told to the desk, for the ward to apply.
CREATE TABLE desk_address_changes (
    id INTEGER PRIMARY KEY,
    contract_id BIGINT NOT NULL REFERENCES contracts (id),
    inquiry_id BIGINT NOT NULL REFERENCES desk_inquiries (id),
    ward_person_id BIGINT,
    seal_ref TEXT NOT NULL UNIQUE,
    sealed BLOB NOT NULL,
    received_at TEXT NOT NULL,
    handled_at TEXT,
    handled_by TEXT
);

-- The ward's complaints record, for every job: the desk files here, and
-- so will the other channels.
CREATE TABLE complaints (
    id INTEGER PRIMARY KEY,
    job_id BIGINT NOT NULL REFERENCES jobs (id),
    contract_id BIGINT REFERENCES contracts (id),
    source TEXT NOT NULL,
    source_id BIGINT,
    received_on TEXT NOT NULL,
    channel TEXT NOT NULL,
    seal_ref TEXT NOT NULL UNIQUE,
    summary BLOB NOT NULL,
    answered_on TEXT,
    answer BLOB,
    reported_on TEXT,
    created_at TEXT NOT NULL,
    created_by TEXT NOT NULL,
    updated_at TEXT,
    updated_by TEXT
);
CREATE INDEX complaints_job ON complaints (job_id, id);
CREATE INDEX complaints_contract ON complaints (contract_id);
