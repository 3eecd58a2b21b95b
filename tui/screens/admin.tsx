import { Box, Text } from 'ink';
import React, { useState } from 'react';
import { userStatusText, type Operation } from '../../core/index.ts';
import { useConsole, type ConsoleState } from '../console-context.tsx';
import { useLoaded } from '../components/use-loaded.ts';
import { useCursor, VirtualList } from '../components/virtual-list.tsx';
import { Command, commandOf } from '../keys.ts';
import { useKeys } from '../components/use-keys.ts';

interface Pane {
  name: string;
  op: Operation;
  load(c: ConsoleState): Promise<string[]>;
}

/** The administration lists; changes go through the same core operations as `custody …`. */
const PANES: Pane[] = [
  {
    name: 'Users',
    op: 'user.list',
    load: async (c) =>
      (await c.me.users.list()).map(
        (u) =>
          `${u.username.padEnd(16)} ${u.role.padEnd(15)} ${userStatusText(u).padEnd(9)} ${u.superAdmin ? 'super-admin ' : ''}${u.email}`,
      ),
  },
  {
    name: 'User groups',
    op: 'user-group.list',
    load: async (c) =>
      (await c.me.userGroups.list()).map(
        (g) =>
          `${g.name.padEnd(20)} ${g.members.length} member${g.members.length === 1 ? '' : 's'}: ${g.members.join(', ')}`,
      ),
  },
  {
    name: 'Policies',
    op: 'policy.list',
    load: async (c) =>
      (await c.me.policies.list()).map(
        (p) =>
          `${p.name.padEnd(16)}${p.isDefault ? ' (default)' : '          '} length ${p.minLength}–${p.maxLength}, history ${p.historyCount}, max age ${p.maxAgeDays ? `${p.maxAgeDays} days` : 'none'}`,
      ),
  },
  {
    name: 'Landing servers',
    op: 'landing.list',
    load: async (c) =>
      (await c.me.landing.list()).map(
        (l) =>
          `${l.name.padEnd(16)} primary ${l.primary}${l.secondary ? `, secondary ${l.secondary}` : ''}  → ${l.associated.join(', ') || 'no resources'}`,
      ),
  },
];

export function AdminScreen(props: { height: number; active: boolean }) {
  const c = useConsole();
  const panes = PANES.filter((p) => c.me.can(p.op));
  const [pane, setPane] = useState(0);
  const [tick, setTick] = useState(0);
  const current = panes[pane];
  const rows = useLoaded(async () => (current ? current.load(c) : []), [current, tick]);
  const listHeight = Math.max(1, props.height - 2);
  const [cursor, move, setCursor] = useCursor(rows?.length ?? 0, listHeight);

  useKeys(
    (input, key) => {
      const cmd = commandOf(['list', 'keys', 'global'], input, key);
      if (move(cmd)) return;
      if (key.leftArrow || key.rightArrow) {
        setPane((p) => (p + (key.rightArrow ? 1 : panes.length - 1)) % Math.max(1, panes.length));
        return setCursor(0);
      }
      if (cmd === Command.Refresh) setTick((n) => n + 1);
    },
    { isActive: props.active },
  );

  return (
    <Box flexDirection="column" height={props.height}>
      <Text wrap="truncate-end">
        {panes.map((p, i) => (
          <Text
            key={p.name}
            bold={i === pane}
            color={i === pane ? c.theme.accent : c.theme.muted}
            inverse={i === pane && !c.theme.accent}
          >
            {` ${p.name} `}
          </Text>
        ))}
        <Text color={c.theme.muted}> ← → · changes: custody user / group / policy / landing</Text>
      </Text>
      <VirtualList
        count={rows?.length ?? 0}
        selected={cursor}
        height={listHeight}
        empty={rows === null ? 'loading…' : 'None.'}
        row={(i) => rows![i]!}
      />
    </Box>
  );
}
