import net from 'node:net';
import { ValidationError } from '../../core/index.ts';

/**
 * Who may scrape `/metrics`: exact addresses and CIDR blocks from `[metrics] allow_from`. An
 * IPv4 client reaching a dual-stack listener arrives as `::ffff:a.b.c.d`; it is matched as the
 * IPv4 address it is, so `127.0.0.1` in the list admits it.
 */
export class AllowList {
  readonly #blocks = new net.BlockList();

  constructor(entries: readonly string[]) {
    for (const entry of entries) {
      const [address = '', bits] = entry.split('/');
      const family = net.isIPv4(address) ? 'ipv4' : net.isIPv6(address) ? 'ipv6' : undefined;
      if (!family) throw new ValidationError(`[metrics] allow_from: '${entry}' is not an IP address`);
      if (bits === undefined) this.#blocks.addAddress(address, family);
      else {
        const prefix = Number(bits);
        const max = family === 'ipv4' ? 32 : 128;
        if (!Number.isInteger(prefix) || prefix < 0 || prefix > max)
          throw new ValidationError(`[metrics] allow_from: '${entry}' has no valid prefix length`);
        this.#blocks.addSubnet(address, prefix, family);
      }
    }
  }

  allows(remoteAddress: string | undefined): boolean {
    if (!remoteAddress) return false;
    const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(remoteAddress)?.[1];
    const address = mapped ?? remoteAddress;
    if (net.isIPv4(address)) return this.#blocks.check(address, 'ipv4');
    if (net.isIPv6(address)) return this.#blocks.check(address, 'ipv6');
    return false;
  }
}
