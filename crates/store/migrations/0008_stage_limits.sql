-- A 小类's own limits for the other stages, in working hours (NULL: the default for its priority).
ALTER TABLE case_categories ADD COLUMN dispatch_hours INTEGER;
ALTER TABLE case_categories ADD COLUMN sign_hours INTEGER;
ALTER TABLE case_categories ADD COLUMN verify_hours INTEGER;

-- Run-time settings: how long a reporter may reopen a closed case.
INSERT INTO settings (key, value) VALUES ('reopen_days', '15');
