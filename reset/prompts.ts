// Prompt regexes for prompt-driven resets: the login prompts every login conversation shares
// (protocols/prompts.ts, the same the gateway's automatic Telnet login uses), extended with the
// reset dialogues' own: su's password question, passwd's current/new questions, and the Cisco
// IOS mode prompts. The [telnet] section of conf/custody.toml replaces the login ones node-wide;
// a resource's reset settings replace any of them (`--prompt NAME=REGEX`).
import type { ResetPromptName, ResetTarget } from '../core/index.ts';
import {
  DEFAULT_LOGIN_PROMPTS,
  compilePrompts,
  promptsFromConfig,
  type TelnetPromptConfig,
} from '../protocols/prompts.ts';

export type { TelnetPromptConfig } from '../protocols/prompts.ts';

export type Prompts = Record<ResetPromptName, RegExp>;

export const DEFAULT_PROMPTS: Readonly<Record<ResetPromptName, string>> = {
  ...DEFAULT_LOGIN_PROMPTS,
  su: 'password\\s*:\\s*$',
  current: '(current|old)[^\\n]*password[^\\n]*:\\s*$',
  new: '(new|retype|again|re-enter)[^\\n]*password[^\\n]*:\\s*$',
  user: '>\\s*$',
  enable: '#\\s*$',
  config: '\\(config[^)\\n]*\\)#\\s*$',
};

export function promptsFor(target: ResetTarget, node: TelnetPromptConfig = {}): Prompts {
  return compilePrompts({
    ...DEFAULT_PROMPTS,
    ...promptsFromConfig(node),
    ...(target.settings?.prompts ?? {}),
  } as Record<ResetPromptName, string>);
}
