-- People sign in to the HQ console with a user name and password (issue 12). A user keeps
-- their API tokens for scripts; a password sign-in opens a session, which is a credential
-- like a token (same table, same revocation, same socket room) but reachable only through
-- the console's httpOnly cookie and ending at expires_at.

-- scrypt hash in PHC-like form: scrypt$N=…,r=…,p=…$salt$hash (decision 0012). NULL: this
-- user has no password (token only), and password sign-in refuses them.
ALTER TABLE users ADD COLUMN password_hash text;
ALTER TABLE users ADD COLUMN password_changed_at timestamptz;
-- A disabled user is refused everywhere (password, session, API token) until enabled again.
ALTER TABLE users ADD COLUMN disabled_at timestamptz;
ALTER TABLE users ADD COLUMN disabled_by text;

ALTER TABLE credentials DROP CONSTRAINT credentials_kind_check;
ALTER TABLE credentials DROP CONSTRAINT credentials_check;
ALTER TABLE credentials ADD CONSTRAINT credentials_kind_check CHECK (kind IN ('user', 'register', 'session'));
ALTER TABLE credentials ADD CONSTRAINT credentials_owner_check CHECK (
  (kind IN ('user', 'session') AND user_id IS NOT NULL)
  OR (kind = 'register' AND terminal_id IS NOT NULL AND store_id IS NOT NULL)
);
ALTER TABLE credentials ADD COLUMN expires_at timestamptz;
ALTER TABLE credentials ADD CONSTRAINT credentials_session_expires CHECK (kind <> 'session' OR expires_at IS NOT NULL);
CREATE INDEX credentials_user ON credentials (user_id) WHERE revoked_at IS NULL;

-- Keys every hub process of the chain must share (the CSRF tokens' HMAC key: a token one hub
-- hands out is checked by another behind the load balancer). Created once, never sent.
CREATE TABLE hub_secrets (
  name       text PRIMARY KEY,
  secret     text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now()
);
