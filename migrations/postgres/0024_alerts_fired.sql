-- The alerts page lists the latest fire first.
CREATE INDEX alerts_fired ON alerts (fired_at);
