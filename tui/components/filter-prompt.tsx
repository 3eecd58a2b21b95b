import type { Key } from 'ink';
import React, { useState } from 'react';
import { Command } from '../keys.ts';
import { Prompt, usePrompt } from './prompt.tsx';

/**
 * A list screen's `/` filter: `/` asks for it, Enter applies it, Esc on the list clears it. The
 * screen passes its keys to `swallow` first and its commands to `handle`, and draws `view`.
 * `changed` runs whenever the filter changes (the screen puts its cursor back on the first row).
 */
export function useFilterPrompt(changed: () => void) {
  const [filter, setFilter] = useState('');
  const prompt = usePrompt<true>();
  return {
    filter,
    swallow: (input: string, key: Key) => prompt.swallow(input, key),
    /** True when the command was the filter's (ask for it, or clear it). */
    handle(cmd: Command | undefined): boolean {
      if (cmd === Command.Filter) {
        prompt.ask(true);
        return true;
      }
      if (cmd === Command.Back && filter) {
        setFilter('');
        changed();
        return true;
      }
      return false;
    },
    view(otherwise: React.ReactNode = null): React.ReactNode {
      if (!prompt.open) return otherwise;
      return (
        <Prompt
          early={prompt.early}
          label="Filter:"
          initial={filter}
          onCancel={() => prompt.close()}
          onSubmit={(v) => {
            prompt.close();
            setFilter(v);
            changed();
          }}
        />
      );
    },
  };
}
