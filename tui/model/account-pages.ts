import type { ActorCore } from '../../core/index.ts';

export interface AccountRow {
  ref: string;
  resource: string;
  dnsName: string;
  description: string;
}

/** Rows fetched per request: a few screens, so scrolling rarely waits. */
export const PAGE_SIZE = 200;

export interface AccountQuery {
  search: string;
  /** Only the accounts of this group's resources (the Groups view's open group). */
  group?: string;
}

/**
 * One search of the explorer's All list, read page by page from the core's visibility query: the
 * console holds the pages it has drawn, never the whole vault, so the first screen of 100,000
 * accounts costs one page.
 */
export class AccountPages {
  readonly #pages = new Map<number, AccountRow[]>();
  readonly #loading = new Map<number, Promise<void>>();

  private constructor(
    private readonly me: ActorCore,
    readonly query: AccountQuery,
    readonly total: number,
  ) {}

  /** The first page and the count, in one call. */
  static async open(me: ActorCore, query: AccountQuery): Promise<AccountPages> {
    const first = await me.explorer.all(
      query.search,
      PAGE_SIZE,
      0,
      query.group ? { group: query.group } : {},
    );
    const pages = new AccountPages(me, query, first.total);
    pages.#pages.set(0, first.entries.map(rowOf));
    return pages;
  }

  /** The row at `index`, or undefined while its page is not loaded yet. */
  at(index: number): AccountRow | undefined {
    return this.#pages.get(Math.floor(index / PAGE_SIZE))?.[index % PAGE_SIZE];
  }

  /** Loads the pages covering rows [from, to); resolves true when it loaded any. */
  async ensure(from: number, to: number): Promise<boolean> {
    const first = Math.max(0, Math.floor(from / PAGE_SIZE));
    const last = Math.min(
      Math.floor((this.total - 1) / PAGE_SIZE),
      Math.floor(Math.max(from, to - 1) / PAGE_SIZE),
    );
    const waits: Promise<void>[] = [];
    for (let p = first; p <= last; p++) {
      if (this.#pages.has(p)) continue;
      let loading = this.#loading.get(p);
      if (!loading) {
        loading = this.me.explorer
          .all(
            this.query.search,
            PAGE_SIZE,
            p * PAGE_SIZE,
            this.query.group ? { group: this.query.group } : {},
          )
          .then(({ entries }) => void this.#pages.set(p, entries.map(rowOf)))
          .finally(() => this.#loading.delete(p));
        this.#loading.set(p, loading);
      }
      waits.push(loading);
    }
    await Promise.all(waits);
    return waits.length > 0;
  }
}

function rowOf(e: { ref: string; resource: string; dnsName: string; description: string }): AccountRow {
  return { ref: e.ref, resource: e.resource, dnsName: e.dnsName, description: e.description };
}
