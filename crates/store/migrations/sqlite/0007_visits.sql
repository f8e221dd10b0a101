-- Version 7: home visits (seed 001 訪問勧奨). A visit list freezes a
-- campaign's members of some areas (町丁目); each member gets a random
-- visit code. The list is printed as two halves (names / addresses) that
-- only identify someone together; every printed copy is a run, signed out
-- to a visitor and back in the 授受簿. Notes about a person are sealed
-- with the contract vault's key.
CREATE TABLE visit_lists (
    id INTEGER PRIMARY KEY,
    contract_id BIGINT NOT NULL REFERENCES contracts (id),
    campaign_id BIGINT NOT NULL REFERENCES campaigns (id),
    source TEXT NOT NULL,
    areas TEXT NOT NULL,
    members BIGINT NOT NULL,
    created_at TEXT NOT NULL,
    created_by BIGINT,
    actor TEXT NOT NULL
);
CREATE INDEX visit_lists_contract ON visit_lists (contract_id);

-- One row per person on a list. The code is what both halves carry; it is
-- unique within the contract so a visitor's code alone finds the target.
CREATE TABLE visit_targets (
    list_id BIGINT NOT NULL REFERENCES visit_lists (id),
    contract_id BIGINT NOT NULL,
    campaign_id BIGINT NOT NULL,
    person_id BIGINT NOT NULL,
    code TEXT NOT NULL,
    area TEXT NOT NULL,
    seq BIGINT NOT NULL,
    state TEXT NOT NULL CHECK (state IN ('open', 'done')),
    visits BIGINT NOT NULL DEFAULT 0,
    last_outcome TEXT,
    contacted BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (list_id, person_id),
    UNIQUE (contract_id, code)
);
CREATE INDEX visit_targets_campaign ON visit_targets (campaign_id, person_id);

-- The print register of the halves: one row per printed copy (run).
CREATE TABLE visit_prints (
    id INTEGER PRIMARY KEY,
    list_id BIGINT NOT NULL REFERENCES visit_lists (id),
    contract_id BIGINT NOT NULL,
    half TEXT NOT NULL CHECK (half IN ('name', 'address')),
    at TEXT NOT NULL,
    user_id BIGINT,
    actor TEXT NOT NULL,
    persons BIGINT NOT NULL,
    sheets BIGINT NOT NULL,
    downloads BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX visit_prints_list ON visit_prints (list_id);

-- 授受簿: a printed copy taken out by a visitor and brought back. A copy
-- is out at most once at a time. due_at is the end of the working day of
-- the sign-out (JST), fixed when it is signed out.
CREATE TABLE visit_handouts (
    id INTEGER PRIMARY KEY,
    print_id BIGINT NOT NULL REFERENCES visit_prints (id),
    list_id BIGINT NOT NULL,
    contract_id BIGINT NOT NULL,
    half TEXT NOT NULL CHECK (half IN ('name', 'address')),
    visitor TEXT NOT NULL,
    sheets_out BIGINT NOT NULL,
    out_at TEXT NOT NULL,
    out_by BIGINT,
    due_at TEXT NOT NULL,
    sheets_in BIGINT,
    in_at TEXT,
    in_by BIGINT,
    in_note TEXT NOT NULL DEFAULT '',
    alarm_at TEXT
);
CREATE UNIQUE INDEX visit_handouts_one_out ON visit_handouts (print_id) WHERE in_at IS NULL;
CREATE INDEX visit_handouts_due ON visit_handouts (contract_id, in_at, due_at);

-- What a visit found. A note flagged by the screen is held (sealed, never
-- shown) until the 責任者 releases or deletes it.
CREATE TABLE visit_records (
    id INTEGER PRIMARY KEY,
    list_id BIGINT NOT NULL,
    contract_id BIGINT NOT NULL,
    person_id BIGINT NOT NULL,
    user_id BIGINT,
    at TEXT NOT NULL,
    outcome TEXT NOT NULL,
    reasons TEXT NOT NULL,
    requests TEXT NOT NULL,
    note BLOB,
    note_flags TEXT NOT NULL DEFAULT '',
    note_state TEXT NOT NULL CHECK (note_state IN ('none', 'kept', 'held', 'released', 'deleted')),
    reviewed_by BIGINT,
    reviewed_at TEXT
);
CREATE INDEX visit_records_target ON visit_records (list_id, person_id);
CREATE INDEX visit_records_held ON visit_records (contract_id, note_state);
