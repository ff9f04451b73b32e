-- Which run of a workflow task wrote a row or a transition: the workflow's history length when
-- the projection's local activity was called (workflowInfo().historyLength, workflows/projection.ts).
--
-- A local activity runs before its workflow task commits. When the task is lost (the worker or
-- the history service dies), its writes are speculative, and the task runs again on a longer
-- history (the failed or timed-out attempt adds events). A speculative write can also arrive
-- *after* the committed re-run's write of the same version (its transaction was still waiting,
-- e.g. on a PostgreSQL restart): the cluster chaos run found the transition log keeping such a
-- write (docs/cluster.md, run 7). So a write only takes effect when it comes from a history at
-- least as long as the one that last wrote the row: an older attempt's late write changes
-- nothing (src/db/records.repository.ts). Rows written before this column existed read 0.
ALTER TABLE payments ADD COLUMN history_length bigint NOT NULL DEFAULT 0;
ALTER TABLE payouts ADD COLUMN history_length bigint NOT NULL DEFAULT 0;
ALTER TABLE payment_transitions ADD COLUMN history_length bigint NOT NULL DEFAULT 0;
ALTER TABLE payout_transitions ADD COLUMN history_length bigint NOT NULL DEFAULT 0;
