-- Integrity watch (issue 15), part 2: the device-signed chain. A register enrolled with a
-- public key (Ed25519, base64 DER SubjectPublicKeyInfo) has it on its credential: revoking
-- the credential (re-enrollment, replacement, a revoked code) retires the key with it. Each
-- batch the hub accepted under a key keeps its signature, append-only, so the hub's copy of
-- a chain can be checked against the device later (tillstream audit verify / export).

ALTER TABLE credentials ADD COLUMN public_key text;
-- A store that requires signatures refuses batches of registers enrolled without a key.
ALTER TABLE stores ADD COLUMN require_signatures boolean NOT NULL DEFAULT false;

CREATE TABLE batch_signatures (
  terminal_id   text NOT NULL REFERENCES terminals(terminal_id),
  first_seq     bigint NOT NULL,
  last_seq      bigint NOT NULL,
  head_hash     text NOT NULL,
  signature     text NOT NULL,
  credential_id bigint NOT NULL REFERENCES credentials(credential_id),
  received_at   timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (terminal_id, last_seq),
  CHECK (first_seq >= 1 AND first_seq <= last_seq)
);
CREATE TRIGGER batch_signatures_append_only BEFORE UPDATE OR DELETE ON batch_signatures
  FOR EACH ROW EXECUTE FUNCTION tillstream_refuse_change();
