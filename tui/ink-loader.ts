/**
 * Ink decides two things once, when it is first imported, from the server process's environment:
 * whether it runs "in CI" (is-in-ci reads `CI` and `CONTINUOUS_INTEGRATION`; then it draws nothing
 * until the app exits), and through chalk whether colours exist at all (supports-color looks at the
 * server's own stdout, usually not a terminal). Neither says anything about the operator's
 * terminal, so the console's modules are loaded through here with `CI` masked and basic colours
 * forced; the operator's `NO_COLOR` is honoured per console by the theme.
 */
const CI_VARIABLES = ['CI', 'CONTINUOUS_INTEGRATION'] as const;

let loading: Promise<unknown> | undefined;

export function importWithoutCi<T>(load: () => Promise<T>): Promise<T> {
  const run = async () => {
    const saved = CI_VARIABLES.map((k) => [k, process.env[k]] as const);
    const forced = process.env.FORCE_COLOR;
    for (const k of CI_VARIABLES) delete process.env[k];
    process.env.FORCE_COLOR = '1';
    try {
      return await load();
    } finally {
      for (const [k, v] of saved) if (v !== undefined) process.env[k] = v;
      if (forced === undefined) delete process.env.FORCE_COLOR;
      else process.env.FORCE_COLOR = forced;
    }
  };
  // Serialised: two consoles opening at once must not restore each other's masked variables early.
  const next = (loading ?? Promise.resolve()).then(run, run);
  loading = next.catch(() => undefined);
  return next;
}
