// PostgreSQL reset: `ALTER ROLE "name" PASSWORD '…'` over the pg client. ALTER ROLE
// takes no bind parameters, so the identifier and the literal are escaped with pg's own
// escapeIdentifier / escapeLiteral. The login is the role itself (a role may change its own
// password) or an administrator account of the same resource (`--admin`).
import pg from 'pg';
import {
  resetError,
  type ResetAccount,
  type ResetConnector,
  type ResetLogin,
  type ResetTarget,
  type Secret,
} from '../core/index.ts';

export interface PostgresResetOptions {
  /** Database to connect to (default `postgres`). */
  database?: string;
  connectTimeoutMs?: number;
}

export class PostgresResetConnector implements ResetConnector {
  constructor(private readonly opts: PostgresResetOptions = {}) {}

  private where(target: ResetTarget): string {
    return `${target.resource} (${target.host}:${target.port ?? 5432})`;
  }

  /** Logs in; a refused credential and a failed connection are told apart (verification needs it). */
  private async connect(target: ResetTarget, user: string, secret: Secret): Promise<pg.Client> {
    const client = new pg.Client({
      host: target.host,
      port: target.port ?? 5432,
      user,
      password: secret.reveal(),
      database: this.opts.database ?? 'postgres',
      connectionTimeoutMillis: this.opts.connectTimeoutMs ?? 10_000,
    });
    client.on('error', () => undefined);
    try {
      await client.connect();
      return client;
    } catch (e) {
      const err = e as { code?: string; message?: string };
      await client.end().catch(() => undefined);
      if (err.code === '28P01' || err.code === '28000')
        throw resetError('refused', `${this.where(target)} refused the credential of '${user}'`);
      throw resetError('unreachable', `${this.where(target)} is unreachable: ${err.code ?? 'error'}`);
    }
  }

  /** Verification: log in as the role with the vault's password, and out again. */
  async verify(target: ResetTarget, account: string, secret: Secret): Promise<void> {
    const client = await this.connect(target, account, secret);
    await client.end().catch(() => undefined);
  }

  async change(
    target: ResetTarget,
    login: ResetLogin,
    account: ResetAccount,
    newPassword: Secret,
  ): Promise<void> {
    if (login.kind !== 'password') throw resetError('failed', 'a PostgreSQL login needs a password');
    const client = await this.connect(target, login.account, login.secret);
    const where = this.where(target);
    try {
      await client.query(
        `ALTER ROLE ${client.escapeIdentifier(account.name)} PASSWORD ${client.escapeLiteral(newPassword.reveal())}`,
      );
    } catch (e) {
      const err = e as { code?: string };
      if (err.code === '42501')
        throw resetError(
          'refused',
          `'${login.account}' may not change the password of role '${account.name}'`,
        );
      // The server's message could quote the statement: report only the SQLSTATE.
      throw resetError('failed', `ALTER ROLE on ${where} failed (SQLSTATE ${err.code ?? 'unknown'})`);
    } finally {
      await client.end().catch(() => undefined);
    }
  }
}
