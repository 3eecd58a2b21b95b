// The prompts a login conversation with a device recognises, shared by the gateway's automatic
// Telnet login and the reset room's prompt-driven logins (Telnet, su over an SSH pty, network
// devices), and the keyboard-interactive question an SSH client answers with the password.
//
// Patterns are data (regular-expression source, matched case-insensitively against the end of
// what the device has shown) so that configuration can replace any of them and a caller can add
// names of its own (the reset room adds su, passwd and IOS mode prompts).

export const LOGIN_PROMPT_NAMES = ['login', 'password', 'failure', 'shell'] as const;
export type LoginPromptName = (typeof LOGIN_PROMPT_NAMES)[number];

/**
 * What both sides recognise by default. `failure` holds the Unix `login` refusals and the Cisco
 * IOS ones (`% Login invalid`, `% Bad passwords`); the configuration's defaults are the same
 * strings (test/protocols/prompts.test.ts holds them together).
 */
export const DEFAULT_LOGIN_PROMPTS: Readonly<Record<LoginPromptName, string>> = Object.freeze({
  login: '(login|username)\\s*:\\s*$',
  password: 'password\\s*:\\s*$',
  failure: '(login incorrect|authentication failed|access denied|% ?login invalid|% ?bad passwords?)',
  shell: '[$#>]\\s*$',
});

export type LoginPrompts = Record<LoginPromptName, RegExp>;

/** The [telnet] keys of the configuration (all optional; an empty one keeps the default). */
export interface TelnetPromptConfig {
  login_prompt?: string;
  password_prompt?: string;
  failure_pattern?: string;
  shell_prompt?: string;
}

/** The configured patterns by prompt name (only those set). */
export function promptsFromConfig(c: TelnetPromptConfig = {}): Partial<Record<LoginPromptName, string>> {
  const out: Partial<Record<LoginPromptName, string>> = {};
  if (c.login_prompt) out.login = c.login_prompt;
  if (c.password_prompt) out.password = c.password_prompt;
  if (c.failure_pattern) out.failure = c.failure_pattern;
  if (c.shell_prompt) out.shell = c.shell_prompt;
  return out;
}

/** Compiles pattern sources the way every prompt is matched: case-insensitive, not global (stateless). */
export function compilePrompts<K extends string>(patterns: Readonly<Record<K, string>>): Record<K, RegExp> {
  const out = {} as Record<K, RegExp>;
  for (const [k, v] of Object.entries(patterns) as [K, string][]) out[k] = new RegExp(v, 'i');
  return out;
}

/** The login prompts: the defaults, with what the configuration sets in their place. */
export function loginPrompts(config: TelnetPromptConfig = {}): LoginPrompts {
  return compilePrompts({ ...DEFAULT_LOGIN_PROMPTS, ...promptsFromConfig(config) });
}

/**
 * A keyboard-interactive question that asks for the password ("Password:", "Passcode:",
 * "(alice@host) Password:"). Any other question (a one-time code, a banner) is answered empty.
 */
export const PASSWORD_QUESTION = /pass/i;

/** Answers for one keyboard-interactive round; the password is revealed only for the questions that ask for it. */
export function keyboardInteractiveAnswers(
  questions: readonly { prompt: string }[],
  password: () => string,
): string[] {
  return questions.map((q) => (PASSWORD_QUESTION.test(q.prompt) ? password() : ''));
}
