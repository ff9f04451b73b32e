-- bayar's system of record. Temporal decides; this database records (ARCHITECTURE.md, "System
-- of record"). Money is bigint rupiah, never numeric or float. Tables marked append-only refuse
-- UPDATE and DELETE by trigger, so history cannot be rewritten by a bug or a stray statement.

CREATE FUNCTION refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION '% is append-only: % refused', TG_TABLE_NAME, TG_OP;
END $$;

-- The transition logs are append-only too, with one exception: the workflow's projection may
-- replace a transition that a workflow task wrote and then never committed (its worker died
-- after the write), with what the committed run of that task wrote. It says so with SET LOCAL
-- bayar.correcting_speculative (src/db/records.repository.ts); any other change is refused.
CREATE FUNCTION refuse_change_unless_correcting() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF current_setting('bayar.correcting_speculative', true) = 'on' THEN
    RETURN CASE WHEN TG_OP = 'DELETE' THEN OLD ELSE NEW END;
  END IF;
  RAISE EXCEPTION '% is append-only: % refused', TG_TABLE_NAME, TG_OP;
END $$;

-- ---- merchants and their keys (filled by the admin CLI; see issue 13 item 5) ----
CREATE TABLE merchants (
  id           text PRIMARY KEY CHECK (id ~ '^[A-Za-z0-9_-]{1,64}$'),
  name         text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
  status       text NOT NULL DEFAULT 'ACTIVE' CHECK (status IN ('ACTIVE', 'SUSPENDED')),
  created_at   timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE api_keys (
  id           text PRIMARY KEY,
  merchant_id  text NOT NULL REFERENCES merchants (id),
  -- Shown in lists and logs; the secret itself is only ever stored hashed.
  prefix       text NOT NULL UNIQUE CHECK (length(prefix) BETWEEN 8 AND 32),
  secret_hash  text NOT NULL,
  scopes       text[] NOT NULL CHECK (cardinality(scopes) > 0 AND scopes <@ ARRAY['payments:write', 'payments:read', 'refunds', 'payouts', 'events']),
  expires_at   timestamptz,
  revoked_at   timestamptz,
  created_at   timestamptz NOT NULL DEFAULT now(),
  last_used_at timestamptz
);
CREATE INDEX api_keys_by_merchant ON api_keys (merchant_id);

-- ---- payments: the workflow's view, one row per payment, newest version wins ----
CREATE TABLE payments (
  id                  text PRIMARY KEY,
  -- No foreign key to merchants yet: merchants still come from BAYAR_API_KEYS until the admin
  -- CLI (item 5) fills the merchants table.
  merchant_id         text NOT NULL,
  merchant_reference  text NOT NULL,
  provider            text NOT NULL,
  method              text NOT NULL,
  currency            text NOT NULL CHECK (currency = 'IDR'),
  status              text NOT NULL CHECK (status IN ('CREATED', 'PENDING', 'PAID', 'SETTLED', 'PARTIALLY_REFUNDED', 'REFUNDED', 'EXPIRED', 'CANCELLED', 'FAILED', 'REVIEW_REQUIRED')),
  amount_expected     bigint NOT NULL CHECK (amount_expected > 0),
  amount_paid         bigint NOT NULL CHECK (amount_paid >= 0),
  amount_refunded     bigint NOT NULL CHECK (amount_refunded >= 0),
  provider_reference  text,
  -- The version of the workflow's state this row shows: each change adds one. An older version
  -- never overwrites a newer one (src/db/records.repository.ts).
  version             bigint NOT NULL CHECK (version >= 0),
  -- The full PaymentView (instructions, refunds, timeline) as the workflow computed it.
  view                jsonb NOT NULL,
  -- The create request's hash (as in the workflow's memo): after Temporal's retention has
  -- deleted the workflow, the same request again is answered from here and never starts a
  -- second charge; another body under the same key is still a 409.
  request_hash        text NOT NULL,
  created_at          timestamptz NOT NULL,
  updated_at          timestamptz NOT NULL,
  expires_at          timestamptz NOT NULL,
  paid_at             timestamptz,
  settled_at          timestamptz,
  recorded_at         timestamptz NOT NULL DEFAULT now(),
  UNIQUE (merchant_id, merchant_reference)
);
-- Lists: newest first per merchant (the cursor is (created_at, id)), by status, by update time.
CREATE INDEX payments_by_merchant_created ON payments (merchant_id, created_at DESC, id DESC);
CREATE INDEX payments_by_merchant_status ON payments (merchant_id, status, created_at DESC, id DESC);
CREATE INDEX payments_by_merchant_updated ON payments (merchant_id, updated_at);
CREATE INDEX payments_by_provider_reference ON payments (provider, provider_reference);

-- Every transition, once: (payment, version) is the key, so a retried write adds nothing.
-- version 0 is the payment as created; entries are the timeline entries the version added.
CREATE TABLE payment_transitions (
  payment_id       text NOT NULL REFERENCES payments (id),
  version          bigint NOT NULL CHECK (version >= 0),
  status           text NOT NULL,
  status_reason    text,
  amount_paid      bigint NOT NULL CHECK (amount_paid >= 0),
  amount_refunded  bigint NOT NULL CHECK (amount_refunded >= 0),
  -- The timeline entries this version added (what happened).
  entries          jsonb NOT NULL,
  recorded_at      timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (payment_id, version)
);
CREATE TRIGGER payment_transitions_append_only BEFORE UPDATE OR DELETE ON payment_transitions FOR EACH ROW EXECUTE FUNCTION refuse_change_unless_correcting();

CREATE TABLE refunds (
  payment_id          text NOT NULL REFERENCES payments (id),
  refund_id           text NOT NULL,
  amount              bigint NOT NULL CHECK (amount > 0),
  reason              text NOT NULL,
  state               text NOT NULL CHECK (state IN ('PENDING', 'SUCCEEDED', 'FAILED')),
  -- 'provider': a refund the provider reports that bayar did not make (its dashboard).
  origin              text NOT NULL CHECK (origin IN ('merchant', 'auto', 'provider')),
  provider_refund_id  text,
  failure_reason      text,
  requested_at        timestamptz NOT NULL,
  -- The payment version that last wrote this row.
  version             bigint NOT NULL,
  PRIMARY KEY (payment_id, refund_id)
);

-- ---- payouts ----
CREATE TABLE payouts (
  id                  text PRIMARY KEY,
  merchant_id         text NOT NULL,
  merchant_reference  text NOT NULL,
  provider            text NOT NULL,
  currency            text NOT NULL CHECK (currency = 'IDR'),
  amount              bigint NOT NULL CHECK (amount > 0),
  fee_type            text NOT NULL CHECK (fee_type IN ('DEDUCT_FROM_AMOUNT', 'CHARGE_TO_BALANCE')),
  status              text NOT NULL CHECK (status IN ('CREATED', 'PENDING', 'SUCCEEDED', 'FAILED', 'REVIEW_REQUIRED')),
  version             bigint NOT NULL CHECK (version >= 0),
  -- PayoutView: the destination is already reduced to bank code and last four digits.
  view                jsonb NOT NULL,
  -- As for payments: a payout Temporal has forgotten is never sent a second time.
  request_hash        text NOT NULL,
  created_at          timestamptz NOT NULL,
  updated_at          timestamptz NOT NULL,
  completed_at        timestamptz,
  recorded_at         timestamptz NOT NULL DEFAULT now(),
  UNIQUE (merchant_id, merchant_reference)
);
CREATE INDEX payouts_by_merchant_created ON payouts (merchant_id, created_at DESC, id DESC);

CREATE TABLE payout_transitions (
  payout_id    text NOT NULL REFERENCES payouts (id),
  version      bigint NOT NULL CHECK (version >= 0),
  status       text NOT NULL,
  entries      jsonb NOT NULL,
  recorded_at  timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (payout_id, version)
);
CREATE TRIGGER payout_transitions_append_only BEFORE UPDATE OR DELETE ON payout_transitions FOR EACH ROW EXECUTE FUNCTION refuse_change_unless_correcting();

-- ---- provider notifications received (verified ones only; never raw bodies with secrets) ----
CREATE TABLE provider_notifications (
  id                 bigserial PRIMARY KEY,
  provider           text NOT NULL,
  provider_event_id  text NOT NULL,
  payment_id         text,
  payout_id          text,
  -- The parsed ProviderEvent as bayar understood it.
  event              jsonb NOT NULL,
  received_at        timestamptz NOT NULL DEFAULT now(),
  UNIQUE (provider, provider_event_id)
);
CREATE INDEX provider_notifications_by_payment ON provider_notifications (payment_id);

-- ---- events to merchants and every delivery attempt ----
CREATE TABLE merchant_events (
  -- Unique per event (evt_…), not per payment and type: two refunds are two events.
  id            text PRIMARY KEY,
  merchant_id   text NOT NULL,
  type          text NOT NULL,
  payment_id    text,
  payout_id     text,
  payload       jsonb NOT NULL,
  created_at    timestamptz NOT NULL DEFAULT now(),
  delivered_at  timestamptz
);
CREATE INDEX merchant_events_by_merchant ON merchant_events (merchant_id, created_at DESC);
CREATE INDEX merchant_events_undelivered ON merchant_events (merchant_id, created_at) WHERE delivered_at IS NULL;

CREATE TABLE merchant_event_deliveries (
  event_id     text NOT NULL REFERENCES merchant_events (id),
  attempt      integer NOT NULL CHECK (attempt >= 1),
  url          text NOT NULL,
  status_code  integer CHECK (status_code BETWEEN 100 AND 599),
  error        text,
  started_at   timestamptz NOT NULL,
  duration_ms  integer CHECK (duration_ms >= 0),
  PRIMARY KEY (event_id, attempt)
);
CREATE TRIGGER merchant_event_deliveries_append_only BEFORE UPDATE OR DELETE ON merchant_event_deliveries FOR EACH ROW EXECUTE FUNCTION refuse_change();

-- ---- per-merchant ledger: signed bigint rupiah, append-only; a balance is a sum ----
CREATE TABLE ledger_entries (
  id           bigserial PRIMARY KEY,
  merchant_id  text NOT NULL REFERENCES merchants (id),
  kind         text NOT NULL CHECK (kind IN ('COLLECTED', 'REFUNDED', 'FEE', 'PAYOUT_RESERVED', 'PAYOUT_RELEASED', 'PAID_OUT')),
  -- Credits positive (collected, released), debits negative (refunded, fees, reserved).
  amount       bigint NOT NULL CHECK (amount <> 0),
  payment_id   text,
  payout_id    text,
  refund_id    text,
  -- What made this entry, so recording it twice is impossible (e.g. "collected:pay_…").
  source_key   text NOT NULL UNIQUE,
  created_at   timestamptz NOT NULL DEFAULT now(),
  CHECK ((kind IN ('COLLECTED', 'PAYOUT_RELEASED') AND amount > 0) OR (kind IN ('REFUNDED', 'FEE', 'PAYOUT_RESERVED') AND amount < 0) OR kind = 'PAID_OUT')
);
CREATE INDEX ledger_entries_by_merchant ON ledger_entries (merchant_id, created_at);
CREATE TRIGGER ledger_entries_append_only BEFORE UPDATE OR DELETE ON ledger_entries FOR EACH ROW EXECUTE FUNCTION refuse_change();

-- ---- who (which key) did what ----
CREATE TABLE audit_log (
  id           bigserial PRIMARY KEY,
  at           timestamptz NOT NULL DEFAULT now(),
  merchant_id  text,
  api_key_id   text,
  -- 'api-key', 'admin-cli', 'workflow', 'provider:<name>'.
  actor        text NOT NULL,
  action       text NOT NULL,
  object_type  text,
  object_id    text,
  detail       jsonb
);
CREATE INDEX audit_log_by_object ON audit_log (object_type, object_id);
CREATE INDEX audit_log_by_merchant ON audit_log (merchant_id, at);
CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON audit_log FOR EACH ROW EXECUTE FUNCTION refuse_change();
