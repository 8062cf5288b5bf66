-- Shadow pages (`shadow = true` on an escalation policy or in `[paging]`): decided and
-- recorded like every page, never sent. Their own throttle count, so a shadow policy never
-- folds a real page.
ALTER TABLE pages ADD COLUMN shadow INTEGER NOT NULL DEFAULT 0;

-- The On-call page lists the latest shadow pages on every view: read from this index, not
-- by walking every page ever sent.
CREATE INDEX pages_shadow ON pages (seq) WHERE shadow = 1;
