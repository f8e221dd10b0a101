-- Version 4: erasure of a contract's vault, one row per contract, each
-- step recorded as it completes so a crash at any point resumes to the end.
-- The certificate (signed JSON) is kept here too; nothing here is personal
-- data.
CREATE TABLE erasures (
    id INTEGER PRIMARY KEY,
    contract_id BIGINT NOT NULL UNIQUE REFERENCES contracts (id),
    vault_id BIGINT NOT NULL REFERENCES vaults (id),
    state TEXT NOT NULL CHECK (state IN ('recorded', 'keys_destroyed', 'rows_deleted', 'purged', 'certified')),
    requested_at TEXT NOT NULL,
    requested_by BIGINT,
    operator TEXT NOT NULL,
    waiver TEXT,
    open_campaigns BIGINT NOT NULL,
    key_id TEXT NOT NULL,
    persons BIGINT NOT NULL,
    search_tokens BIGINT NOT NULL,
    campaign_members BIGINT NOT NULL,
    print_items BIGINT NOT NULL,
    list_members BIGINT NOT NULL,
    keys_destroyed_at TEXT,
    rows_deleted_at TEXT,
    deleted_persons BIGINT,
    deleted_search_tokens BIGINT,
    deleted_campaign_members BIGINT,
    deleted_print_items BIGINT,
    deleted_list_members BIGINT,
    purged_at TEXT,
    purge_method TEXT,
    certified_at TEXT,
    certificate TEXT
);
