-- What an Open311 client may send with a request: the reporter's e-mail (kept for staff, never
-- shown publicly) and a link to a photo the client hosts.
ALTER TABLE cases ADD COLUMN reporter_email TEXT;
ALTER TABLE cases ADD COLUMN media_url TEXT;
