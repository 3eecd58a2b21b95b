/**
 * Ink decides once, when it is first imported, whether it runs "in CI" (is-in-ci reads `CI` and
 * `CONTINUOUS_INTEGRATION`); in that mode it draws nothing until the app exits. A bastion's
 * console must draw whatever the server process's environment says, so the console's modules are
 * loaded through here, with those two variables masked for the duration of the import.
 */
const CI_VARIABLES = ['CI', 'CONTINUOUS_INTEGRATION'] as const;

let loading: Promise<unknown> | undefined;

export function importWithoutCi<T>(load: () => Promise<T>): Promise<T> {
  const run = async () => {
    const saved = CI_VARIABLES.map((k) => [k, process.env[k]] as const);
    for (const k of CI_VARIABLES) delete process.env[k];
    try {
      return await load();
    } finally {
      for (const [k, v] of saved) if (v !== undefined) process.env[k] = v;
    }
  };
  // Serialised: two consoles opening at once must not restore each other's masked variables early.
  const next = (loading ?? Promise.resolve()).then(run, run);
  loading = next.catch(() => undefined);
  return next;
}
