-- Version 3: mail campaigns (seeds 000, 001, 002). A campaign takes a
-- frozen list into a contract's vault, puts each member in one segment
-- and (for trials) one arm, and prints through an audited register.
-- Nothing here is personal data in the clear: members are vault ids.
CREATE TABLE campaigns (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    kind TEXT NOT NULL,
    contract_id BIGINT NOT NULL REFERENCES contracts (id),
    purpose TEXT NOT NULL,
    list_id BIGINT NOT NULL REFERENCES target_lists (id),
    fiscal_year BIGINT NOT NULL,
    state TEXT NOT NULL,
    deadline TEXT NOT NULL,
    desk_phone TEXT NOT NULL,
    clinics TEXT NOT NULL,
    segmentation TEXT NOT NULL,
    design TEXT NOT NULL,
    created_at TEXT NOT NULL,
    created_by BIGINT
);

CREATE TABLE campaign_events (
    id INTEGER PRIMARY KEY,
    campaign_id BIGINT NOT NULL REFERENCES campaigns (id),
    at TEXT NOT NULL,
    user_id BIGINT,
    actor TEXT NOT NULL,
    from_state TEXT NOT NULL,
    to_state TEXT NOT NULL,
    note TEXT NOT NULL
);
CREATE INDEX campaign_events_campaign ON campaign_events (campaign_id);

-- person_id is the member's record in the contract's vault (deleted with
-- the vault at erasure); ward_person_id the ward record it came from.
CREATE TABLE campaign_members (
    campaign_id BIGINT NOT NULL REFERENCES campaigns (id),
    person_id BIGINT NOT NULL,
    ward_person_id BIGINT NOT NULL REFERENCES persons (id),
    callable BIGINT NOT NULL,
    segment TEXT,
    stratum TEXT,
    arm TEXT,
    block_no BIGINT,
    block_pos BIGINT,
    returned_at TEXT,
    returned_by BIGINT,
    returned_reason TEXT,
    PRIMARY KEY (campaign_id, person_id)
);
CREATE INDEX campaign_members_ward ON campaign_members (ward_person_id);

CREATE TABLE message_templates (
    campaign_id BIGINT NOT NULL REFERENCES campaigns (id),
    segment TEXT NOT NULL,
    version BIGINT NOT NULL,
    title TEXT NOT NULL,
    body TEXT NOT NULL,
    created_at TEXT NOT NULL,
    created_by BIGINT,
    PRIMARY KEY (campaign_id, segment, version)
);

CREATE TABLE print_runs (
    id INTEGER PRIMARY KEY,
    campaign_id BIGINT NOT NULL REFERENCES campaigns (id),
    kind TEXT NOT NULL,
    at TEXT NOT NULL,
    user_id BIGINT,
    actor TEXT NOT NULL,
    from_vault TEXT NOT NULL,
    persons BIGINT NOT NULL,
    pages BIGINT NOT NULL,
    template_versions TEXT NOT NULL,
    note TEXT NOT NULL
);

-- Which page of which run went to whom: a page's discreet id
-- (R<run>-<seq>) leads back here.
CREATE TABLE print_run_items (
    run_id BIGINT NOT NULL REFERENCES print_runs (id),
    seq BIGINT NOT NULL,
    person_id BIGINT NOT NULL,
    PRIMARY KEY (run_id, seq)
);

CREATE TABLE print_downloads (
    id INTEGER PRIMARY KEY,
    run_id BIGINT NOT NULL REFERENCES print_runs (id),
    batch BIGINT NOT NULL,
    at TEXT NOT NULL,
    user_id BIGINT,
    pages BIGINT NOT NULL
);
