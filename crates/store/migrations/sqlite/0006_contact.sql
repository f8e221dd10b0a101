-- Version 6: contact work (seeds 000–002). The ward's coded lists of
-- reasons for not attending and requests; a do-not-call register that
-- outlives re-imports; phone outreach on a campaign's arm. Notes about a
-- person are sealed with the contract vault's key.
CREATE TABLE contact_codes (
    id INTEGER PRIMARY KEY,
    list TEXT NOT NULL CHECK (list IN ('reason', 'request')),
    code TEXT NOT NULL,
    label TEXT NOT NULL,
    position BIGINT NOT NULL,
    active BIGINT NOT NULL DEFAULT 1,
    UNIQUE (list, code)
);
INSERT INTO contact_codes (list, code, label, position) VALUES
    ('reason', 'isogashii', '忙しい', 1),
    ('reason', 'kenko', '健康だから不要', 2),
    ('reason', 'tsuin', '通院中', 3),
    ('reason', 'hiyo', '費用', 4),
    ('reason', 'basho_jikan', '場所・時間が合わない', 5),
    ('reason', 'shokuba', '職場・人間ドックで受診', 6),
    ('reason', 'fuan', '検査が怖い・不安', 7),
    ('reason', 'wasure', '忘れていた', 8),
    ('reason', 'sonota', 'その他', 9),
    ('request', 'saihakko', '受診券の再発行', 1),
    ('request', 'iryokikan', '実施医療機関を知りたい', 2),
    ('request', 'kyujitsu', '休日・夜間に受けたい', 3),
    ('request', 'hokenshi', '保健師に相談したい', 4),
    ('request', 'sonota', 'その他', 5);

-- A person asked not to be called. Keyed by the ward's record, which a
-- re-import updates in place (same 宛名番号), so the wish survives it and
-- every later campaign.
CREATE TABLE do_not_call (
    ward_person_id BIGINT PRIMARY KEY REFERENCES persons (id),
    set_at TEXT NOT NULL,
    set_by BIGINT,
    contract_id BIGINT,
    source TEXT NOT NULL
);

-- A campaign's call list: which arm is called, and the rules.
CREATE TABLE call_plans (
    campaign_id BIGINT PRIMARY KEY REFERENCES campaigns (id),
    contract_id BIGINT NOT NULL REFERENCES contracts (id),
    arm TEXT NOT NULL,
    rules TEXT NOT NULL,
    opened_at TEXT NOT NULL,
    opened_by BIGINT
);

-- One row per person to call. A target is held by one operator at a time:
-- taking it is a conditional update that only one transaction can win.
CREATE TABLE call_targets (
    campaign_id BIGINT NOT NULL REFERENCES campaigns (id),
    person_id BIGINT NOT NULL,
    contract_id BIGINT NOT NULL,
    ward_person_id BIGINT NOT NULL,
    state TEXT NOT NULL CHECK (state IN ('open', 'done')),
    attempts BIGINT NOT NULL DEFAULT 0,
    next_at TEXT NOT NULL,
    callback_user BIGINT,
    held_by BIGINT,
    held_until TEXT,
    last_outcome TEXT,
    contacted BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (campaign_id, person_id)
);
CREATE INDEX call_targets_due ON call_targets (campaign_id, state, next_at);

CREATE TABLE call_attempts (
    id INTEGER PRIMARY KEY,
    campaign_id BIGINT NOT NULL,
    person_id BIGINT NOT NULL,
    contract_id BIGINT NOT NULL,
    user_id BIGINT NOT NULL,
    at TEXT NOT NULL,
    outcome TEXT NOT NULL,
    reasons TEXT NOT NULL,
    requests TEXT NOT NULL,
    callback_at TEXT,
    note BLOB,
    note_flags TEXT NOT NULL DEFAULT '',
    note_state TEXT NOT NULL CHECK (note_state IN ('none', 'kept', 'held', 'released', 'deleted')),
    reviewed_by BIGINT,
    reviewed_at TEXT
);
CREATE INDEX call_attempts_target ON call_attempts (campaign_id, person_id);
CREATE INDEX call_attempts_user ON call_attempts (campaign_id, user_id);
