-- The worker that has just answered a person claims that chat's due messages: with thousands of
-- a broadcast's rows pending, finding one chat's among them should not read them all.

CREATE INDEX outbox_pending_by_chat ON outbox (platform, chat_id, not_before) WHERE status = 'pending';
