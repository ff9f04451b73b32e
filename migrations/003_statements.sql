-- Issue 14 items 1-2: the daily statement (per merchant, per provider, per Jakarta calendar day)
-- and the reconciliation of that day with each provider's own record.

-- The days the statement job has produced. A produced day is never recomputed: re-running it
-- changes nothing (no new rows, no second statement.ready event); the catch-up starts after
-- the newest produced day.
CREATE TABLE statement_days (
  day          date PRIMARY KEY,
  produced_at  timestamptz NOT NULL DEFAULT now(),
  -- What the reconciliation could not check (a provider unreachable, no look-up), per provider.
  unchecked    jsonb NOT NULL DEFAULT '{}'
);

-- One statement per merchant, provider and day: its lines (payments, refunds, payouts that moved
-- money or changed that day) and totals per method. Written once, with the statement_days row.
CREATE TABLE statements (
  day          date NOT NULL REFERENCES statement_days (day),
  merchant_id  text NOT NULL,
  provider     text NOT NULL,
  lines        jsonb NOT NULL,
  totals       jsonb NOT NULL,
  PRIMARY KEY (day, merchant_id, provider)
);
CREATE INDEX statements_by_merchant ON statements (merchant_id, day);

-- Differences between bayar's record and the provider's, found by that day's reconciliation.
-- Never "fixed" here: `action` says where each was sent (a wake-up of the payment's workflow,
-- which then looks the charge up itself; or a person's review).
CREATE TABLE reconciliation_differences (
  day          date NOT NULL REFERENCES statement_days (day),
  merchant_id  text NOT NULL,
  provider     text NOT NULL,
  kind         text NOT NULL CHECK (kind IN ('paid_unknown_to_bayar', 'paid_unknown_to_provider', 'amount_mismatch', 'refund_unknown_to_bayar', 'refund_unknown_to_provider', 'payout_mismatch')),
  object_type  text NOT NULL CHECK (object_type IN ('payment', 'payout')),
  object_id    text NOT NULL,
  bayar        jsonb NOT NULL,
  provider_says jsonb NOT NULL,
  action       text NOT NULL CHECK (action IN ('wake', 'review')),
  -- When the payment's workflow was signalled (action wake), or why it could not be.
  woken_at     timestamptz,
  wake_error   text,
  PRIMARY KEY (day, provider, kind, object_id)
);
CREATE INDEX reconciliation_differences_by_merchant ON reconciliation_differences (merchant_id, day);
