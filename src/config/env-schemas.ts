// The zod pieces every configuration schema is built from (bayar's own variables in config.ts,
// each provider's in its descriptor). A bad value stops the boot with a message that names the
// variable and never echoes a value.
import { z } from 'zod';
import { parseDuration, parseDurationList } from './duration.js';
import { isLocalHost, parseCidr, type Cidr } from './cidr.js';

/** A provider credential (key, secret, token, client id): at least 8 characters; unset, the provider is not configured. */
export const credential = z.string().min(8).optional();

export const duration = (fallback: string) =>
  z
    .string()
    .default(fallback)
    .transform((v, ctx) => {
      const ms = parseDuration(v);
      if (ms === undefined) {
        ctx.addIssue({ code: 'custom', message: `"${v}" is not a duration like 200ms, 15s, 2m, 1h, 30d` });
        return z.NEVER;
      }
      return ms;
    });

export const pollSchedule = () =>
  z.string().transform((v, ctx) => parseDurationList(v) ?? (ctx.addIssue({ code: 'custom', message: 'a poll schedule is comma-separated durations, e.g. 15s,30s,1m' }), z.NEVER));

export const port = (fallback: number) => z.coerce.number().int().min(0).max(65535).default(fallback);

export const pairs = (label: string) =>
  z.string().transform((v, ctx) => {
    const out = new Map<string, string>();
    for (const entry of v
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean)) {
      const idx = entry.indexOf(':');
      const id = entry.slice(0, idx);
      const value = entry.slice(idx + 1);
      const validId = idx > 0 && /^[A-Za-z0-9_-]{1,64}$/.test(id);
      if (!validId || value.length < 8) {
        // Only a well-formed merchant id is echoed, never the value: an entry without its
        // "merchantId:" prefix is all secret, and must not end up in a boot log.
        ctx.addIssue({ code: 'custom', message: `${label}: each entry must be merchantId:value (value ≥ 8 chars); bad entry for "${validId ? id : '?'}"` });
        return z.NEVER;
      }
      out.set(id, value);
    }
    return out;
  });

export /** Comma- or space-separated CIDRs or addresses, IPv4 or IPv6. */
const cidrList = () =>
  z.string().transform((v, ctx) => {
    const entries = v.split(/[\s,]+/).filter(Boolean);
    const ranges = entries.map(parseCidr);
    const bad = ranges.findIndex((r) => r === undefined);
    if (bad >= 0 || entries.length === 0) {
      ctx.addIssue({ code: 'custom', message: `not a list of CIDRs like 203.0.113.0/24, 2001:db8::/32${bad >= 0 ? ` (entry ${bad + 1})` : ''}` });
      return z.NEVER;
    }
    return ranges as Cidr[];
  });

export /** A real provider's address: https, and not this machine. */
function realUrlProblem(url: string): string | undefined {
  const u = new URL(url);
  if (u.protocol !== 'https:') return 'is not an https:// address';
  if (isLocalHost(u.hostname)) return 'points at this machine (loopback), where only a sandbox can be';
  if (u.username || u.password) return 'carries credentials in the URL';
  return undefined;
}
