import { describe, expect, it } from 'vitest';
import { cidrContains, parseCidr } from '../../core/apikeys/cidr.ts';

describe('address ranges for API keys', () => {
  it('matches IPv4 ranges, also against the IPv4-mapped form a dual-stack socket reports', () => {
    const r = parseCidr('10.1.0.0/16');
    expect(r.text).toBe('10.1.0.0/16');
    expect(cidrContains(r, '10.1.200.3')).toBe(true);
    expect(cidrContains(r, '::ffff:10.1.200.3')).toBe(true);
    expect(cidrContains(r, '10.2.0.1')).toBe(false);
    expect(cidrContains(r, '::ffff:10.2.0.1')).toBe(false);
  });

  it('normalises the host bits away and treats a bare address as one host', () => {
    expect(parseCidr('192.168.7.9/24').text).toBe('192.168.7.0/24');
    const one = parseCidr('127.0.0.1');
    expect(one.text).toBe('127.0.0.1/32');
    expect(cidrContains(one, '127.0.0.1')).toBe(true);
    expect(cidrContains(one, '127.0.0.2')).toBe(false);
  });

  it('matches IPv6 ranges and writes them in their short form', () => {
    const r = parseCidr('2001:DB8:0:0:0:0:0:0/32');
    expect(r.text).toBe('2001:db8::/32');
    expect(cidrContains(r, '2001:db8:ffff::1')).toBe(true);
    expect(cidrContains(r, '2001:db9::1')).toBe(false);
    expect(cidrContains(parseCidr('::1/128'), '::1')).toBe(true);
    expect(cidrContains(parseCidr('::1/128'), '127.0.0.1')).toBe(false);
  });

  it('refuses what is not a range, and never matches an unparseable address', () => {
    for (const bad of [
      '',
      '10.0.0.0/33',
      '300.1.1.1/8',
      '1.2.3/8',
      'fe80::/129',
      '1::2::3',
      'x/8',
      '10.0.0.0/8/8',
    ])
      expect(() => parseCidr(bad), bad).toThrow(/address range|at most/);
    expect(cidrContains(parseCidr('0.0.0.0/0'), 'not-an-address')).toBe(false);
    expect(cidrContains(parseCidr('0.0.0.0/0'), '8.8.8.8')).toBe(true);
  });
});
