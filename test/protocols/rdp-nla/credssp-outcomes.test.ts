// The CredSSP client against a scripted server on an in-memory stream: each NTSTATUS a server may
// put in the TSRequest errorCode becomes its own outcome; a server that goes quiet ends in
// 'timeout' when the injected clock passes the limit (no sleeping); a server that hangs up or sends
// garbage ends cleanly; nothing the client sends before the server has proved itself holds the
// password.
import { Duplex } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { ManualTimers } from '../../../core/index.ts';
import { runCredssp } from '../../../protocols/rdp/nla/credssp-client.ts';
import { CredsspFailure, type CredsspOutcome } from '../../../protocols/rdp/nla/outcomes.ts';
import { decodeTsRequest, encodeTsRequest } from '../../../protocols/rdp/nla/ts-request.ts';

const PASSWORD = 'Canary-Pass-7731!';

/** A stream whose far end is the test: `sent` collects what the client wrote, `reply` answers. */
function scriptedServer(onMessage: (n: number, s: Duplex) => void) {
  const sent: Buffer[] = [];
  const s: Duplex = new Duplex({
    read() {},
    write(chunk: Buffer, _enc, cb) {
      sent.push(chunk);
      cb();
      queueMicrotask(() => onMessage(sent.length, s));
    },
  });
  return { stream: s, sent };
}

const run = (stream: Duplex, timers = new ManualTimers()) =>
  runCredssp(stream, {
    credentials: { user: 'alice', domain: 'CORP', password: PASSWORD },
    serverPublicKey: Buffer.alloc(270, 1),
    hybridEx: false,
    randomBytes: (n) => Buffer.alloc(n, 0x42),
    now: () => new Date('2026-01-01T00:00:00Z'),
    timers,
    timeoutMs: 5000,
  });

async function outcomeOf(p: Promise<unknown>): Promise<CredsspOutcome> {
  try {
    await p;
  } catch (e) {
    expect(e).toBeInstanceOf(CredsspFailure);
    expect((e as Error).message).not.toContain(PASSWORD);
    return (e as CredsspFailure).outcome;
  }
  throw new Error('CredSSP unexpectedly completed');
}

describe('CredSSP outcomes from the server', () => {
  const cases: [number, CredsspOutcome][] = [
    [0xc000006d, 'logon-failure'],
    [0xc000006a, 'wrong-password'],
    [0xc0000071, 'password-expired'],
    [0xc0000224, 'password-expired'],
    [0xc0000234, 'account-locked-out'],
    [0xc0000072, 'account-disabled'],
    [0xc0000001, 'server-error'],
  ];
  it.each(cases)('errorCode %s → %s, with the NTSTATUS in the message', async (status, outcome) => {
    const { stream, sent } = scriptedServer((n, s) => {
      if (n === 1) s.push(encodeTsRequest({ version: 6, errorCode: status }));
    });
    const p = run(stream);
    expect(await outcomeOf(p)).toBe(outcome);
    await p.catch((e: CredsspFailure) => {
      expect(e.status).toBe(status);
      expect(e.message).toContain(`0x${status.toString(16).toUpperCase()}`);
    });
    // The first message is the NTLM NEGOTIATE in a version-6 TSRequest, nothing else.
    const first = decodeTsRequest(sent[0]!);
    expect(first.version).toBe(6);
    expect(first.negoTokens?.[0]?.subarray(0, 8).toString('latin1')).toBe('NTLMSSP\0');
    expect(Buffer.concat(sent).includes(Buffer.from(PASSWORD, 'utf16le'))).toBe(false);
  });

  it('a server that goes quiet is a timeout once the clock passes the limit', async () => {
    const timers = new ManualTimers();
    const { stream } = scriptedServer(() => {});
    const p = run(stream, timers);
    let settled = false;
    void p.catch(() => (settled = true));
    timers.advance(4999);
    await new Promise((r) => setImmediate(r));
    expect(settled).toBe(false);
    timers.advance(1);
    expect(await outcomeOf(p)).toBe('timeout');
    expect(timers.pending).toBe(0);
  });

  it('a hang-up before the CHALLENGE is "closed", not a verdict on the password', async () => {
    const { stream } = scriptedServer((n, s) => n === 1 && s.push(null));
    expect(await outcomeOf(run(stream))).toBe('closed');
  });

  it('garbage, a huge length or a CHALLENGE that is not NTLM are protocol errors', async () => {
    for (const reply of [
      Buffer.from('HTTP/1.1 400 Bad Request\r\n\r\n'),
      Buffer.from([0x30, 0x83, 0x7f, 0xff, 0xff]),
      encodeTsRequest({ version: 6, negoTokens: [Buffer.from('not ntlm at all, really not')] }),
      encodeTsRequest({ version: 6 }),
    ]) {
      const { stream } = scriptedServer((n, s) => n === 1 && s.push(reply));
      expect(await outcomeOf(run(stream))).toBe('protocol');
    }
  });
});
