-- What every match list reads besides the engine (web.services.serving): the learned model
-- switched on, the exposure re-ranking switched on with its audit's counts, and the set of
-- anonymous profiles. Each process keeps them in memory and reads them again only when the token
-- below differs from the one it read them under: one indexed read per request instead of four
-- (issue 17: at 10k profiles those reads were a quarter of a filtered API request's time).
--
-- The triggers set a new token in the transaction that changes any of them, so the token a request
-- reads is the one of the last committed change, and a switch made through any host counts for
-- the next request of every host (the rule learning.active_model and exposure_rerank.active keep).
-- The token is unique, not ordered: a process compares it for equality only. It comes from a
-- sequence no table owns, so a TRUNCATE ... RESTART IDENTITY (the tests' emptying) never hands
-- out a token again. No row (after a TRUNCATE of this table) means "nothing to trust": the
-- process reads the state on every request until the next change writes a row.

CREATE SEQUENCE serving_generation_token;

CREATE TABLE serving_generation (
    singleton boolean PRIMARY KEY DEFAULT true CHECK (singleton),
    token     bigint NOT NULL
);
INSERT INTO serving_generation (token) VALUES (nextval('serving_generation_token'));

CREATE FUNCTION serving_generation_bump() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO serving_generation (singleton, token) VALUES (true, nextval('serving_generation_token'))
    ON CONFLICT (singleton) DO UPDATE SET token = EXCLUDED.token;
    RETURN NULL;
END
$$;

-- the learned model switched on or off, a version written or deleted
CREATE TRIGGER learned_models_serving AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON learned_models
    FOR EACH STATEMENT EXECUTE FUNCTION serving_generation_bump();
-- the exposure re-ranking switched or its strength changed
CREATE TRIGGER exposure_reranking_serving AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON exposure_reranking
    FOR EACH STATEMENT EXECUTE FUNCTION serving_generation_bump();
-- an audit's counts replaced (their mean is part of the re-ranking), or a profile's row deleted with it
CREATE TRIGGER profile_exposure_serving AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON profile_exposure
    FOR EACH STATEMENT EXECUTE FUNCTION serving_generation_bump();

-- the anonymous set: only the rows that enter or leave it (row triggers with a condition cost
-- nothing on the other writes, and lock the token's row only for those that change the set)
CREATE TRIGGER profiles_serving_insert AFTER INSERT ON profiles
    FOR EACH ROW WHEN (NEW.record->>'visibility' = 'anonymous') EXECUTE FUNCTION serving_generation_bump();
CREATE TRIGGER profiles_serving_update AFTER UPDATE ON profiles
    FOR EACH ROW WHEN ((OLD.record->>'visibility') IS DISTINCT FROM (NEW.record->>'visibility')
                       OR (OLD.id IS DISTINCT FROM NEW.id AND NEW.record->>'visibility' = 'anonymous'))
    EXECUTE FUNCTION serving_generation_bump();
CREATE TRIGGER profiles_serving_delete AFTER DELETE ON profiles
    FOR EACH ROW WHEN (OLD.record->>'visibility' = 'anonymous') EXECUTE FUNCTION serving_generation_bump();
CREATE TRIGGER profiles_serving_truncate AFTER TRUNCATE ON profiles
    FOR EACH STATEMENT EXECUTE FUNCTION serving_generation_bump();
