// Prompt regexes for prompt-driven resets. Defaults here; the [telnet] section of
// conf/custody.toml overrides the login ones node-wide (the same keys the gateway's automatic
// Telnet login uses); a resource's reset settings override any of them (`--prompt NAME=REGEX`).
import type { ResetPromptName, ResetTarget } from '../core/index.ts';

export type Prompts = Record<ResetPromptName, RegExp>;

export const DEFAULT_PROMPTS: Readonly<Record<ResetPromptName, string>> = {
  login: '(login|username)\\s*:\\s*$',
  password: 'password\\s*:\\s*$',
  failure: '(login incorrect|authentication failed|access denied|% ?login invalid|% ?bad passwords?)',
  shell: '[$#>]\\s*$',
  su: 'password\\s*:\\s*$',
  current: '(current|old)[^\\n]*password[^\\n]*:\\s*$',
  new: '(new|retype|again|re-enter)[^\\n]*password[^\\n]*:\\s*$',
  user: '>\\s*$',
  enable: '#\\s*$',
  config: '\\(config[^)\\n]*\\)#\\s*$',
};

/** The [telnet] keys of the configuration, as cli/ passes them (all optional). */
export interface TelnetPromptConfig {
  login_prompt?: string;
  password_prompt?: string;
  failure_pattern?: string;
  shell_prompt?: string;
}

export function promptsFor(target: ResetTarget, node: TelnetPromptConfig = {}): Prompts {
  const merged: Record<string, string> = {
    ...DEFAULT_PROMPTS,
    ...(node.login_prompt ? { login: node.login_prompt } : {}),
    ...(node.password_prompt ? { password: node.password_prompt } : {}),
    ...(node.failure_pattern ? { failure: node.failure_pattern } : {}),
    ...(node.shell_prompt ? { shell: node.shell_prompt } : {}),
    ...(target.settings?.prompts ?? {}),
  };
  const out = {} as Prompts;
  for (const [k, v] of Object.entries(merged)) out[k as ResetPromptName] = new RegExp(v, 'i');
  return out;
}
