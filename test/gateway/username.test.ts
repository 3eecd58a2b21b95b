// The doors in one SSH user name: the console, a direct account, and the wallboard. `:wallboard`
// has no '@', so no account name can be taken for it, nor it for an account.
import { describe, expect, it } from 'vitest';
import { parseUsername } from '../../gateway/ssh-server/username.ts';

describe('SSH user names', () => {
  it('USER:wallboard opens the wallboard; USER:wallboard@RESOURCE is an account called wallboard', () => {
    expect(parseUsername('audrey:wallboard')).toEqual({ kind: 'wallboard', login: 'audrey' });
    expect(parseUsername('audrey:wallboard@db01')).toMatchObject({
      kind: 'direct',
      login: 'audrey',
      account: 'wallboard',
      resource: 'db01',
    });
    expect(parseUsername('audrey')).toEqual({ kind: 'console', login: 'audrey' });
    expect(parseUsername('audrey:Wallboard').kind).toBe('malformed');
  });
});
