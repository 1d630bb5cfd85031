-- pushgate hosting schema: repositories registry, accounts, permissions and
-- the push audit log. Everything that is not git data lives here.

-- Up Migration

CREATE TABLE users (
  id serial PRIMARY KEY,
  username text NOT NULL,
  display_name text,
  is_admin boolean NOT NULL DEFAULT false,
  created_at timestamptz NOT NULL DEFAULT now()
);
-- Usernames keep their case for display but are unique ignoring it (as on most forges).
CREATE UNIQUE INDEX users_username_key ON users (lower(username));

CREATE TABLE groups (
  id serial PRIMARY KEY,
  name text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX groups_name_key ON groups (lower(name));

CREATE TABLE group_members (
  group_id integer NOT NULL REFERENCES groups (id) ON DELETE CASCADE,
  user_id integer NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  added_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (group_id, user_id)
);
CREATE INDEX group_members_user_idx ON group_members (user_id);

CREATE TABLE repositories (
  id serial PRIMARY KEY,
  -- Canonical name: the bare repository's path relative to the data folder, e.g. team/app.git
  name text NOT NULL UNIQUE,
  -- Where the git dir is, relative to the data folder (equal to name for adopted repositories).
  path text NOT NULL,
  owner_id integer REFERENCES users (id) ON DELETE SET NULL,
  anonymous_read boolean NOT NULL DEFAULT false,
  anonymous_push boolean NOT NULL DEFAULT false,
  created_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE ssh_keys (
  id serial PRIMARY KEY,
  user_id integer NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  algorithm text NOT NULL,
  key_blob bytea NOT NULL,
  -- As `ssh-keygen -lf` prints it: SHA256:<base64 without padding>
  fingerprint text NOT NULL UNIQUE,
  bits integer,
  comment text,
  created_at timestamptz NOT NULL DEFAULT now(),
  last_used_at timestamptz
);
CREATE INDEX ssh_keys_user_idx ON ssh_keys (user_id);

CREATE TABLE tokens (
  id serial PRIMARY KEY,
  user_id integer NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  name text NOT NULL,
  -- Only the SHA-256 of the secret is kept; the secret is shown once.
  token_hash text NOT NULL UNIQUE,
  -- First characters of the secret, to find candidates and to show in listings.
  prefix text NOT NULL,
  -- NULL: everything the user may do; otherwise a subset of read, write, admin.
  scopes text[],
  expires_at timestamptz,
  revoked_at timestamptz,
  last_used_at timestamptz,
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX tokens_prefix_idx ON tokens (prefix);
CREATE INDEX tokens_user_idx ON tokens (user_id);
-- A name identifies one live token per user; revoked ones keep their name for the record.
CREATE UNIQUE INDEX tokens_live_name_key ON tokens (user_id, name) WHERE revoked_at IS NULL;

CREATE TABLE permissions (
  id serial PRIMARY KEY,
  user_id integer REFERENCES users (id) ON DELETE CASCADE,
  group_id integer REFERENCES groups (id) ON DELETE CASCADE,
  -- A repository name (team/app.git, team/app) or a glob (team/*, **).
  repo_pattern text NOT NULL,
  level text NOT NULL CHECK (level IN ('read', 'write', 'admin')),
  created_at timestamptz NOT NULL DEFAULT now(),
  CHECK ((user_id IS NULL) <> (group_id IS NULL))
);
CREATE UNIQUE INDEX permissions_user_pattern_key ON permissions (user_id, repo_pattern) WHERE user_id IS NOT NULL;
CREATE UNIQUE INDEX permissions_group_pattern_key ON permissions (group_id, repo_pattern) WHERE group_id IS NOT NULL;

CREATE TABLE push_audit (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  -- intent: written before any ref moves; complete: finished; interrupted: found unfinished at start.
  state text NOT NULL CHECK (state IN ('intent', 'complete', 'interrupted')),
  result text CHECK (result IN ('accepted', 'partial', 'rejected', 'failed', 'interrupted')),
  repo text NOT NULL,
  -- No foreign key: a record must be writable even for a user removed mid-push, and stays as written.
  user_id integer,
  username text,
  transport text NOT NULL,
  remote_address text,
  agent text,
  capabilities text[] NOT NULL DEFAULT '{}',
  push_options text[] NOT NULL DEFAULT '{}',
  -- Per ref: refName, oldOid, newOid, type, status, reason, decidedBy.
  commands jsonb NOT NULL DEFAULT '[]',
  -- For interrupted pushes: the repository's refs as reconcile found them.
  refs_after jsonb,
  pack_bytes bigint NOT NULL DEFAULT 0,
  pack_objects bigint NOT NULL DEFAULT 0,
  duration_ms integer,
  error text,
  -- Which machine wrote the intent, so reconcile can leave other live servers' pushes alone.
  server_host text,
  started_at timestamptz NOT NULL,
  finished_at timestamptz
);
CREATE INDEX push_audit_started_idx ON push_audit (started_at DESC, id DESC);
CREATE INDEX push_audit_repo_idx ON push_audit (repo, started_at DESC);
CREATE INDEX push_audit_user_idx ON push_audit (lower(username), started_at DESC);
CREATE INDEX push_audit_open_idx ON push_audit (id) WHERE state = 'intent';

-- Down Migration

DROP TABLE push_audit;
DROP TABLE permissions;
DROP TABLE tokens;
DROP TABLE ssh_keys;
DROP TABLE repositories;
DROP TABLE group_members;
DROP TABLE groups;
DROP TABLE users;
