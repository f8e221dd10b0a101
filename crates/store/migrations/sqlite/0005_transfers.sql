-- Version 5: the information-management ledger (情報管理台帳): every
-- provision into a contract's vault and every return from it, within one
-- installation or by encrypted package between two, with the signed
-- receipt that came back. And the exchange keys of the organisations this
-- installation trades packages with. Nothing here is personal data:
-- counts, item codes, digests and record numbers.
CREATE TABLE transfers (
    id INTEGER PRIMARY KEY,
    contract_id BIGINT NOT NULL REFERENCES contracts (id),
    direction TEXT NOT NULL CHECK (direction IN ('provision', 'return')),
    channel TEXT NOT NULL CHECK (channel IN ('vault', 'package_sent', 'package_received')),
    campaign_id BIGINT,
    list_id BIGINT,
    records BIGINT NOT NULL,
    items TEXT NOT NULL,
    digest TEXT NOT NULL,
    package_id TEXT UNIQUE,
    manifest_sha256 TEXT,
    manifest TEXT,
    counterpart TEXT,
    receipt TEXT,
    receipt_at TEXT,
    created_at TEXT NOT NULL,
    user_id BIGINT,
    operator TEXT NOT NULL
);
CREATE INDEX transfers_contract ON transfers (contract_id, id);

-- The ward records a package provided, so that a return naming any other
-- record is refused whole.
CREATE TABLE transfer_members (
    transfer_id BIGINT NOT NULL REFERENCES transfers (id),
    ward_person_id BIGINT NOT NULL,
    PRIMARY KEY (transfer_id, ward_person_id)
);

CREATE TABLE exchange_partners (
    id INTEGER PRIMARY KEY,
    org_name TEXT NOT NULL,
    fingerprint TEXT NOT NULL UNIQUE,
    public_key TEXT NOT NULL,
    confirmed_by TEXT NOT NULL,
    registered_at TEXT NOT NULL,
    registered_by TEXT NOT NULL
);

-- A contract that moves by package: the reference both installations use
-- for it, and the other side's key.
CREATE TABLE contract_exchange (
    contract_id BIGINT PRIMARY KEY REFERENCES contracts (id),
    exchange_ref TEXT NOT NULL UNIQUE,
    partner_id BIGINT NOT NULL REFERENCES exchange_partners (id),
    bound_at TEXT NOT NULL,
    bound_by TEXT NOT NULL
);
