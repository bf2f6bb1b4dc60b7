-- Fleet updates (issue 16): the hub serves electron-updater's generic-provider feed. A release
-- is a version's update files (kept in the hub's updatesDir); a channel (a store group, or '*'
-- for every store not in a group with a channel) names the version its stores get, a staged
-- percentage of terminals for it (the rest stay on previous_version), and a store can be
-- pinned to a version.

CREATE TABLE app_releases (
  version      text NOT NULL,
  platform     text NOT NULL CHECK (platform IN ('linux', 'win', 'mac')),
  -- electron-updater's metadata: [{url, sha512, size}], the main file's path and sha512
  files        jsonb NOT NULL,
  path         text NOT NULL,
  sha512       text NOT NULL,
  release_date timestamptz NOT NULL,
  published_by text,
  published_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (version, platform)
);

CREATE TABLE update_channels (
  channel          text PRIMARY KEY,
  version          text NOT NULL,
  previous_version text,
  staged_percent   integer NOT NULL DEFAULT 100 CHECK (staged_percent BETWEEN 0 AND 100),
  updated_by       text,
  updated_at       timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE update_pins (
  store_id   text PRIMARY KEY REFERENCES stores(store_id),
  version    text NOT NULL,
  pinned_by  text,
  pinned_at  timestamptz NOT NULL DEFAULT now()
);
