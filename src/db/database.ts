import { AsyncLocalStorage } from 'node:async_hooks';
import type pg from 'pg';

/** The part of the `pg` API the application uses; a pool, a client and a transaction all have it. */
export interface Queryable {
  query<R extends pg.QueryResultRow = pg.QueryResultRow>(text: string, values?: unknown[]): Promise<pg.QueryResult<R>>;
}

export interface Database extends Queryable {
  /** `embedded` (PGlite in the data folder, one connection) or `postgres` (DATABASE_URL). */
  readonly kind: 'embedded' | 'postgres';
  /** For messages: the embedded folder, or the URL without its password. */
  readonly location: string;
  /**
   * Runs fn in one transaction (BEGIN … COMMIT, ROLLBACK on a throw). Queries
   * made through `db.query` inside fn use the transaction's client too, so the
   * single embedded connection cannot deadlock; a nested call joins the outer
   * transaction. Keep it short: never hold one open across network I/O.
   */
  withTransaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T>;
  /** Runs fn with one dedicated client (for tools such as the migration runner). */
  withClient<T>(fn: (client: pg.PoolClient) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

/**
 * One Database over a pg.Pool, whichever backend is behind it: the app only
 * ever speaks the `pg` API, so both paths return the same types.
 */
export function databaseOverPool(
  pool: pg.Pool,
  kind: Database['kind'],
  location: string,
  onClose: () => Promise<void>,
): Database {
  // The client the current async context holds (withClient / withTransaction). `active` turns false
  // when it is released, so work that outlives it (a timer started inside) falls back to the pool.
  const current = new AsyncLocalStorage<Held>();
  let closed: Promise<void> | null = null;

  function held(): Held | undefined {
    const store = current.getStore();
    return store?.active ? store : undefined;
  }

  async function onNewClient<T>(fn: (h: Held) => Promise<T>): Promise<T> {
    const client = await pool.connect();
    const h: Held = { client, active: true, inTransaction: false, broken: undefined };
    try {
      return await current.run(h, () => fn(h));
    } catch (err) {
      if (err instanceof Error && isConnectionError(err)) h.broken = err;
      throw err;
    } finally {
      h.active = false;
      client.release(h.broken);
    }
  }

  return {
    kind,
    location,
    query<R extends pg.QueryResultRow = pg.QueryResultRow>(text: string, values?: unknown[]) {
      const h = held();
      // Not pool.query: it throws away the connection after any failed query, and PGlite's
      // single connection does not survive that. A failed statement leaves a connection usable.
      return h ? h.client.query<R>(text, values) : onNewClient((fresh) => fresh.client.query<R>(text, values));
    },
    withClient<T>(fn: (client: pg.PoolClient) => Promise<T>): Promise<T> {
      const h = held();
      return h ? fn(h.client) : onNewClient((fresh) => fn(fresh.client));
    },
    withTransaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T> {
      const h = held();
      if (h?.inTransaction) return fn(h.client);
      return h ? inTransaction(h, fn) : onNewClient((fresh) => inTransaction(fresh, fn));
    },
    close() {
      closed ??= pool.end().then(onClose);
      return closed;
    },
  };
}

interface Held {
  client: pg.PoolClient;
  active: boolean;
  inTransaction: boolean;
  /** Set when the connection must be thrown away instead of going back to the pool. */
  broken: Error | undefined;
}

async function inTransaction<T>(h: Held, fn: (tx: Queryable) => Promise<T>): Promise<T> {
  await h.client.query('BEGIN');
  h.inTransaction = true;
  try {
    const result = await fn(h.client);
    await h.client.query('COMMIT');
    return result;
  } catch (err) {
    await h.client.query('ROLLBACK').catch((rollbackError: Error) => {
      h.broken = rollbackError;
    });
    throw err;
  } finally {
    h.inTransaction = false;
  }
}

/** A client whose connection failed must not go back to the pool. */
function isConnectionError(err: Error): boolean {
  const code = (err as { code?: unknown }).code;
  return typeof code === 'string' && (code.startsWith('08') || code === 'ECONNRESET' || code === '57P01');
}
