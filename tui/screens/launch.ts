import { desktopPagePath } from '../../core/index.ts';
import { refusal, type ConsoleState } from '../console-context.tsx';

/**
 * SSH and Telnet open in place: the console steps aside, the session owns the terminal, and the
 * console comes back when it ends. An RDP account has no terminal session: it opens in the
 * browser, so the console shows a one-time link to its viewer instead. Core decides which, with
 * the checks connecting makes (the access rule, a check-out where one is needed), so a refusal
 * reads as it does for SSH.
 */
export async function launchInPlace(c: ConsoleState, ref: string): Promise<void> {
  try {
    if ((await c.me.sessions.launchKind(ref)) === 'desktop')
      return await c.showWebLink(desktopPagePath(ref), `Open the desktop of ${ref} in a browser`);
    const code = await c.aside(() => c.session.launch(ref));
    c.flash(
      code === 0 ? `session to ${ref} ended` : `session to ${ref} ended (exit ${code})`,
      code === 0 ? 'info' : 'error',
    );
  } catch (e) {
    c.flash(refusal(e), 'error');
  }
}
