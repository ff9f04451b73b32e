// Addresses and CIDR ranges (IPv4 and IPv6) for the webhook source allow-lists and the trusted
// proxies. Pure parsing and matching over node:net's BlockList; no I/O.
import { BlockList, isIP } from 'node:net';

export interface Cidr {
  address: string;
  prefix: number;
  family: 'ipv4' | 'ipv6';
}

/** "203.0.113.0/24", "2001:db8::/32", or a bare address (a /32 or /128). Undefined when malformed. */
export function parseCidr(text: string): Cidr | undefined {
  const parts = text.trim().split('/');
  if (parts.length > 2) return undefined;
  const address = normalizeAddress(parts[0] ?? '');
  if (!address) return undefined;
  const max = address.family === 'ipv4' ? 32 : 128;
  const prefix = parts[1] === undefined ? max : /^\d{1,3}$/.test(parts[1]) ? Number(parts[1]) : NaN;
  if (!(prefix >= 0 && prefix <= max)) return undefined;
  return { address: address.address, prefix, family: address.family };
}

/**
 * An address as a socket or a proxy header gives it, in the form the ranges are matched in. An
 * IPv4-mapped IPv6 address (::ffff:192.0.2.1, what a dual-stack socket reports for an IPv4 peer)
 * is the IPv4 address: an IPv4 range must match it, and an IPv6 range written to catch mapped
 * addresses is not needed. Undefined when it is not an address at all.
 */
export function normalizeAddress(text: string): { address: string; family: 'ipv4' | 'ipv6' } | undefined {
  let address = text.trim();
  // "[2001:db8::1]:443" and "192.0.2.1:443" (some proxies append the port).
  const bracketed = /^\[([^\]]+)\](?::\d+)?$/.exec(address);
  if (bracketed) address = bracketed[1]!;
  else if (/^\d{1,3}(\.\d{1,3}){3}:\d+$/.test(address)) address = address.slice(0, address.lastIndexOf(':'));
  const mapped = /^::ffff:(\d{1,3}(?:\.\d{1,3}){3})$/i.exec(address);
  if (mapped) address = mapped[1]!;
  const version = isIP(address);
  if (version === 4) return { address, family: 'ipv4' };
  if (version === 6) return { address, family: 'ipv6' };
  return undefined;
}

/** A set of ranges that answers "is this address inside?". */
export class AddressRanges {
  private readonly list = new BlockList();

  constructor(readonly ranges: readonly Cidr[]) {
    for (const r of ranges) this.list.addSubnet(r.address, r.prefix, r.family);
  }

  has(address: string): boolean {
    const a = normalizeAddress(address);
    return a !== undefined && this.list.check(a.address, a.family);
  }
}

/** True for loopback, unspecified and "localhost" host names: never a real provider's address. */
export function isLocalHost(hostname: string): boolean {
  const host = hostname.replace(/^\[|\]$/g, '').toLowerCase();
  if (host === 'localhost' || host.endsWith('.localhost')) return true;
  const a = normalizeAddress(host);
  if (!a) return false;
  return LOCAL.has(a.address);
}

const LOCAL = new AddressRanges(['127.0.0.0/8', '0.0.0.0/8', '::1/128', '::/128'].map((c) => parseCidr(c)!));
