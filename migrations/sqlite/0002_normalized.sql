-- The normalized record of forge events (pull requests, pushes, builds…), as JSON.
ALTER TABLE events ADD COLUMN normalized TEXT;
