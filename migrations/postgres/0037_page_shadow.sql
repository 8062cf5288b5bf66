-- Shadow pages (`shadow = true` on an escalation policy or in `[paging]`): decided and
-- recorded like every page, never sent. Their own throttle count, so a shadow policy never
-- folds a real page.
ALTER TABLE pages ADD COLUMN shadow INTEGER NOT NULL DEFAULT 0;
