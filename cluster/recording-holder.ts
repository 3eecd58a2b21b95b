// Which node's own disk holds a session's recordings: the node the session ran on (its row in
// cluster_sessions). Asked only when a recording's file is missing on the node asked to replay
// it, so that it can name the node instead of answering "file not found".
import { promises as fs } from 'node:fs';
import pg from 'pg';
import type { CustodyConfig } from '../core/index.ts';

/** The node that ran `sessionId`, unless it is `self` (or the session predates cluster mode). */
export async function otherNodeOfSession(
  pool: pg.Pool,
  self: string,
  sessionId: string,
): Promise<string | undefined> {
  const { rows } = await pool.query<{ node: string }>(`SELECT node FROM cluster_sessions WHERE id = $1`, [
    sessionId,
  ]);
  const node = rows[0]?.node;
  return node && node !== self ? node : undefined;
}

/**
 * The same for a command (no running node): a connection to the shared PostgreSQL opened on the
 * first question only, so commands that never meet a missing file never connect.
 */
export class RecordingHolderLookup {
  #pool: pg.Pool | undefined;

  constructor(private readonly config: Readonly<CustodyConfig>) {}

  readonly holderOf = async (sessionId: string): Promise<string | undefined> => {
    const s = this.config.storage;
    if (!this.#pool) {
      const password = s.postgres_password_file
        ? (await fs.readFile(s.postgres_password_file, 'utf8')).trim()
        : undefined;
      this.#pool = new pg.Pool({
        connectionString: s.postgres_url,
        max: 1,
        ...(password ? { password } : {}),
      });
      this.#pool.on('error', () => undefined);
    }
    return otherNodeOfSession(this.#pool, this.config.cluster.node_name, sessionId);
  };

  async close(): Promise<void> {
    await this.#pool?.end();
  }
}
