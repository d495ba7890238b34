-- An attachment sent from the field app's offline queue carries an Idempotency-Key, so a photo
-- resent after a lost answer is stored once.
ALTER TABLE attachments ADD COLUMN idem_key TEXT;
CREATE UNIQUE INDEX attachments_idem_key ON attachments (idem_key);
