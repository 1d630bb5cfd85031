import os from 'node:os';
import type { AuditSink, PushIntent, PushRecord } from '../audit-record.js';
import type { Queryable } from './database.js';
import { repoNameVariants } from './repo-name.js';

/**
 * The push audit log in PostgreSQL. begin() commits an intent row before any
 * ref moves; complete() fills it in after the refs moved and before the client
 * gets its report. Each is one autocommitted statement, so it is on disk when
 * the promise resolves. A crash in between leaves an intent for reconcileAudit().
 */
export class PgAuditSink implements AuditSink {
  private readonly host: string;

  constructor(
    private readonly db: Queryable,
    options: { host?: string } = {},
  ) {
    this.host = options.host ?? os.hostname();
  }

  async begin(intent: PushIntent): Promise<string> {
    const { rows } = await this.db.query<{ id: string }>(
      `INSERT INTO push_audit (state, repo, user_id, username, transport, remote_address, server_host, started_at)
       VALUES ('intent', $1, $2, $3, $4, $5, $6, $7) RETURNING id::text`,
      [
        intent.repo,
        intent.identity?.userId ?? null,
        intent.identity?.username ?? null,
        intent.transport,
        intent.remoteAddress ?? null,
        this.host,
        intent.startedAt,
      ],
    );
    return rows[0]!.id;
  }

  async complete(id: string, record: PushRecord): Promise<void> {
    const values = [
      record.result,
      record.agent ?? null,
      record.capabilities,
      record.pushOptions,
      JSON.stringify(record.commands),
      record.packBytes,
      record.packObjects,
      Math.round(record.durationMs),
      record.error ?? null,
    ];
    // Completes the intent even if a reconcile (another server starting) marked it interrupted meanwhile.
    // Who and from where may be better known now than at begin(); what is known wins over NULL.
    const updated = await this.db.query(
      `UPDATE push_audit SET state = 'complete', result = $2, agent = $3, capabilities = $4, push_options = $5,
         commands = $6::jsonb, pack_bytes = $7, pack_objects = $8, duration_ms = $9, error = $10,
         user_id = COALESCE($11, user_id), username = COALESCE($12, username), remote_address = COALESCE($13, remote_address),
         refs_after = NULL, finished_at = now()
       WHERE id = $1`,
      [id, ...values, record.identity?.userId ?? null, record.identity?.username ?? null, record.remoteAddress ?? null],
    );
    if (updated.rowCount) return;
    // No intent (it was never written, or the id is foreign): keep the record anyway.
    await this.db.query(
      `INSERT INTO push_audit (state, result, agent, capabilities, push_options, commands, pack_bytes, pack_objects,
         duration_ms, error, repo, user_id, username, transport, remote_address, server_host, started_at, finished_at)
       VALUES ('complete', $1, $2, $3, $4, $5::jsonb, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, now())`,
      [
        ...values,
        record.repo,
        record.identity?.userId ?? null,
        record.identity?.username ?? null,
        record.transport,
        record.remoteAddress ?? null,
        this.host,
        record.startedAt,
      ],
    );
  }
}

export interface RefSnapshotEntry {
  name: string;
  oid: string;
}

export interface ReconcileOptions {
  /**
   * Reads a repository's refs now (the lead wires `openRepository(gitDir).refs.list()`);
   * null or a throw when the repository is gone. Without it, no snapshot is kept.
   */
  readRefs?: (repo: string) => Promise<RefSnapshotEntry[] | null>;
  /** Only intents written by this host (servers sharing one database). Default: all. */
  host?: string;
  /** At most this many refs are kept per snapshot. */
  maxRefs?: number;
}

/**
 * Marks the intents a crash left behind as `interrupted`, with the refs of
 * their repository as they are now (the push may or may not have moved them;
 * the snapshot says what the repository holds). Call at start, before
 * accepting pushes. Returns the ids it marked.
 */
export async function reconcileAudit(db: Queryable, options: ReconcileOptions = {}): Promise<string[]> {
  const { rows } = await db.query<{ id: string; repo: string }>(
    `SELECT id::text, repo FROM push_audit WHERE state = 'intent' AND ($1::text IS NULL OR server_host = $1) ORDER BY id`,
    [options.host ?? null],
  );
  const snapshots = new Map<string, RefSnapshotEntry[] | null>();
  for (const { repo } of rows) {
    if (snapshots.has(repo)) continue;
    snapshots.set(repo, await snapshot(repo, options));
  }
  const marked: string[] = [];
  for (const { id, repo } of rows) {
    const refs = snapshots.get(repo) ?? null;
    const { rowCount } = await db.query(
      `UPDATE push_audit SET state = 'interrupted', result = 'interrupted', refs_after = $2::jsonb, finished_at = now(),
         error = 'the server stopped before this push finished; refs_after holds the refs found at the next start'
       WHERE id = $1 AND state = 'intent'`,
      [id, refs ? JSON.stringify(refs) : null],
    );
    if (rowCount) marked.push(id);
  }
  return marked;
}

async function snapshot(repo: string, options: ReconcileOptions): Promise<RefSnapshotEntry[] | null> {
  if (!options.readRefs) return null;
  try {
    const refs = await options.readRefs(repo);
    return refs ? refs.slice(0, options.maxRefs ?? 1000).map((r) => ({ name: r.name, oid: r.oid })) : null;
  } catch {
    return null;
  }
}

/** One push as the log shows it. */
export interface AuditEntry {
  id: string;
  state: 'intent' | 'complete' | 'interrupted';
  result: PushRecord['result'] | 'interrupted' | null;
  repo: string;
  userId: number | null;
  username: string | null;
  transport: string;
  remoteAddress: string | null;
  agent: string | null;
  capabilities: string[];
  pushOptions: string[];
  commands: PushRecord['commands'];
  refsAfter: RefSnapshotEntry[] | null;
  packBytes: number;
  packObjects: number;
  durationMs: number | null;
  error: string | null;
  startedAt: Date;
  finishedAt: Date | null;
}

export interface AuditQuery {
  /** Repository name (with or without `.git`). */
  repo?: string;
  username?: string;
  since?: Date;
  until?: Date;
  /** Only entries older than this id (paging). */
  beforeId?: string;
  /** Default 50, at most 1000. */
  limit?: number;
}

interface AuditRow {
  id: string;
  state: AuditEntry['state'];
  result: AuditEntry['result'];
  repo: string;
  user_id: number | null;
  username: string | null;
  transport: string;
  remote_address: string | null;
  agent: string | null;
  capabilities: string[];
  push_options: string[];
  commands: PushRecord['commands'];
  refs_after: RefSnapshotEntry[] | null;
  pack_bytes: string;
  pack_objects: string;
  duration_ms: number | null;
  error: string | null;
  started_at: Date;
  finished_at: Date | null;
}

/** The audit log, newest first. */
export async function queryAuditLog(db: Queryable, query: AuditQuery = {}): Promise<AuditEntry[]> {
  const limit = Math.min(Math.max(query.limit ?? 50, 1), 1000);
  const { rows } = await db.query<AuditRow>(
    `SELECT id::text, state, result, repo, user_id, username, transport, remote_address, agent, capabilities,
            push_options, commands, refs_after, pack_bytes, pack_objects, duration_ms, error, started_at, finished_at
     FROM push_audit
     WHERE ($1::text[] IS NULL OR repo = ANY($1::text[]))
       AND ($2::text IS NULL OR lower(username) = lower($2))
       AND ($3::timestamptz IS NULL OR started_at >= $3)
       AND ($4::timestamptz IS NULL OR started_at < $4)
       AND ($5::bigint IS NULL OR id < $5)
     ORDER BY started_at DESC, id DESC
     LIMIT $6`,
    [
      query.repo ? repoNameVariants(query.repo) : null,
      query.username ?? null,
      query.since ?? null,
      query.until ?? null,
      query.beforeId ?? null,
      limit,
    ],
  );
  return rows.map((row) => ({
    id: row.id,
    state: row.state,
    result: row.result,
    repo: row.repo,
    userId: row.user_id,
    username: row.username,
    transport: row.transport,
    remoteAddress: row.remote_address,
    agent: row.agent,
    capabilities: row.capabilities,
    pushOptions: row.push_options,
    commands: row.commands,
    refsAfter: row.refs_after,
    packBytes: Number(row.pack_bytes),
    packObjects: Number(row.pack_objects),
    durationMs: row.duration_ms,
    error: row.error,
    startedAt: row.started_at,
    finishedAt: row.finished_at,
  }));
}
