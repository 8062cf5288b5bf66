-- What an announcement stands for outside Firewatch (`terraform:INTEGRATION:RUN`): its
-- decision is carried out there by a `change_decided` job set in the decision's transaction.
ALTER TABLE announcements ADD COLUMN external TEXT;
