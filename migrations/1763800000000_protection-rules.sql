-- Branch protection: per repository, an ordered list of rules matching refs
-- by pattern. Every matching rule applies (src/policy/evaluate-rules.ts).

-- Up Migration

CREATE TABLE protection_rules (
  id serial PRIMARY KEY,
  repository_id integer NOT NULL REFERENCES repositories (id) ON DELETE CASCADE,
  -- 1-based place in the repository's list; rules are reported by it.
  position integer NOT NULL CHECK (position > 0),
  -- refs/heads/main, refs/heads/release/*, refs/tags/v*, refs/heads/**
  pattern text NOT NULL,
  description text,
  -- People are written as grants write them: 'alice' (user) or '@team' (group).
  -- NULL: anyone with write access may push; otherwise only those listed.
  restrict_push text[],
  -- Blocks: NULL = off; an array = on, except for the people it lists (empty: nobody).
  block_creation text[],
  block_deletion text[],
  block_force_push text[],
  immutable text[],
  namespace_rules boolean NOT NULL DEFAULT false,
  linear_history boolean NOT NULL DEFAULT false,
  -- A JavaScript regular expression every new commit message must match.
  commit_message_pattern text,
  -- Globs of paths new commits may not add or modify.
  forbidden_paths text[],
  max_blob_size bigint CHECK (max_blob_size > 0),
  created_at timestamptz NOT NULL DEFAULT now(),
  -- Deferred, so that inserting or removing a rule can shift the others in one statement.
  CONSTRAINT protection_rules_position_key UNIQUE (repository_id, position) DEFERRABLE INITIALLY DEFERRED
);

-- Down Migration

DROP TABLE protection_rules;
