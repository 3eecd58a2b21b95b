// LDAP reset over ldapts, written against OpenLDAP. Accounts are named by their DN; an
// administrator account (`--admin`) is named by its DN too.
//   * method `password-modify` (default): the RFC 3062 extended operation. The server hashes the
//     new value with its own `password-hash` and, for a self change, checks the old password.
//   * method `modify`, for directories without RFC 3062: self = delete the old userPassword value
//     and add the new one in one modify (fails unless the old value matches); admin = replace.
//     OpenLDAP then stores the value as sent (cleartext) unless an overlay hashes it.
// TLS: `ldaps://` when the resource's URL starts with `ldaps://` or its port is 636. The server
// certificate and name are always checked, against Node's CA store (which honours
// NODE_EXTRA_CA_CERTS) plus the connector's `ca` (PEM).
import { rootCertificates } from 'node:tls';
import { BerWriter, Change, Attribute, Client } from 'ldapts';
import {
  failureOf,
  resetError,
  type ResetAccount,
  type ResetConnector,
  type ResetLogin,
  type ResetTarget,
  type Secret,
} from '../core/index.ts';

export interface LdapResetOptions {
  /** Extra trusted CA certificates (PEM) for ldaps, added to Node's own store. */
  ca?: string | string[];
  method?: 'password-modify' | 'modify';
  connectTimeoutMs?: number;
  timeoutMs?: number;
}

/** RFC 3062 LDAP Password Modify extended operation. */
export const PASSWORD_MODIFY_OID = '1.3.6.1.4.1.4203.1.11.1';

/** PasswdModifyRequestValue ::= SEQUENCE { userIdentity [0], oldPasswd [1], newPasswd [2] } (all optional). */
function passwordModifyValue(dn: string, oldPassword: string | null, newPassword: string): Buffer {
  const w = new BerWriter();
  w.startSequence(0x30);
  w.writeString(dn, 0x80);
  if (oldPassword !== null) w.writeString(oldPassword, 0x81);
  w.writeString(newPassword, 0x82);
  w.endSequence();
  return w.buffer;
}

// LDAP result codes that mean "this credential may not do this": invalidCredentials,
// insufficientAccessRights, inappropriateAuthentication.
const REFUSED = new Set([49, 50, 48]);
const UNREACHABLE_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EPIPE',
]);

export class LdapResetConnector implements ResetConnector {
  constructor(private readonly opts: LdapResetOptions = {}) {}

  private endpoint(target: ResetTarget): { url: string; tls: boolean; where: string } {
    const tls = /^ldaps:\/\//i.test(target.url ?? '') || target.port === 636;
    const port = target.port ?? (tls ? 636 : 389);
    // An IPv6 literal needs brackets in a URL.
    const host = target.host.includes(':') ? `[${target.host}]` : target.host;
    return {
      url: `${tls ? 'ldaps' : 'ldap'}://${host}:${port}`,
      tls,
      where: `${target.resource} (${tls ? 'ldaps' : 'ldap'}://${target.host}:${port})`,
    };
  }

  private client(target: ResetTarget): Client {
    const { url, tls } = this.endpoint(target);
    const extra = this.opts.ca === undefined ? [] : [this.opts.ca].flat();
    // Without `ca`, Node uses its default store, which includes NODE_EXTRA_CA_CERTS; an explicit
    // `ca` replaces that store, so the bundled roots are kept alongside the extra certificates.
    const tlsOptions = extra.length
      ? { ca: [...rootCertificates, ...extra], rejectUnauthorized: true }
      : { rejectUnauthorized: true };
    return new Client({
      url,
      connectTimeout: this.opts.connectTimeoutMs ?? 10_000,
      timeout: this.opts.timeoutMs ?? 20_000,
      // Only ldaps gets tlsOptions: a plain ldap:// client given them had its binds reset here.
      ...(tls ? { tlsOptions } : {}),
    });
  }

  /** Maps an ldapts/network error to a one-line reset error that never quotes a request. */
  private mapError(target: ResetTarget, e: unknown, who: string, during: 'bind' | 'change'): Error {
    const { where } = this.endpoint(target);
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'number') {
      if (REFUSED.has(code))
        return during === 'bind'
          ? resetError('refused', `${where} refused the credential of '${who}'`)
          : resetError('refused', `${where}: '${who}' may not change this password (LDAP ${code})`);
      return resetError('failed', `${where}: LDAP ${during} failed (result code ${code})`);
    }
    const name = typeof code === 'string' ? code : '';
    const message = String((e as Error)?.message ?? '');
    if (UNREACHABLE_CODES.has(name) || /timeout|socket|connect|closed/i.test(message))
      return resetError('unreachable', `${where} is unreachable: ${name || 'connection failed'}`);
    if (/CERT|SSL|TLS|SELF_SIGNED|ALTNAME|UNABLE_TO/i.test(name + message))
      return resetError('unreachable', `${where}: the TLS certificate is not trusted (${name || 'tls'})`);
    return resetError(
      during === 'bind' ? 'unreachable' : 'failed',
      `${where}: LDAP ${during} failed (${name || 'error'})`,
    );
  }

  private async bind(target: ResetTarget, c: Client, dn: string, secret: Secret): Promise<void> {
    // An empty password is an unauthenticated bind (RFC 4513 §5.1.2), which succeeds: never send one.
    if (secret.reveal().length === 0)
      throw resetError('refused', `an empty password for '${dn}' is never sent`);
    try {
      await c.bind(dn, secret.reveal());
    } catch (e) {
      throw this.mapError(target, e, dn, 'bind');
    }
  }

  async change(
    target: ResetTarget,
    login: ResetLogin,
    account: ResetAccount,
    newPassword: Secret,
  ): Promise<void> {
    if (login.kind !== 'password') throw resetError('failed', 'an LDAP login needs a password');
    const c = this.client(target);
    try {
      await this.bind(target, c, login.account, login.secret);
      try {
        if ((this.opts.method ?? 'password-modify') === 'password-modify') {
          const old = login.self ? account.current.reveal() : null;
          await c.exop(PASSWORD_MODIFY_OID, passwordModifyValue(account.name, old, newPassword.reveal()));
        } else if (login.self) {
          await c.modify(account.name, [
            new Change({
              operation: 'delete',
              modification: new Attribute({ type: 'userPassword', values: [account.current.reveal()] }),
            }),
            new Change({
              operation: 'add',
              modification: new Attribute({ type: 'userPassword', values: [newPassword.reveal()] }),
            }),
          ]);
        } else {
          await c.modify(account.name, [
            new Change({
              operation: 'replace',
              modification: new Attribute({ type: 'userPassword', values: [newPassword.reveal()] }),
            }),
          ]);
        }
      } catch (e) {
        const mapped = this.mapError(target, e, login.account, 'change');
        // The connection went while the request was in flight: ask the directory whether the
        // new password took (a bind as the account), so a change that happened is not lost.
        if (failureOf(mapped) === 'unreachable' && (await this.accepts(target, account.name, newPassword)))
          return;
        throw mapped;
      }
    } finally {
      await c.unbind().catch(() => undefined);
    }
  }

  private async accepts(target: ResetTarget, dn: string, secret: Secret): Promise<boolean> {
    return this.verify(target, dn, secret).then(
      () => true,
      () => false,
    );
  }

  /** Verification: a simple bind as the account's DN with the vault's password. */
  async verify(target: ResetTarget, account: string, secret: Secret): Promise<void> {
    const c = this.client(target);
    try {
      await this.bind(target, c, account, secret);
    } finally {
      await c.unbind().catch(() => undefined);
    }
  }
}
