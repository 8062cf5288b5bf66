-- Claims read queue heads through jobs_queue and free jobs through this index, so a long
-- queue backlog or many future timers cost a claim nothing.
CREATE INDEX jobs_due_free ON jobs (run_at, seq) WHERE state = 'pending' AND queue IS NULL;
-- The worker sleeps until the earliest lease ends; few jobs are leased at once.
CREATE INDEX jobs_leased ON jobs (lease_until) WHERE state = 'pending' AND lease_until IS NOT NULL;
