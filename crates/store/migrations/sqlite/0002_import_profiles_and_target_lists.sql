-- Version 2: import profiles saved in itaku, and frozen target lists
-- (who was chosen, by which rule, when).
CREATE TABLE import_profiles (
    name TEXT PRIMARY KEY,
    toml TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    updated_by BIGINT
);

CREATE TABLE target_lists (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    rule TEXT NOT NULL,
    fiscal_year BIGINT NOT NULL,
    created_at TEXT NOT NULL,
    created_by BIGINT,
    members BIGINT NOT NULL
);

CREATE TABLE target_list_members (
    list_id BIGINT NOT NULL REFERENCES target_lists (id),
    person_id BIGINT NOT NULL REFERENCES persons (id),
    PRIMARY KEY (list_id, person_id)
);
