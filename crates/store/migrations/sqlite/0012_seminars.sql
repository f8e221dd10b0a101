-- Version 12: seminars and events (seed 003). The contractor takes
-- registrations and receives participants, seeing only 氏名. Each event's
-- registrations are sealed with the event's own data key (wrapped with the
-- master key), so returning and erasing one event's participants destroys
-- that key: a cryptographic erase that leaves other events untouched. In
-- the clear are only titles, times, counts, states and token digests.
CREATE TABLE seminar_events (
    id INTEGER PRIMARY KEY,
    contract_id BIGINT NOT NULL REFERENCES contracts (id),
    slug TEXT NOT NULL UNIQUE,
    title TEXT NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('online', 'in_person', 'both')),
    venue TEXT NOT NULL,
    description TEXT NOT NULL,
    opens_at TEXT NOT NULL,
    closes_at TEXT NOT NULL,
    -- NULL once destroyed (after the return): nothing sealed with it opens.
    wrapped_key BLOB,
    key_fingerprint TEXT NOT NULL,
    reception_closed_at TEXT,
    reception_closed_by TEXT,
    erased_at TEXT,
    created_at TEXT NOT NULL,
    created_by TEXT NOT NULL
);
CREATE INDEX seminar_events_contract ON seminar_events (contract_id, id);

CREATE TABLE seminar_sessions (
    id INTEGER PRIMARY KEY,
    contract_id BIGINT NOT NULL REFERENCES contracts (id),
    event_id BIGINT NOT NULL REFERENCES seminar_events (id),
    label TEXT NOT NULL,
    mode TEXT NOT NULL CHECK (mode IN ('online', 'in_person')),
    starts_at TEXT NOT NULL,
    ends_at TEXT NOT NULL,
    capacity BIGINT NOT NULL CHECK (capacity > 0),
    -- Sealed with the event's key: only registrants are shown it.
    meeting_link BLOB,
    -- Bumped by every registration and cancellation: the row lock that
    -- keeps concurrent registrations from overbooking, and the waitlist's
    -- order.
    seq BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX seminar_sessions_event ON seminar_sessions (event_id, id);

CREATE TABLE seminar_registrations (
    id INTEGER PRIMARY KEY,
    contract_id BIGINT NOT NULL REFERENCES contracts (id),
    event_id BIGINT NOT NULL REFERENCES seminar_events (id),
    session_id BIGINT NOT NULL REFERENCES seminar_sessions (id),
    status TEXT NOT NULL CHECK (status IN ('registered', 'waitlisted', 'cancelled')),
    waitlist_seq BIGINT,
    seal_ref TEXT NOT NULL UNIQUE,
    -- 氏名, sealed with the event's key; NULL once erased.
    name BLOB,
    -- Blind indexes of the folded name (whole and two-character pieces),
    -- hex, space separated: name search at reception without the clear name.
    search_keys TEXT NOT NULL,
    notice_digest TEXT NOT NULL,
    notice_shown_at TEXT NOT NULL,
    -- SHA-256 of the private page's token and of the check-in (QR) token.
    token_digest TEXT NOT NULL UNIQUE,
    qr_digest TEXT NOT NULL UNIQUE,
    registered_at TEXT NOT NULL,
    promoted_at TEXT,
    cancelled_at TEXT
);
CREATE INDEX seminar_registrations_session ON seminar_registrations (session_id, status, waitlist_seq);

-- Append-only: a mistaken check-in is undone by marking it, never deleted.
CREATE TABLE seminar_checkins (
    id INTEGER PRIMARY KEY,
    contract_id BIGINT NOT NULL REFERENCES contracts (id),
    registration_id BIGINT NOT NULL REFERENCES seminar_registrations (id),
    checked_in_at TEXT NOT NULL,
    checked_in_by TEXT NOT NULL,
    method TEXT NOT NULL CHECK (method IN ('qr', 'name')),
    undone_at TEXT,
    undone_by TEXT
);
CREATE INDEX seminar_checkins_registration ON seminar_checkins (registration_id, id);

-- Bot check: each challenge's nonce is accepted once.
CREATE TABLE seminar_used_nonces (
    nonce TEXT PRIMARY KEY,
    used_at TEXT NOT NULL
);

-- The ward's side of a return: the participant list sealed with the
-- ward vault's key, and the signed certificate of the contractor copy's
-- erasure. Not a contract work row: it stays when the contract is erased.
CREATE TABLE seminar_returns (
    id INTEGER PRIMARY KEY,
    contract_id BIGINT NOT NULL,
    event_id BIGINT NOT NULL UNIQUE,
    event_title TEXT NOT NULL,
    records BIGINT NOT NULL,
    digest TEXT NOT NULL,
    seal_ref TEXT NOT NULL UNIQUE,
    sealed BLOB NOT NULL,
    returned_at TEXT NOT NULL,
    certificate TEXT NOT NULL,
    signature TEXT NOT NULL
);

-- Rate limit of the public form: one row per submission, by a keyed hash
-- of the client address (not the address itself), pruned as they age.
CREATE TABLE seminar_attempts (
    client TEXT NOT NULL,
    at TEXT NOT NULL
);
CREATE INDEX seminar_attempts_client ON seminar_attempts (client, at);
