-- Who deployed (the sender's actor), for what is deployed where.
ALTER TABLE deployments ADD COLUMN actor TEXT;
