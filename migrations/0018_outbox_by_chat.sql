-- A chat's messages still being sent, looked up at every claim: one sender per chat at a time
-- keeps a person's answers in order when two postmen (the background one and the worker that just
-- answered) look at the outbox together.

CREATE INDEX outbox_sending_by_chat ON outbox (platform, chat_id) WHERE status = 'sending';
