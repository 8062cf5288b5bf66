-- Who deployed (the sender's actor), for what is deployed where.
ALTER TABLE deployments ADD COLUMN actor TEXT;
-- Whether a merged pull request's commit has shipped: looked up by commit, not by deployment.
CREATE INDEX deployment_changes_sha ON deployment_changes (sha);
CREATE INDEX deployments_sha ON deployments (sha);
