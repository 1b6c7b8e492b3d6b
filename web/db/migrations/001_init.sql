-- Cầu Nối initial schema: profiles, their texts, the embedding cache, users, tokens, audit log.
CREATE EXTENSION IF NOT EXISTS vector;

CREATE TABLE profiles (
    id                  text PRIMARY KEY,
    kind                text NOT NULL,
    partner_type        text,
    name                text NOT NULL,
    country             char(2) NOT NULL,
    region              text,
    side                text NOT NULL CHECK (side IN ('vn', 'foreign')),
    stage               text,
    sectors             text[] NOT NULL DEFAULT '{}',
    cooperation_offered text[] NOT NULL DEFAULT '{}',
    cooperation_sought  text[] NOT NULL DEFAULT '{}',
    languages           text[] NOT NULL DEFAULT '{}',
    record              jsonb NOT NULL,          -- the canonical record, as exported
    content_hash        text NOT NULL,           -- sha256 of the canonical record
    revision            integer NOT NULL DEFAULT 1,
    published           boolean NOT NULL DEFAULT true,
    created_at          timestamptz NOT NULL DEFAULT now(),
    updated_at          timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX profiles_kind_idx ON profiles (kind);
CREATE INDEX profiles_country_idx ON profiles (country);
CREATE INDEX profiles_sectors_idx ON profiles USING gin (sectors);
CREATE INDEX profiles_coop_offered_idx ON profiles USING gin (cooperation_offered);
CREATE INDEX profiles_coop_sought_idx ON profiles USING gin (cooperation_sought);

-- The free texts of a profile, one row per field (documents: one row each, ord = position).
CREATE TABLE profile_texts (
    profile_id  text NOT NULL REFERENCES profiles (id) ON DELETE CASCADE,
    revision    integer NOT NULL,
    field       text NOT NULL CHECK (field IN ('description', 'offers', 'needs', 'document')),
    ord         integer NOT NULL DEFAULT 0,
    title       text,
    body        text NOT NULL,
    text_hash   text NOT NULL,
    PRIMARY KEY (profile_id, field, ord)
);

-- Vectors of passages, keyed by what was embedded: text hash, role (query/passage), model.
-- A re-import or restart with unchanged text embeds nothing.
CREATE TABLE embedding_cache (
    text_hash   text NOT NULL,
    role        text NOT NULL,
    model       text NOT NULL,
    embedding   vector NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (text_hash, role, model)
);

CREATE TABLE users (
    id              bigserial PRIMARY KEY,
    email           text NOT NULL,
    password_hash   text NOT NULL,
    role            text NOT NULL DEFAULT 'member' CHECK (role IN ('member', 'officer', 'admin')),
    display_name    text,
    locale          text,
    disabled        boolean NOT NULL DEFAULT false,
    failed_logins   integer NOT NULL DEFAULT 0,
    locked_until    timestamptz,
    created_at      timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX users_email_idx ON users (lower(email));

CREATE TABLE profile_owners (
    user_id     bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    profile_id  text NOT NULL REFERENCES profiles (id) ON DELETE CASCADE,
    PRIMARY KEY (user_id, profile_id)
);
CREATE INDEX profile_owners_profile_idx ON profile_owners (profile_id);

CREATE TABLE api_tokens (
    id            bigserial PRIMARY KEY,
    user_id       bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    name          text NOT NULL DEFAULT '',
    token_hash    text NOT NULL UNIQUE,
    created_at    timestamptz NOT NULL DEFAULT now(),
    last_used_at  timestamptz,
    revoked_at    timestamptz
);

CREATE TABLE audit_log (
    id          bigserial PRIMARY KEY,
    at          timestamptz NOT NULL DEFAULT now(),
    actor_id    bigint REFERENCES users (id) ON DELETE SET NULL,
    actor       text NOT NULL DEFAULT 'system',   -- 'cli', 'api', 'web', 'system' or an email
    action      text NOT NULL,
    entity      text NOT NULL,
    entity_id   text,
    details     jsonb NOT NULL DEFAULT '{}'
);
CREATE INDEX audit_log_entity_idx ON audit_log (entity, entity_id);
