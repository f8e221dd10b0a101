-- Version 11 (the same as SQLite's): a counter that moves whenever anything the policy decides on
-- changes (organisations, users' role, activity and training, jobs,
-- purposes, contracts, their staff and sub-contract approvals, terminals).
-- Read operations keep the facts they decided on in memory and use them
-- again only while the counter has not moved, read in the operation's own
-- snapshot; triggers move it, so no code path that changes those tables can
-- forget to. Derived state, not data: backups leave it out.
CREATE TABLE policy_version (
    id BIGINT PRIMARY KEY CHECK (id = 1),
    n BIGINT NOT NULL
);
INSERT INTO policy_version (id, n) VALUES (1, 1);

CREATE FUNCTION policy_version_bump() RETURNS trigger AS $$
BEGIN
    UPDATE policy_version SET n = n + 1 WHERE id = 1;
    RETURN NULL;
END $$ LANGUAGE plpgsql;

CREATE TRIGGER policy_version_organisations AFTER INSERT OR UPDATE OR DELETE ON organisations
FOR EACH STATEMENT EXECUTE FUNCTION policy_version_bump();

CREATE TRIGGER policy_version_jobs AFTER INSERT OR UPDATE OR DELETE ON jobs
FOR EACH STATEMENT EXECUTE FUNCTION policy_version_bump();

CREATE TRIGGER policy_version_purposes AFTER INSERT OR UPDATE OR DELETE ON purposes
FOR EACH STATEMENT EXECUTE FUNCTION policy_version_bump();

CREATE TRIGGER policy_version_contracts AFTER INSERT OR UPDATE OR DELETE ON contracts
FOR EACH STATEMENT EXECUTE FUNCTION policy_version_bump();

CREATE TRIGGER policy_version_contract_staff AFTER INSERT OR UPDATE OR DELETE ON contract_staff
FOR EACH STATEMENT EXECUTE FUNCTION policy_version_bump();

CREATE TRIGGER policy_version_subcontract_approvals AFTER INSERT OR UPDATE OR DELETE ON subcontract_approvals
FOR EACH STATEMENT EXECUTE FUNCTION policy_version_bump();

CREATE TRIGGER policy_version_terminals AFTER INSERT OR UPDATE OR DELETE ON terminals
FOR EACH STATEMENT EXECUTE FUNCTION policy_version_bump();

CREATE TRIGGER policy_version_users AFTER INSERT OR DELETE OR UPDATE OF org_id, login, display_name, role, training_valid_until, active ON users
FOR EACH STATEMENT EXECUTE FUNCTION policy_version_bump();
