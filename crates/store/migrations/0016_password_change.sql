-- An account an administrator creates (or whose password it resets) gets a temporary password
-- that must be changed at the first login.
ALTER TABLE users ADD COLUMN must_change_password BOOLEAN NOT NULL DEFAULT FALSE;
