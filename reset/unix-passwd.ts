// The Unix password change as a terminal dialogue, shared by Telnet and by `su` over an SSH pty:
// one command line (`passwd`, `su ROOT -c 'passwd NAME'` or `sudo passwd NAME`) followed by an
// exit-status marker, and the prompts answered as they come. Passwords are only ever typed at
// prompts (echo off), never put in a command line.
import { resetError, type ResetLogin, type Secret } from '../core/index.ts';
import { lastLine } from './expect.ts';
import type { LineSession } from './line-session.ts';
import type { Prompts } from './prompts.ts';

/** Names go into a command line: only what a Unix account name can hold, never a leading '-'. */
const SAFE_NAME = /^[A-Za-z0-9_.][A-Za-z0-9_.-]{0,63}$/;
const MARKER = 'CUSTODY-RC=';
const SUDO_PROMPT = /[A-Za-z0-9_.-]+@custody-sudo: *$/;
const AUTH_FAILURE =
  /(authentication failure|sorry, try again|incorrect password|not in the sudoers|may not run)/i;

function safe(what: string, name: string): string {
  if (!SAFE_NAME.test(name)) throw resetError('failed', `the ${what} name cannot be used in a command line`);
  return name;
}

/** The command for this login; `sudo` here runs passwd (a terminal dialogue has no separate stdin). */
export function passwdCommand(login: ResetLogin, account: string): string {
  if (login.self) return 'passwd';
  const name = safe('account', account);
  if (login.elevation === 'su') return `su ${safe('root account', login.root!.account)} -c 'passwd ${name}'`;
  // A prompt of our own (%u expands to the user name) so that the command's echo never looks like it.
  return `sudo -k -p '%u@custody-sudo: ' passwd ${name}`;
}

/** Runs the command with its marker and answers the prompts; throws a one-line resetError. */
export async function passwdDialogue(
  s: LineSession,
  p: Prompts,
  login: ResetLogin,
  command: string,
  current: Secret,
  next: Secret,
  timeoutMs: number,
): Promise<void> {
  const secrets = [current, next, login.secret, ...(login.root ? [login.root.secret] : [])];
  s.sendLine(`${command}; echo ${MARKER}$?`);
  let elevated = login.self;
  let sentCurrent = false;
  let newCount = 0;
  let changeSent = false;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const o = await s.ex.expect(
      {
        // A refusal before the exit status: both often arrive in one chunk.
        authFailure: AUTH_FAILURE,
        rc: new RegExp(`${MARKER}(\\d+)`),
        current: p.current,
        new: p.new,
        sudo: SUDO_PROMPT,
        su: p.su,
      },
      Math.max(1, deadline - Date.now()),
    );
    if (o.key === 'timeout' || o.key === 'closed') {
      // Once the new password was typed the target's state is not known: say so.
      const state = changeSent ? ' after the new password was sent (target state unknown: verify it)' : '';
      throw resetError(
        changeSent || o.key === 'timeout' ? 'failed' : 'unreachable',
        `the password change ${o.key === 'timeout' ? 'did not finish in time' : 'lost its connection'}${state}`,
      );
    }
    if (o.key === 'rc') {
      const code = Number(new RegExp(`${MARKER}(\\d+)`).exec(o.before)![1]);
      if (code === 0 && changeSent) return;
      throw resetError(
        'failed',
        `passwd failed (exit ${code}): ${lastLine(o.before.replace(/CUSTODY-RC=\d+\s*$/, ''), secrets)}`,
      );
    }
    if (o.key === 'authFailure') {
      s.close();
      const who = login.elevation === 'su' ? `su to '${login.root!.account}'` : `sudo for '${login.account}'`;
      throw resetError('refused', `${who} was refused: ${lastLine(o.before, secrets)}`);
    }
    if (o.key === 'current' && login.self && !sentCurrent) {
      sentCurrent = true;
      s.sendLine(current.reveal());
    } else if (o.key === 'new' && newCount < 2) {
      newCount++;
      changeSent = true;
      s.sendLine(next.reveal());
    } else if (o.key === 'su' && !elevated && login.elevation === 'su') {
      elevated = true;
      s.sendLine(login.root!.secret.reveal());
    } else if (o.key === 'sudo' && !elevated && login.elevation !== 'su') {
      elevated = true;
      s.sendLine(login.secret.reveal());
    } else {
      // A prompt asked again (a rejected password, a wrong current one): stop rather than loop.
      s.close();
      throw resetError('failed', `passwd asked again: ${lastLine(o.before, secrets)}`);
    }
  }
}
