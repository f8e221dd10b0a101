-- Version 11: a counter that moves whenever anything the policy decides on
-- changes (organisations, users' role, activity and training, jobs,
-- purposes, contracts, their staff and sub-contract approvals, terminals).
-- Read operations keep the facts they decided on in memory and use them
-- again only while the counter has not moved, read in the operation's own
-- snapshot; triggers move it, so no code path that changes those tables can
-- forget to. Derived state, not data: backups leave it out.
CREATE TABLE policy_version (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    n BIGINT NOT NULL
);
INSERT INTO policy_version (id, n) VALUES (1, 1);

CREATE TRIGGER policy_version_organisations_insert AFTER INSERT ON organisations
BEGIN UPDATE policy_version SET n = n + 1 WHERE id = 1; END;

CREATE TRIGGER policy_version_organisations_update AFTER UPDATE ON organisations
BEGIN UPDATE policy_version SET n = n + 1 WHERE id = 1; END;

CREATE TRIGGER policy_version_organisations_delete AFTER DELETE ON organisations
BEGIN UPDATE policy_version SET n = n + 1 WHERE id = 1; END;

CREATE TRIGGER policy_version_jobs_insert AFTER INSERT ON jobs
BEGIN UPDATE policy_version SET n = n + 1 WHERE id = 1; END;

CREATE TRIGGER policy_version_jobs_update AFTER UPDATE ON jobs
BEGIN UPDATE policy_version SET n = n + 1 WHERE id = 1; END;

CREATE TRIGGER policy_version_jobs_delete AFTER DELETE ON jobs
BEGIN UPDATE policy_version SET n = n + 1 WHERE id = 1; END;

CREATE TRIGGER policy_version_purposes_insert AFTER INSERT ON purposes
BEGIN UPDATE policy_version SET n = n + 1 WHERE id = 1; END;

CREATE TRIGGER policy_version_purposes_update AFTER UPDATE ON purposes
BEGIN UPDATE policy_version SET n = n + 1 WHERE id = 1; END;

CREATE TRIGGER policy_version_purposes_delete AFTER DELETE ON purposes
BEGIN UPDATE policy_version SET n = n + 1 WHERE id = 1; END;

CREATE TRIGGER policy_version_contracts_insert AFTER INSERT ON contracts
BEGIN UPDATE policy_version SET n = n + 1 WHERE id = 1; END;

CREATE TRIGGER policy_version_contracts_update AFTER UPDATE ON contracts
BEGIN UPDATE policy_version SET n = n + 1 WHERE id = 1; END;

CREATE TRIGGER policy_version_contracts_delete AFTER DELETE ON contracts
BEGIN UPDATE policy_version SET n = n + 1 WHERE id = 1; END;

CREATE TRIGGER policy_version_contract_staff_insert AFTER INSERT ON contract_staff
BEGIN UPDATE policy_version SET n = n + 1 WHERE id = 1; END;

CREATE TRIGGER policy_version_contract_staff_update AFTER UPDATE ON contract_staff
BEGIN UPDATE policy_version SET n = n + 1 WHERE id = 1; END;

CREATE TRIGGER policy_version_contract_staff_delete AFTER DELETE ON contract_staff
BEGIN UPDATE policy_version SET n = n + 1 WHERE id = 1; END;

CREATE TRIGGER policy_version_subcontract_approvals_insert AFTER INSERT ON subcontract_approvals
BEGIN UPDATE policy_version SET n = n + 1 WHERE id = 1; END;

CREATE TRIGGER policy_version_subcontract_approvals_update AFTER UPDATE ON subcontract_approvals
BEGIN UPDATE policy_version SET n = n + 1 WHERE id = 1; END;

CREATE TRIGGER policy_version_subcontract_approvals_delete AFTER DELETE ON subcontract_approvals
BEGIN UPDATE policy_version SET n = n + 1 WHERE id = 1; END;

CREATE TRIGGER policy_version_terminals_insert AFTER INSERT ON terminals
BEGIN UPDATE policy_version SET n = n + 1 WHERE id = 1; END;

CREATE TRIGGER policy_version_terminals_update AFTER UPDATE ON terminals
BEGIN UPDATE policy_version SET n = n + 1 WHERE id = 1; END;

CREATE TRIGGER policy_version_terminals_delete AFTER DELETE ON terminals
BEGIN UPDATE policy_version SET n = n + 1 WHERE id = 1; END;

CREATE TRIGGER policy_version_users_insert AFTER INSERT ON users
BEGIN UPDATE policy_version SET n = n + 1 WHERE id = 1; END;

CREATE TRIGGER policy_version_users_update AFTER UPDATE OF org_id, login, display_name, role, training_valid_until, active ON users
BEGIN UPDATE policy_version SET n = n + 1 WHERE id = 1; END;

CREATE TRIGGER policy_version_users_delete AFTER DELETE ON users
BEGIN UPDATE policy_version SET n = n + 1 WHERE id = 1; END;
