-- Integrity watch (issue 15), part 4: the review queue. An event a rule flags (a sale that
-- looks like a duplicate of one just before on the same register, a card sale approved and
-- then post-voided) is applied as usual, and its revenue is held in the posting map's review
-- suspense account by a second entry (the hold, src/core/ledger/review-hold.ts). A person
-- clears the item (who, when, why): the release entry moves the amount back to revenue,
-- linked to the original entry. Items are never deleted; an item changes once, open → cleared.

-- Which rules a store runs, with their settings ({} = none; integrity/review.ts reviewRulesSchema).
ALTER TABLE stores ADD COLUMN review_rules jsonb NOT NULL DEFAULT '{}';

CREATE TABLE review_items (
  item_id          bigserial PRIMARY KEY,
  store_id         text NOT NULL REFERENCES stores(store_id),
  terminal_id      text NOT NULL,
  seq              bigint NOT NULL,
  event_id         uuid NOT NULL UNIQUE,
  event_type       text NOT NULL,
  rule             text NOT NULL,
  reason           text NOT NULL,
  related          jsonb NOT NULL DEFAULT '{}',
  amount           bigint NOT NULL,
  currency         text NOT NULL,
  entry_id         text REFERENCES ledger_entries(entry_id),
  hold_entry_id    text REFERENCES ledger_entries(entry_id),
  created_at       timestamptz NOT NULL DEFAULT now(),
  status           text NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'cleared')),
  cleared_by       text,
  cleared_at       timestamptz,
  clear_reason     text,
  release_entry_id text REFERENCES ledger_entries(entry_id),
  CHECK ((status = 'open') = (cleared_at IS NULL))
);
CREATE INDEX review_items_queue_idx ON review_items (store_id, status, item_id);
CREATE INDEX review_items_status_idx ON review_items (status, item_id);

CREATE FUNCTION tillstream_review_item_once() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'DELETE' THEN
    RAISE EXCEPTION 'DELETE of review_items is not allowed: items are kept' USING ERRCODE = 'integrity_constraint_violation';
  END IF;
  IF OLD.status <> 'open' OR NEW.status <> 'cleared'
     OR NEW.item_id <> OLD.item_id OR NEW.event_id <> OLD.event_id OR NEW.rule <> OLD.rule OR NEW.amount <> OLD.amount
     OR NEW.entry_id IS DISTINCT FROM OLD.entry_id OR NEW.hold_entry_id IS DISTINCT FROM OLD.hold_entry_id THEN
    RAISE EXCEPTION 'a review item changes once, from open to cleared' USING ERRCODE = 'integrity_constraint_violation';
  END IF;
  RETURN NEW;
END $$;
CREATE TRIGGER review_items_once BEFORE UPDATE OR DELETE ON review_items
  FOR EACH ROW EXECUTE FUNCTION tillstream_review_item_once();
