-- Issue 13 item 8: the API keeps the keys it has verified in memory (src/db/verified-keys.ts),
-- so a GET costs one database round trip, not two. Whatever can make a cached key invalid — a
-- revocation, new scopes or expiry, a suspended merchant — announces itself here, on the
-- bayar_key_changes channel, and every API process listening drops its cache at once: through
-- the admin CLI or by hand in psql alike. last_used_at (written once per key per cache refill)
-- is left out on purpose: it changes nothing about a key's validity, and a notice for it would
-- empty the cache that the write came from.
--
CREATE FUNCTION notify_key_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  -- Delivered when the changing transaction commits, and only then.
  PERFORM pg_notify('bayar_key_changes', TG_TABLE_NAME);
  RETURN NULL;
END;
$$;

CREATE TRIGGER api_keys_changed
  AFTER UPDATE OF merchant_id, secret_hash, scopes, expires_at, revoked_at OR DELETE OR TRUNCATE ON api_keys
  FOR EACH STATEMENT EXECUTE FUNCTION notify_key_change();

CREATE TRIGGER merchants_changed
  AFTER UPDATE OF id, status OR DELETE OR TRUNCATE ON merchants
  FOR EACH STATEMENT EXECUTE FUNCTION notify_key_change();
