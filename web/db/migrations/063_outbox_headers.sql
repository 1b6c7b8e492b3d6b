-- Extra mail headers per outbox message (e.g. List-Unsubscribe and List-Unsubscribe-Post of the
-- saved-search alerts, RFC 2369 / RFC 8058), set on the message when it is sent over SMTP.
ALTER TABLE outbox ADD COLUMN headers jsonb NOT NULL DEFAULT '{}'::jsonb;
