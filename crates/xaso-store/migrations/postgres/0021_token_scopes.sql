-- API tokens carry scopes (read, write, webhooks): what a program may do with them, on top of
-- its account's roles. Tokens made before keep what they could do: read and write.
ALTER TABLE api_tokens ADD COLUMN scopes TEXT NOT NULL DEFAULT 'read write';
