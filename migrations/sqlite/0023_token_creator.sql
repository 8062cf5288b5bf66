-- Who made each token, so a token an announcer made for someone else still counts as the
-- announcer's for the two-person rule. `created_by` is how the record names them
-- ("user:ana", "api:deploy-bot", "cli"); `created_by_user` is the person behind it, if any.
ALTER TABLE api_tokens ADD COLUMN created_by TEXT;
ALTER TABLE api_tokens ADD COLUMN created_by_user TEXT;
