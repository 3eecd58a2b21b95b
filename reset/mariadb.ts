// MySQL/MariaDB reset over mysql2. Account names are `user` or `user@host`; without a
// host part the account is `'user'@'%'`. The statement is built from escaped string literals,
// because ALTER USER takes no bind parameters.
//   * admin login: `ALTER USER 'user'@'host' IDENTIFIED BY '…'` (needs CREATE USER or UPDATE on mysql.*);
//   * self login: MariaDB lets a plain account change only its own password, and only with
//     `SET PASSWORD = PASSWORD('…')` (ALTER USER needs CREATE USER even for oneself); MySQL uses
//     `ALTER USER USER() IDENTIFIED BY '…' REPLACE '<current>'` (REPLACE satisfies
//     password_require_current).
// Should the connection drop while the statement is in flight, the connector logs in as the
// account with the new password before reporting `unreachable`: a change that took is not lost.
import mysql from 'mysql2/promise';
import {
  resetError,
  type ResetAccount,
  type ResetConnector,
  type ResetLogin,
  type ResetTarget,
  type Secret,
} from '../core/index.ts';

export interface MariaDbResetOptions {
  connectTimeoutMs?: number;
  /** How long the password statement may take (default 20 s). */
  queryTimeoutMs?: number;
}

/** The host part used when an account is named without one. */
export const DEFAULT_MYSQL_HOST = '%';

/** `user@host` → ['user', 'host']; the last `@` splits, since host names never hold one. */
export function splitMysqlAccount(name: string): [string, string] {
  const at = name.lastIndexOf('@');
  return at > 0 ? [name.slice(0, at), name.slice(at + 1) || DEFAULT_MYSQL_HOST] : [name, DEFAULT_MYSQL_HOST];
}

/**
 * A single-quoted string literal. A quote is doubled (valid in every sql_mode); a backslash is
 * doubled unless the session runs with NO_BACKSLASH_ESCAPES, where it is an ordinary character.
 */
export function mysqlLiteral(value: string, noBackslashEscapes: boolean): string {
  if (value.includes('\0')) throw resetError('failed', 'a MySQL literal cannot hold a NUL character');
  const body = noBackslashEscapes ? value : value.replace(/\\/g, '\\\\');
  return `'${body.replace(/'/g, "''")}'`;
}

const ACCESS_DENIED = new Set([
  'ER_ACCESS_DENIED_ERROR',
  'ER_SPECIFIC_ACCESS_DENIED_ERROR',
  'ER_DBACCESS_DENIED_ERROR',
  'ER_TABLEACCESS_DENIED_ERROR',
  'ER_PASSWORD_NO_MATCH',
  'ER_ACCESS_DENIED_NO_PASSWORD_ERROR',
]);

// The connection went while the statement was in flight: its outcome is unknown.
const CONNECTION_LOST = new Set([
  'ECONNRESET',
  'EPIPE',
  'ETIMEDOUT',
  'PROTOCOL_CONNECTION_LOST',
  'PROTOCOL_SEQUENCE_TIMEOUT',
]);

type Conn = mysql.Connection;

export class MariaDbResetConnector implements ResetConnector {
  constructor(private readonly opts: MariaDbResetOptions = {}) {}

  private where(target: ResetTarget): string {
    return `${target.resource} (${target.host}:${target.port ?? 3306})`;
  }

  /** Logs in; a refused credential and a failed connection are told apart (verification needs it). */
  private async connect(target: ResetTarget, user: string, secret: Secret): Promise<Conn> {
    try {
      const c = await mysql.createConnection({
        host: target.host,
        port: target.port ?? 3306,
        user,
        password: secret.reveal(),
        connectTimeout: this.opts.connectTimeoutMs ?? 10_000,
        // Only what this connector writes is executed; never several statements at once.
        multipleStatements: false,
      });
      c.on('error', () => undefined);
      return c;
    } catch (e) {
      const code = (e as { code?: string }).code;
      if (code && ACCESS_DENIED.has(code))
        throw resetError('refused', `${this.where(target)} refused the credential of '${user}'`);
      throw resetError('unreachable', `${this.where(target)} is unreachable: ${code ?? 'error'}`);
    }
  }

  async change(
    target: ResetTarget,
    login: ResetLogin,
    account: ResetAccount,
    newPassword: Secret,
  ): Promise<void> {
    if (login.kind !== 'password') throw resetError('failed', 'a MySQL login needs a password');
    const [user, host] = splitMysqlAccount(account.name);
    const [loginUser] = splitMysqlAccount(login.account);
    const c = await this.connect(target, loginUser, login.secret);
    let sent = false;
    try {
      const [rows] = await c.query('SELECT VERSION() AS v, @@SESSION.sql_mode AS m');
      const { v, m } = (rows as { v: string; m: string }[])[0]!;
      const lit = (s: string) => mysqlLiteral(s, /NO_BACKSLASH_ESCAPES/i.test(m));
      let sql: string;
      if (!login.self)
        sql = `ALTER USER ${lit(user)}@${lit(host)} IDENTIFIED BY ${lit(newPassword.reveal())}`;
      else if (/mariadb/i.test(v)) sql = `SET PASSWORD = PASSWORD(${lit(newPassword.reveal())})`;
      else
        sql = `ALTER USER USER() IDENTIFIED BY ${lit(newPassword.reveal())} REPLACE ${lit(account.current.reveal())}`;
      sent = true;
      await c.query({ sql, timeout: this.opts.queryTimeoutMs ?? 20_000 });
    } catch (e) {
      const err = e as { code?: string; errno?: number };
      if (err.code && ACCESS_DENIED.has(err.code))
        throw resetError('refused', `'${login.account}' may not change the password of '${user}'@'${host}'`);
      if (err.code && CONNECTION_LOST.has(err.code)) {
        // The statement may have run before the connection went: ask the target itself.
        if (sent && (await this.accepts(target, account.name, newPassword))) return;
        throw resetError('unreachable', `${this.where(target)} dropped the connection (${err.code})`);
      }
      // The server's message can quote the statement, hence the password: report only the code.
      throw resetError('failed', `password change on ${this.where(target)} failed (${err.code ?? 'error'})`);
    } finally {
      await c.end().catch(() => c.destroy());
    }
  }

  /** True when the account now logs in with `secret` (the change happened after all). */
  private async accepts(target: ResetTarget, account: string, secret: Secret): Promise<boolean> {
    return this.verify(target, account, secret).then(
      () => true,
      () => false,
    );
  }

  async verify(target: ResetTarget, account: string, secret: Secret): Promise<void> {
    const [user] = splitMysqlAccount(account);
    const c = await this.connect(target, user, secret);
    await c.end().catch(() => c.destroy());
  }
}
