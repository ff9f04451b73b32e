-- Issue 13 items 5-7: merchants' webhook signing secrets (with rotation), registered event
-- endpoints, manual ledger adjustments, and where each merchant event is to be delivered.

-- A merchant's webhook signing secrets. Secrets sign, so they cannot be hashed: they are sealed
-- (AES-256-GCM with BAYAR_DATA_KEY, src/common/sealed.ts) and never leave the worker unsealed.
-- The current secret has retires_at NULL; a rotation sets the old one's retires_at to the end of
-- the overlap, during which callbacks carry a signature with each.
CREATE TABLE merchant_webhook_secrets (
  id             bigserial PRIMARY KEY,
  merchant_id    text NOT NULL REFERENCES merchants (id),
  sealed_secret  text NOT NULL,
  created_at     timestamptz NOT NULL DEFAULT now(),
  retires_at     timestamptz
);
CREATE INDEX merchant_webhook_secrets_by_merchant ON merchant_webhook_secrets (merchant_id);
-- At most one current secret per merchant.
CREATE UNIQUE INDEX merchant_webhook_secrets_one_current ON merchant_webhook_secrets (merchant_id) WHERE retires_at IS NULL;

-- Endpoints a merchant registered for its events, besides each payment's callbackUrl.
CREATE TABLE merchant_endpoints (
  id           text PRIMARY KEY,
  merchant_id  text NOT NULL REFERENCES merchants (id),
  url          text NOT NULL CHECK (url ~ '^https?://' AND length(url) <= 2000),
  -- Event types this endpoint receives; empty means every type.
  event_types  text[] NOT NULL DEFAULT '{}',
  created_at   timestamptz NOT NULL DEFAULT now(),
  disabled_at  timestamptz
);
CREATE INDEX merchant_endpoints_by_merchant ON merchant_endpoints (merchant_id) WHERE disabled_at IS NULL;

-- The URLs an event goes to (its payment's callbackUrl and the matching endpoints), fixed when
-- the event is recorded so a resend goes where the first delivery went.
ALTER TABLE merchant_events ADD COLUMN destinations text[] NOT NULL DEFAULT '{}';

-- ADJUSTMENT: an operator's manual entry (admin CLI `ledger adjust`, audited), either sign.
ALTER TABLE ledger_entries DROP CONSTRAINT ledger_entries_kind_check;
ALTER TABLE ledger_entries ADD CONSTRAINT ledger_entries_kind_check CHECK (kind IN ('COLLECTED', 'REFUNDED', 'FEE', 'PAYOUT_RESERVED', 'PAYOUT_RELEASED', 'PAID_OUT', 'ADJUSTMENT'));
ALTER TABLE ledger_entries DROP CONSTRAINT ledger_entries_check;
-- PAID_OUT moves a reservation into "paid out": a PAYOUT_RELEASED (+) and a PAID_OUT (-) of the
-- same amount, written together when the payout succeeds.
ALTER TABLE ledger_entries ADD CONSTRAINT ledger_entries_sign_check CHECK (
  (kind IN ('COLLECTED', 'PAYOUT_RELEASED') AND amount > 0)
  OR (kind IN ('REFUNDED', 'FEE', 'PAYOUT_RESERVED', 'PAID_OUT') AND amount < 0)
  OR kind = 'ADJUSTMENT');
CREATE INDEX ledger_entries_by_payout ON ledger_entries (payout_id) WHERE payout_id IS NOT NULL;
CREATE INDEX ledger_entries_by_payment ON ledger_entries (payment_id) WHERE payment_id IS NOT NULL;

-- The key lookup is by the secret's hash (the secret is 256 random bits; see src/db/keys.ts).
CREATE UNIQUE INDEX api_keys_by_hash ON api_keys (secret_hash);
