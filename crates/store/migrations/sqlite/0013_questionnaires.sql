-- Version 13: questionnaires (アンケート, seed 003). A contractor builds a
-- questionnaire under the アンケート purpose; questions the screen flags as
-- collecting what contracts forbid wait for the ward's recorded approval;
-- answers come online (public link) or on paper (keyed twice, mismatches
-- settled by a third person). Answers are sealed with the questionnaire's
-- own data key (wrapped under the master key), so returning and deleting a
-- questionnaire destroys that key: a cryptographic erase of just that
-- questionnaire while the contract goes on.
--
-- event_id and registration_id name rows of the events module without a
-- foreign key (the two were built side by side).

CREATE TABLE anketo_questionnaires (
    id INTEGER PRIMARY KEY,
    contract_id BIGINT NOT NULL REFERENCES contracts (id),
    event_id BIGINT,
    title TEXT NOT NULL,
    intro TEXT NOT NULL,
    mode TEXT NOT NULL,
    status TEXT NOT NULL,
    version BIGINT NOT NULL,
    token TEXT NOT NULL UNIQUE,
    wrapped_key BLOB,
    key_id TEXT NOT NULL,
    aggregate BLOB,
    created_at TEXT NOT NULL,
    created_by TEXT NOT NULL,
    published_at TEXT,
    closed_at TEXT,
    aggregated_at TEXT,
    returned_at TEXT
);
CREATE INDEX anketo_questionnaires_contract ON anketo_questionnaires (contract_id);

CREATE TABLE anketo_questions (
    id INTEGER PRIMARY KEY,
    questionnaire_id BIGINT NOT NULL REFERENCES anketo_questionnaires (id),
    contract_id BIGINT NOT NULL,
    position BIGINT NOT NULL,
    kind TEXT NOT NULL,
    text TEXT NOT NULL,
    required BIGINT NOT NULL,
    scale_min BIGINT NOT NULL,
    scale_max BIGINT NOT NULL,
    min_label TEXT NOT NULL,
    max_label TEXT NOT NULL,
    show_if_question BIGINT,
    show_if_choice BIGINT,
    flags TEXT NOT NULL
);
CREATE INDEX anketo_questions_questionnaire ON anketo_questions (questionnaire_id);

CREATE TABLE anketo_choices (
    id INTEGER PRIMARY KEY,
    question_id BIGINT NOT NULL REFERENCES anketo_questions (id),
    contract_id BIGINT NOT NULL,
    position BIGINT NOT NULL,
    label TEXT NOT NULL
);
CREATE INDEX anketo_choices_question ON anketo_choices (question_id);

-- The ward's approval of one flagged question, for the wording it saw
-- (text_digest): editing the question afterwards needs a new approval.
CREATE TABLE anketo_approvals (
    id INTEGER PRIMARY KEY,
    question_id BIGINT NOT NULL REFERENCES anketo_questions (id),
    contract_id BIGINT NOT NULL,
    text_digest TEXT NOT NULL,
    flags TEXT NOT NULL,
    reason TEXT NOT NULL,
    approved_by TEXT NOT NULL,
    approved_user_id BIGINT,
    approved_at TEXT NOT NULL
);
CREATE INDEX anketo_approvals_question ON anketo_approvals (question_id);

CREATE TABLE anketo_responses (
    id INTEGER PRIMARY KEY,
    questionnaire_id BIGINT NOT NULL REFERENCES anketo_questionnaires (id),
    contract_id BIGINT NOT NULL,
    version BIGINT NOT NULL,
    channel TEXT NOT NULL,
    registration_id BIGINT,
    sheet_no BIGINT,
    answers BLOB NOT NULL,
    created_at TEXT NOT NULL
);
CREATE INDEX anketo_responses_questionnaire ON anketo_responses (questionnaire_id);

-- A paper sheet: its two keyings and, if they differ, the settlement.
CREATE TABLE anketo_sheets (
    id INTEGER PRIMARY KEY,
    questionnaire_id BIGINT NOT NULL REFERENCES anketo_questionnaires (id),
    contract_id BIGINT NOT NULL,
    sheet_no BIGINT NOT NULL,
    state TEXT NOT NULL,
    settled_by BIGINT,
    settled_at TEXT,
    response_id BIGINT,
    UNIQUE (questionnaire_id, sheet_no)
);

CREATE TABLE anketo_keyings (
    id INTEGER PRIMARY KEY,
    sheet_id BIGINT NOT NULL REFERENCES anketo_sheets (id),
    contract_id BIGINT NOT NULL,
    pass BIGINT NOT NULL,
    user_id BIGINT NOT NULL,
    operator TEXT NOT NULL,
    keyed_at TEXT NOT NULL,
    answers BLOB NOT NULL,
    UNIQUE (sheet_id, pass)
);

-- The ward's side: what came back (the responses and the aggregate,
-- sealed with the ward vault's key) and the certificate of the
-- contractor's copy's erasure. Not a work row: it stays with the ward.
CREATE TABLE anketo_returns (
    id INTEGER PRIMARY KEY,
    questionnaire_id BIGINT NOT NULL,
    contract_id BIGINT NOT NULL,
    title TEXT NOT NULL,
    responses BIGINT NOT NULL,
    digest TEXT NOT NULL,
    content BLOB NOT NULL,
    returned_at TEXT NOT NULL,
    certificate TEXT
);
CREATE INDEX anketo_returns_contract ON anketo_returns (contract_id);
