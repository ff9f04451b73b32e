-- Issue 13 item 8: the payment list stays fast over a merchant's whole history (measured over
-- 100,000 stored payments by `npm run bench -- --reads`, docs/performance.md).
--
-- Without these, a filter on a column that no index leads with is answered by walking the
-- merchant's rows newest first until a page is full: quick when the filter matches often, but a
-- filter that matches rarely or never (a method the merchant stopped offering, an amount range
-- with no payment in it) reads every one of the merchant's rows: 250-450 ms at 100,000.
-- Provider and method lists keep the list's order (created_at DESC, id DESC), so the keyset
-- cursor continues on the same index; amount ranges are answered from the range and sorted.
-- The cost: a payment's row is rewritten at every transition (its status and updated_at are
-- indexed already, so those updates are never HOT), and each index adds one entry per write.
--
-- Numbered 004: 003 is the daily statements' migration (another branch).
CREATE INDEX payments_by_merchant_provider ON payments (merchant_id, provider, created_at DESC, id DESC);
CREATE INDEX payments_by_merchant_method ON payments (merchant_id, method, created_at DESC, id DESC);
CREATE INDEX payments_by_merchant_amount ON payments (merchant_id, amount_expected);
