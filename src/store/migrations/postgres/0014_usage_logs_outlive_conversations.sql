-- A usage row is spend already incurred: deleting a conversation sets its rows' conversation_id to
-- NULL instead of deleting them (003 cascaded), so a user's usage by day and model, and what it
-- cost, stay as they were. (Deleting the user still takes their rows.)
ALTER TABLE usage_logs
  DROP CONSTRAINT usage_logs_conversation_id_fkey,
  ADD CONSTRAINT usage_logs_conversation_id_fkey
    FOREIGN KEY (conversation_id) REFERENCES conversations (id) ON DELETE SET NULL;
