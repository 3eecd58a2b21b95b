/**
 * The console's colours, by meaning. `NO_COLOR` (https://no-color.org) — in the server's
 * environment or sent by the client — turns every one of them off; emphasis then comes from
 * inverse video and bold only, which every terminal has.
 */
export interface Theme {
  accent: string | undefined;
  muted: string | undefined;
  danger: string | undefined;
  success: string | undefined;
  warning: string | undefined;
  selection: { color: string | undefined; backgroundColor: string | undefined; inverse: boolean };
}

const COLOURS: Theme = {
  accent: 'cyan',
  muted: 'gray',
  danger: 'red',
  success: 'green',
  warning: 'yellow',
  selection: { color: 'black', backgroundColor: 'cyan', inverse: false },
};

const MONO: Theme = {
  accent: undefined,
  muted: undefined,
  danger: undefined,
  success: undefined,
  warning: undefined,
  selection: { color: undefined, backgroundColor: undefined, inverse: true },
};

export function themeFor(noColor: boolean): Theme {
  return noColor ? MONO : COLOURS;
}

export function noColorRequested(clientSaysNoColor = false, env: NodeJS.ProcessEnv = process.env): boolean {
  return clientSaysNoColor || (env.NO_COLOR !== undefined && env.NO_COLOR !== '');
}
