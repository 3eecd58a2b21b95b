import type { ActorCore } from '../../core/index.ts';

export interface IndexedEntry {
  ref: string;
  resource: string;
  dnsName: string;
  description: string;
  /** Lower-cased text the search looks in: resource, account, description, DNS name, custom fields. */
  haystack: string;
}

/** Rows per slice of a search; between slices the event loop draws frames and reads keys. */
const SLICE = 20_000;

/**
 * The accounts the operator may use, loaded once per console (the explorer's All view and
 * type-to-search). Searching runs in slices off the render path; a newer query cancels an older
 * one, so typing never waits for a stale search.
 */
export class ExplorerIndex {
  #entries: IndexedEntry[] | undefined;
  #loading: Promise<IndexedEntry[]> | undefined;
  #generation = 0;

  constructor(private readonly me: ActorCore) {}

  get loaded(): boolean {
    return this.#entries !== undefined;
  }

  load(force = false): Promise<IndexedEntry[]> {
    if (force) {
      this.#entries = undefined;
      this.#loading = undefined;
    }
    if (this.#entries) return Promise.resolve(this.#entries);
    this.#loading ??= this.me.explorer.all('', Number.MAX_SAFE_INTEGER).then(({ entries }) => {
      this.#entries = entries.map((e) => ({
        ref: e.ref,
        resource: e.resource,
        dnsName: e.dnsName,
        description: e.description,
        haystack: `${e.ref}\u0000${e.description}\u0000${e.dnsName}\u0000${e.custom}`.toLowerCase(),
      }));
      return this.#entries;
    });
    return this.#loading;
  }

  byRef(ref: string): IndexedEntry | undefined {
    return this.#entries?.find((e) => e.ref === ref);
  }

  /** Entries matching `needle` (all when empty); resolves `undefined` when a newer search started. */
  async search(needle: string, within?: (e: IndexedEntry) => boolean): Promise<IndexedEntry[] | undefined> {
    const generation = ++this.#generation;
    const entries = await this.load();
    const n = needle.trim().toLowerCase();
    if (!n && !within) return entries;
    const out: IndexedEntry[] = [];
    for (let start = 0; start < entries.length; start += SLICE) {
      if (start > 0) await new Promise((r) => setImmediate(r));
      if (generation !== this.#generation) return undefined;
      const end = Math.min(entries.length, start + SLICE);
      for (let i = start; i < end; i++) {
        const e = entries[i]!;
        if ((!n || e.haystack.includes(n)) && (!within || within(e))) out.push(e);
      }
    }
    return generation === this.#generation ? out : undefined;
  }
}
