// Prepared statements kept per SQLite connection, so a statement the store runs again is one trip
// to the driver's thread pool instead of two.
//
// The sqlite3 driver's `Database#all` and `#run` prepare a new statement for every call: one trip
// to a pool thread to compile the SQL, a second to bind and step it, then the statement is thrown
// away. Each trip wakes a pool thread and then the main thread; on a busy machine each wake-up
// can wait for a core, and a reveal's seven statements made fourteen such trips. Knex sends the
// same SQL text for the same query (values travel as bindings), so a statement compiled once is
// reused: `Statement#all` / `#run` reset it, bind the new values and step it in a single trip.
//
// What keeps this equivalent to the driver's own calls:
//   - a statement is cached only once it compiled; a compile error reaches the caller as before;
//   - `all` steps to the end, so the statement holds no read snapshot afterwards; `run` is cached
//     only for INSERT / UPDATE / DELETE without RETURNING (those finish in one step); anything
//     else a caller runs through `run` (a PRAGMA that answers a row) keeps the driver's own path;
//   - a statement that failed is dropped and finalised, so none is left mid-step holding a lock;
//   - the cache is bounded (least recently used statements are finalised), and every statement
//     is finalised before the connection closes (SQLite refuses to close with statements open);
//   - SQLite recompiles a cached statement by itself when the schema changed (migrations).
//   - the values bound last stay in a cached statement until its next use (after the driver's own
//     calls they stayed in freed memory): the store binds secrets only sealed, never in clear.
import type sqlite3 from 'sqlite3';

type Callback = (this: unknown, err: Error | null, rows?: unknown) => void;

interface CachingConnection {
  all(sql: string, bindings: unknown, cb: Callback): unknown;
  run(sql: string, bindings: unknown, cb: Callback): unknown;
  prepare(sql: string, cb: (err: Error | null) => void): sqlite3.Statement;
  close(cb: (err: Error | null) => void): unknown;
}

/** Statements a connection keeps compiled; beyond this the least recently used is finalised. */
export const STATEMENT_CACHE_SIZE = 256;

/** DML that completes in one step (no rows to read back), so a cached `run` leaves it idle. */
const ONE_STEP_WRITE = /^\s*(insert|update|delete|replace)\b/i;
const RETURNS_ROWS = /\breturning\b/i;

/** Replaces `conn.all`, `conn.run` and `conn.close` of one sqlite3 connection by caching ones. */
export function cacheStatements(db: sqlite3.Database, size = STATEMENT_CACHE_SIZE): void {
  // The driver's overloads (optional bindings, optional callback) narrowed to how knex calls them.
  const conn = db as unknown as CachingConnection;
  const cache = new Map<string, sqlite3.Statement>();
  const run = conn.run.bind(conn);
  const close = conn.close.bind(conn);

  const drop = (sql: string, stmt: sqlite3.Statement) => {
    if (cache.get(sql) === stmt) cache.delete(sql);
    // Queued behind any call still using it, so a call in flight finishes first.
    stmt.finalize();
  };

  const execute = (method: 'all' | 'run', sql: string, bindings: unknown, cb: Callback) => {
    const settle = (stmt: sqlite3.Statement) =>
      function (this: unknown, err: Error | null, rows?: unknown) {
        if (err) drop(sql, stmt);
        return cb.call(this, err, rows);
      };
    const cached = cache.get(sql);
    if (cached) {
      // Most recently used last: the first key is the one to evict.
      cache.delete(sql);
      cache.set(sql, cached);
      cached[method](bindings, settle(cached));
      return conn;
    }
    const stmt = conn.prepare(sql, (err) => {
      if (err) {
        stmt.finalize();
        return cb.call(stmt, err);
      }
      // Another call may have compiled the same SQL meanwhile: then this copy serves once.
      const keep = !cache.has(sql);
      if (keep) {
        cache.set(sql, stmt);
        if (cache.size > size) {
          const [oldest, evicted] = cache.entries().next().value as [string, sqlite3.Statement];
          drop(oldest, evicted);
        }
      }
      stmt[method](bindings, settle(stmt));
      if (!keep) stmt.finalize();
    });
    return conn;
  };

  conn.all = (sql, bindings, cb) => execute('all', sql, bindings, cb);
  conn.run = (sql, bindings, cb) =>
    ONE_STEP_WRITE.test(sql) && !RETURNS_ROWS.test(sql)
      ? execute('run', sql, bindings, cb)
      : run(sql, bindings, cb);
  conn.close = (cb) => {
    const open = [...cache.values()];
    cache.clear();
    let left = open.length;
    if (!left) return close(cb);
    for (const stmt of open) stmt.finalize(() => --left === 0 && close(cb));
    return conn;
  };
}
