-- A sign-up remembers what its person means to create (an expert profile for themselves, or an
-- organisation's: NULL), so the confirmed account lands on the right editor.

ALTER TABLE pending_registrations ADD COLUMN profile_kind text;
