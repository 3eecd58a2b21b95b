import { statfs } from 'node:fs/promises';
import path from 'node:path';
import type { Actor } from '../authz/actor.ts';
import type { CoreContext } from '../context.ts';
import type { AuditRecord } from '../model.ts';
import type { LiveRegistry } from '../live/live-registry.ts';
import type { Repos } from '../storage/repos/index.ts';
import type {
  BoardAuditLine,
  BoardDisk,
  BoardOvernight,
  BoardRequest,
  BoardSnapshot,
} from './board-types.ts';

const MINUTE_MS = 60_000;
const HOUR_MS = 60 * MINUTE_MS;
const DAY_MS = 24 * HOUR_MS;
/** Rows the audit tail shows (the tallest board has room for about this many). */
export const AUDIT_TAIL_ROWS = 30;

/**
 * The operations wallboard's data: auditors and administrators read the whole bastion's state in
 * one call. Nothing here changes anything, and reading it is not audited (the board reads every
 * few seconds); opening the board is (`open`). `watch` tells a board that something committed,
 * so it refreshes at once instead of at its next tick.
 */
export class BoardService {
  readonly #watchers = new Set<() => void>();

  constructor(
    private readonly ctx: CoreContext,
    private readonly registry: () => LiveRegistry,
    private readonly recordingsDir: string,
  ) {
    ctx.auditObservers.push(() => {
      for (const w of this.#watchers) w();
    });
  }

  /** Records that `actor` opened the board (refused, like any operation, as `authz.denied`). */
  async open(actor: Actor, where: string): Promise<void> {
    await this.ctx.run(actor, 'wallboard.view', { kind: 'board', name: where }, async (s) => {
      this.ctx.authz.require(actor, 'wallboard.view');
      await s.audit('wallboard.open', { kind: 'board', name: where });
    });
  }

  async close(actor: Actor, where: string, seconds: number): Promise<void> {
    await this.ctx.auditAs(actor, 'wallboard.close', { kind: 'board', name: where }, 'success', { seconds });
  }

  watch(actor: Actor, onChange: () => void): () => void {
    this.ctx.authz.require(actor, 'wallboard.view');
    const w = () => onChange();
    this.#watchers.add(w);
    return () => this.#watchers.delete(w);
  }

  async snapshot(actor: Actor): Promise<BoardSnapshot> {
    this.ctx.authz.require(actor, 'wallboard.view');
    const now = this.ctx.clock.now();
    const live = await this.registry().list();
    const node = this.ctx.config.gateway.node_name;
    const read = await this.ctx.store.read(async (repos) => ({
      ...(await requests(repos, now)),
      startsPerMinute: await startsPerMinute(repos, now),
      overnight: await overnight(repos, now),
      bytesPerDay: await bytesPerDay(repos, now),
      audit: (await repos.audit.query({ limit: AUDIT_TAIL_ROWS })).map(auditLine),
    }));
    return {
      at: now.toISOString(),
      clustered: false,
      // A single node runs every session it lists (whatever name its gateway gives itself).
      nodes: [{ name: node, sessions: live.length, state: 'this node' }],
      live,
      pending: read.pending,
      expiring: read.expiring,
      startsPerMinute: read.startsPerMinute,
      overnight: read.overnight,
      disk: await diskOf(this.recordingsDir, read.bytesPerDay),
      audit: read.audit,
    };
  }
}

async function refOf(repos: Repos, accountId: string): Promise<string> {
  const account = await repos.accounts.byId(accountId);
  const resource = account ? await repos.resources.byId(account.resourceId) : undefined;
  return account && resource ? `${resource.name}/${account.name}` : accountId;
}

async function requests(
  repos: Repos,
  now: Date,
): Promise<{ pending: BoardRequest[]; expiring: BoardRequest[] }> {
  const view = async (r: { id: string; accountId: string; requesterId: string }, at: string) => ({
    id: r.id,
    account: await refOf(repos, r.accountId),
    requester: (await repos.users.byId(r.requesterId))?.username ?? r.requesterId,
    at,
  });
  const pending: BoardRequest[] = [];
  for (const r of (await repos.access.list({ states: ['waiting'] })).reverse())
    pending.push(await view(r, r.createdAt));
  const soon = now.getTime() + HOUR_MS;
  const expiring: BoardRequest[] = [];
  for (const r of await repos.access.list({ states: ['checked-out'] }))
    if (r.expiresAt && Date.parse(r.expiresAt) <= soon) expiring.push(await view(r, r.expiresAt));
  expiring.sort((a, b) => a.at.localeCompare(b.at));
  return { pending, expiring };
}

async function startsPerMinute(repos: Repos, now: Date): Promise<number[]> {
  const since = now.getTime() - HOUR_MS;
  const buckets = new Array<number>(60).fill(0);
  const rows = await repos.audit.query({
    type: 'session.start',
    since: new Date(since).toISOString(),
    limit: 10_000,
  });
  for (const r of rows) {
    const i = Math.floor((Date.parse(r.at) - since) / MINUTE_MS);
    if (r.type === 'session.start' && i >= 0 && i < 60) buckets[i] = (buckets[i] ?? 0) + 1;
  }
  return buckets;
}

async function overnight(repos: Repos, now: Date): Promise<BoardOvernight> {
  const out: BoardOvernight = { changed: 0, failed: 0, inSync: 0, outOfSync: 0, unreachable: 0 };
  const rows = await repos.audit.query({
    type: 'password.',
    since: new Date(now.getTime() - DAY_MS).toISOString(),
    limit: 10_000,
  });
  for (const r of rows) {
    if (r.type === 'password.reset') out.changed++;
    else if (r.type === 'password.reset-fail') out.failed++;
    else if (r.type === 'password.verify') {
      const status = statusOf(r);
      if (status === 'in-sync') out.inSync++;
      else if (status === 'out-of-sync') out.outOfSync++;
      else if (status === 'unreachable') out.unreachable++;
    }
  }
  return out;
}

function statusOf(r: AuditRecord): unknown {
  try {
    return (JSON.parse(r.details || '{}') as { status?: unknown }).status;
  } catch {
    return undefined;
  }
}

async function bytesPerDay(repos: Repos, now: Date): Promise<number> {
  const week = await repos.recordings.list({
    since: new Date(now.getTime() - 7 * DAY_MS).toISOString(),
    limit: 100_000,
  });
  return week.reduce((sum, r) => sum + r.bytes, 0) / 7;
}

/** The volume the recordings folder is on (its nearest existing ancestor before the first one). */
async function diskOf(dir: string, perDay: number): Promise<BoardDisk | null> {
  for (let d = path.resolve(dir); ; d = path.dirname(d)) {
    try {
      const s = await statfs(d);
      const total = s.blocks * s.bsize;
      const free = s.bavail * s.bsize;
      return {
        usedBytes: total - s.bfree * s.bsize,
        totalBytes: total,
        bytesPerDay: perDay,
        daysLeft: perDay > 0 ? free / perDay : null,
      };
    } catch {
      if (d === path.dirname(d)) return null;
    }
  }
}

function auditLine(r: AuditRecord): BoardAuditLine {
  return { at: r.at, type: r.type, actor: r.actor, target: r.targetName, result: r.result };
}
