-- Version 9: 国保料滞納整理 (seed 004). The ward's household ledger
-- (世帯台帳) with its assessments, payments, installment plans and the
-- chronological negotiation history; and the entry contract's work: batches
-- of paper ledger pages, two independent keyings per page and the
-- settlement of mismatches by a third person.
--
-- Everything personal (記号番号, amounts, the seven items, notes) is sealed
-- with a vault key; the store sees ciphertext and a blind index only.
-- Corrections never rewrite content: a new row supersedes the old one.

-- The catalogue's new items, as every item, have a column on persons (a
-- purpose that lists them loads them like any other item).
ALTER TABLE persons ADD COLUMN i_seikatsu_jokyo BLOB;
ALTER TABLE persons ADD COLUMN i_shisan_fusai BLOB;
ALTER TABLE persons ADD COLUMN i_bunkatsu_nofu BLOB;
ALTER TABLE persons ADD COLUMN i_shokugyo_kinmusaki BLOB;
ALTER TABLE persons ADD COLUMN i_taino_shobun BLOB;
ALTER TABLE persons ADD COLUMN i_nofu_kosho BLOB;
ALTER TABLE persons ADD COLUMN i_saikoku_jokyo BLOB;
ALTER TABLE persons ADD COLUMN i_hokenryo_fukagaku BLOB;
ALTER TABLE persons ADD COLUMN i_nofu_gaku BLOB;

-- A household of the ward's vault: head and members are ward persons.
-- row_key names the household in every sealed field's identity.
CREATE TABLE tainou_households (
    id INTEGER PRIMARY KEY,
    vault_id BIGINT NOT NULL REFERENCES vaults (id),
    row_key BLOB NOT NULL,
    kigo_token BLOB NOT NULL,
    kigo BLOB NOT NULL,
    head_person_id BIGINT NOT NULL REFERENCES persons (id),
    created_at TEXT NOT NULL,
    UNIQUE (vault_id, kigo_token)
);

CREATE TABLE tainou_members (
    household_id BIGINT NOT NULL REFERENCES tainou_households (id),
    person_id BIGINT NOT NULL REFERENCES persons (id),
    relation TEXT NOT NULL,
    PRIMARY KEY (household_id, person_id)
);
CREATE INDEX tainou_members_person ON tainou_members (person_id);

-- 賦課 per fiscal year (amount sealed). A correction supersedes.
CREATE TABLE tainou_assessments (
    id INTEGER PRIMARY KEY,
    household_id BIGINT NOT NULL REFERENCES tainou_households (id),
    fiscal_year BIGINT NOT NULL,
    amount BLOB NOT NULL,
    created_at TEXT NOT NULL,
    actor TEXT NOT NULL,
    superseded_by BIGINT
);
CREATE INDEX tainou_assessments_household ON tainou_assessments (household_id);

-- Installment plans (分割納付誓約): agreed total and the schedule, sealed.
CREATE TABLE tainou_plans (
    id INTEGER PRIMARY KEY,
    household_id BIGINT NOT NULL REFERENCES tainou_households (id),
    agreed_on TEXT NOT NULL,
    total BLOB NOT NULL,
    schedule BLOB NOT NULL,
    created_at TEXT NOT NULL,
    actor TEXT NOT NULL,
    superseded_by BIGINT
);
CREATE INDEX tainou_plans_household ON tainou_plans (household_id);

-- 納付: per fiscal year, optionally against a plan.
CREATE TABLE tainou_payments (
    id INTEGER PRIMARY KEY,
    household_id BIGINT NOT NULL REFERENCES tainou_households (id),
    fiscal_year BIGINT NOT NULL,
    paid_on TEXT NOT NULL,
    plan_id BIGINT,
    amount BLOB NOT NULL,
    created_at TEXT NOT NULL,
    actor TEXT NOT NULL,
    superseded_by BIGINT
);
CREATE INDEX tainou_payments_household ON tainou_payments (household_id);

-- The negotiation history. `fields` is the sealed entry (its kind, for a
-- 差押 is itself sensitive, the seven items and the amount); `note` the sealed free note, held when the screen
-- flags it. page_ref names the paper page an entry was keyed from (no
-- foreign key: the contract's pages are erased, the ledger stays).
CREATE TABLE tainou_entries (
    id INTEGER PRIMARY KEY,
    household_id BIGINT NOT NULL REFERENCES tainou_households (id),
    row_key BLOB NOT NULL,
    entry_on TEXT NOT NULL,
    fields BLOB NOT NULL,
    note BLOB,
    note_flags TEXT NOT NULL DEFAULT '',
    note_state TEXT NOT NULL CHECK (note_state IN ('none', 'kept', 'held', 'released', 'deleted')),
    source TEXT NOT NULL,
    page_id BIGINT,
    created_at TEXT NOT NULL,
    created_by BIGINT,
    actor TEXT NOT NULL,
    supersedes BIGINT,
    superseded_by BIGINT
);
CREATE INDEX tainou_entries_household ON tainou_entries (household_id, entry_on);
CREATE INDEX tainou_entries_page ON tainou_entries (page_id);

-- The entry contract's batches of paper pages (one page: one household's
-- 滞納整理票 sheet). default_era reads two-digit years as on paper.
CREATE TABLE tainou_batches (
    id INTEGER PRIMARY KEY,
    contract_id BIGINT NOT NULL REFERENCES contracts (id),
    name TEXT NOT NULL,
    default_era TEXT NOT NULL,
    pages BIGINT NOT NULL,
    created_at TEXT NOT NULL,
    actor TEXT NOT NULL,
    closed_at TEXT,
    closed_by TEXT
);
CREATE INDEX tainou_batches_contract ON tainou_batches (contract_id);

CREATE TABLE tainou_pages (
    id INTEGER PRIMARY KEY,
    batch_id BIGINT NOT NULL REFERENCES tainou_batches (id),
    contract_id BIGINT NOT NULL,
    household_id BIGINT NOT NULL,
    page_no BIGINT NOT NULL,
    state TEXT NOT NULL CHECK (state IN ('open', 'mismatch', 'agreed', 'settled')),
    done_at TEXT,
    UNIQUE (batch_id, page_no)
);
CREATE INDEX tainou_pages_contract ON tainou_pages (contract_id, state);

-- One keying of a page: pass 1 or 2, by one operator, content sealed with
-- the contract vault's key.
CREATE TABLE tainou_keyings (
    id INTEGER PRIMARY KEY,
    page_id BIGINT NOT NULL REFERENCES tainou_pages (id),
    contract_id BIGINT NOT NULL,
    pass BIGINT NOT NULL CHECK (pass IN (1, 2)),
    user_id BIGINT NOT NULL,
    keyed_at TEXT NOT NULL,
    content BLOB NOT NULL,
    UNIQUE (page_id, pass)
);
CREATE INDEX tainou_keyings_user ON tainou_keyings (contract_id, user_id);

-- A third person's choice on a mismatched page.
CREATE TABLE tainou_settlements (
    id INTEGER PRIMARY KEY,
    page_id BIGINT NOT NULL REFERENCES tainou_pages (id),
    contract_id BIGINT NOT NULL,
    user_id BIGINT NOT NULL,
    settled_at TEXT NOT NULL,
    content BLOB NOT NULL,
    UNIQUE (page_id)
);
