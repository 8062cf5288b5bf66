-- Each deployment's DORA record, packed when it is projected: what the DORA query reads of a
-- deployment, so a year of an organisation is one column of ~100k rows to read, not seven to
-- join into text. `id|service|environment|kind|finished_at|changes|leads`, `leads` being each
-- known change's seconds from first commit to the deployment finishing, comma-separated. It
-- takes over from `first_commits`, which held the same changes as Unix seconds.
ALTER TABLE deployments ADD COLUMN record TEXT NOT NULL DEFAULT '';
UPDATE deployments SET record = id || '|' || service || '|' || environment || '|' || kind || '|'
    || finished_at || '|' || changes || '|'
    || COALESCE((SELECT group_concat(deployments.finished_at / 1000 - value, ',')
                 FROM json_each('[' || first_commits || ']')), '');
ALTER TABLE deployments DROP COLUMN first_commits;
