-- Accounts: a sign-up waits for its e-mailed confirmation; API tokens may expire; failed sign-ins
-- are counted per e-mail address in rate_limits (known or not, so a lockout tells nothing about
-- an address), no longer on the user.

CREATE TABLE pending_registrations (
    token_hash     text PRIMARY KEY,     -- sha256 of the e-mailed token; the token itself is never stored
    email          text NOT NULL,
    password_hash  text NOT NULL,
    display_name   text,
    locale         text,
    created_at     timestamptz NOT NULL DEFAULT now(),
    expires_at     timestamptz NOT NULL
);
CREATE INDEX pending_registrations_email_idx ON pending_registrations (lower(email));
CREATE INDEX pending_registrations_expires_idx ON pending_registrations (expires_at);

ALTER TABLE api_tokens ADD COLUMN expires_at timestamptz;  -- NULL: valid until revoked

ALTER TABLE users DROP COLUMN failed_logins, DROP COLUMN locked_until;
