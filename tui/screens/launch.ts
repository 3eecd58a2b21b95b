import { refusal, type ConsoleState } from '../console-context.tsx';

/**
 * SSH and Telnet open in place: the console steps aside, the session owns the terminal, and the
 * console comes back when it ends.
 */
export async function launchInPlace(c: ConsoleState, ref: string): Promise<void> {
  try {
    const code = await c.aside(() => c.session.launch(ref));
    c.flash(
      code === 0 ? `session to ${ref} ended` : `session to ${ref} ended (exit ${code})`,
      code === 0 ? 'info' : 'error',
    );
  } catch (e) {
    c.flash(refusal(e), 'error');
  }
}
