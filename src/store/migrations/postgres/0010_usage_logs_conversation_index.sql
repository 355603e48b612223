-- Most usage rows are gateway calls outside any conversation. Their NULL conversation_id need no
-- entry in the index that serves the cascade from conversations: one B-tree insert fewer per call.
DROP INDEX idx_usage_logs_conversation_id;
CREATE INDEX idx_usage_logs_conversation_id ON usage_logs (conversation_id) WHERE conversation_id IS NOT NULL;
