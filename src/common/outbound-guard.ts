// Where bayar may call a merchant back. A callbackUrl is the merchant's to choose, so without a
// guard it aims the worker at anything the worker can reach: the sandboxes' control endpoints,
// Temporal's frontend, a cloud metadata service (security audit, "SSRF"). The rules:
//   - in production only https;
//   - the host must resolve to public unicast addresses only: loopback, private, link-local,
//     CGNAT, multicast, unspecified, documentation/benchmark and other reserved ranges are refused,
//     IPv4 and IPv6 alike, and an IPv6 address that embeds an IPv4 one (::ffff:a.b.c.d, NAT64
//     64:ff9b::/96, 6to4 2002::/16) is judged by the IPv4 address inside;
//   - the address checked is the address connected to: the lookup that feeds the socket is the
//     one filtered, and the socket's remote address is checked again once connected, so a DNS
//     answer that changes between a check and the connect (rebinding) cannot slip through;
//   - redirects are not followed (undici's request() never follows them; a 3xx is a failed call).
// Development mode may allow loopback explicitly (BAYAR_ALLOW_LOOPBACK_CALLBACKS), for local
// receivers; nothing else is ever allowed.
import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { isIP, type LookupFunction } from 'node:net';
import { Agent, buildConnector, type Dispatcher } from 'undici';

export type AddressClass = 'public' | 'loopback' | 'private' | 'link-local' | 'cgnat' | 'multicast' | 'unspecified' | 'broadcast' | 'reserved';

export interface CallbackPolicy {
  /** Production: only https callbacks. */
  requireHttps: boolean;
  /**
   * Development only: loopback addresses (127/8, ::1) may be called — all of them (true), or only
   * on these ports (a test that wants every other loopback port refused).
   */
  allowLoopback: boolean | readonly number[];
}

/** Why an outgoing call was not made. Never retried into success: the URL itself is the problem. */
export class OutboundRefused extends Error {
  readonly code = 'OUTBOUND_REFUSED';
  constructor(readonly reason: string) {
    super(`callback refused: ${reason}`);
    this.name = 'OutboundRefused';
  }
}

// IPv4 ranges, from the IANA IPv4 Special-Purpose Address Registry (RFC 6890 and updates).
const V4_RANGES: [string, number, AddressClass][] = [
  ['0.0.0.0', 8, 'unspecified'], // "this network" (RFC 791); 0.0.0.0 reaches the local host on Linux
  ['10.0.0.0', 8, 'private'], // RFC 1918
  ['100.64.0.0', 10, 'cgnat'], // RFC 6598 shared address space
  ['127.0.0.0', 8, 'loopback'], // RFC 1122
  ['169.254.0.0', 16, 'link-local'], // RFC 3927 (cloud metadata lives here)
  ['172.16.0.0', 12, 'private'], // RFC 1918
  ['192.0.0.0', 24, 'reserved'], // RFC 6890 IETF protocol assignments
  ['192.0.2.0', 24, 'reserved'], // RFC 5737 TEST-NET-1
  ['192.88.99.0', 24, 'reserved'], // RFC 7526 deprecated 6to4 relay anycast
  ['192.168.0.0', 16, 'private'], // RFC 1918
  ['198.18.0.0', 15, 'reserved'], // RFC 2544 benchmarking
  ['198.51.100.0', 24, 'reserved'], // RFC 5737 TEST-NET-2
  ['203.0.113.0', 24, 'reserved'], // RFC 5737 TEST-NET-3
  ['224.0.0.0', 4, 'multicast'], // RFC 5771
  ['255.255.255.255', 32, 'broadcast'], // RFC 919 (checked before 240/4)
  ['240.0.0.0', 4, 'reserved'], // RFC 1112 future use
];

function v4ToInt(ip: string): number {
  return ip.split('.').reduce((n, part) => n * 256 + Number(part), 0);
}

function classifyV4(ip: string): AddressClass {
  const n = v4ToInt(ip);
  for (const [base, bits, cls] of V4_RANGES) {
    const size = 2 ** (32 - bits);
    const start = v4ToInt(base);
    if (n >= start && n < start + size) return cls;
  }
  return 'public';
}

/** Eight 16-bit groups of an IPv6 address (zone id dropped, embedded dotted quad allowed). */
export function ipv6Groups(address: string): number[] {
  let ip = address.split('%')[0]!.toLowerCase();
  const dotted = ip.match(/(\d+\.\d+\.\d+\.\d+)$/);
  if (dotted) {
    const n = v4ToInt(dotted[1]!);
    ip = ip.slice(0, -dotted[1]!.length) + `${(n >>> 16).toString(16)}:${(n & 0xffff).toString(16)}`;
  }
  const [head, tail] = ip.split('::') as [string, string | undefined];
  const parse = (s: string) => (s === '' ? [] : s.split(':').map((g) => parseInt(g, 16)));
  const h = parse(head);
  const t = tail === undefined ? [] : parse(tail);
  const fill = tail === undefined ? [] : new Array<number>(8 - h.length - t.length).fill(0);
  return [...h, ...fill, ...t];
}

function v4FromGroups(hi: number, lo: number): string {
  return [hi >> 8, hi & 0xff, lo >> 8, lo & 0xff].join('.');
}

function classifyV6(address: string): AddressClass {
  const g = ipv6Groups(address);
  const zeroUpTo = (n: number) => g.slice(0, n).every((x) => x === 0);
  if (zeroUpTo(8)) return 'unspecified'; // ::
  if (zeroUpTo(7) && g[7] === 1) return 'loopback'; // ::1
  // IPv4-mapped ::ffff:a.b.c.d (RFC 4291): the kernel connects to the IPv4 address itself.
  if (zeroUpTo(5) && g[5] === 0xffff) return classifyV4(v4FromGroups(g[6]!, g[7]!));
  // IPv4-translated ::ffff:0:a.b.c.d (RFC 2765) and IPv4-compatible ::a.b.c.d (deprecated).
  if (zeroUpTo(4) && g[4] === 0xffff && g[5] === 0) return classifyV4(v4FromGroups(g[6]!, g[7]!));
  if (zeroUpTo(6)) return 'reserved';
  // NAT64 well-known prefix 64:ff9b::/96 (RFC 6052) reaches the embedded IPv4 address.
  if (g[0] === 0x64 && g[1] === 0xff9b && g.slice(2, 6).every((x) => x === 0)) return classifyV4(v4FromGroups(g[6]!, g[7]!));
  if (g[0] === 0x64 && g[1] === 0xff9b && g[2] === 1) return 'private'; // RFC 8215 local-use NAT64
  // 6to4 2002::/16 (RFC 3056) tunnels to the IPv4 address in groups 1–2.
  if (g[0] === 0x2002) return classifyV4(v4FromGroups(g[1]!, g[2]!));
  if ((g[0]! & 0xff00) === 0xff00) return 'multicast'; // ff00::/8
  if ((g[0]! & 0xffc0) === 0xfe80) return 'link-local'; // fe80::/10
  if ((g[0]! & 0xffc0) === 0xfec0) return 'private'; // fec0::/10 deprecated site-local
  if ((g[0]! & 0xfe00) === 0xfc00) return 'private'; // fc00::/7 unique local (RFC 4193)
  if (g[0] === 0x100 && g[1] === 0 && g[2] === 0 && g[3] === 0) return 'reserved'; // 100::/64 discard (RFC 6666)
  if (g[0] === 0x2001 && g[1]! < 0x200) return 'reserved'; // 2001::/23 IETF protocol assignments (Teredo 2001::/32 included)
  if (g[0] === 0x2001 && g[1] === 0xdb8) return 'reserved'; // 2001:db8::/32 documentation (RFC 3849)
  if (g[0] === 0x3fff && g[1]! < 0x1000) return 'reserved'; // 3fff::/20 documentation (RFC 9637)
  if (g[0] === 0x5f00) return 'reserved'; // 5f00::/16 SRv6 SIDs (RFC 9602)
  // Only global unicast 2000::/3 is routable on the internet; the rest is unassigned.
  if ((g[0]! & 0xe000) !== 0x2000) return 'reserved';
  return 'public';
}

/** What kind of address an IP literal is; anything but 'public' is refused for callbacks. */
export function classifyAddress(ip: string): AddressClass {
  const bare = ip.startsWith('[') && ip.endsWith(']') ? ip.slice(1, -1) : ip;
  const family = isIP(bare.split('%')[0]!);
  if (family === 4) return classifyV4(bare);
  if (family === 6) return classifyV6(bare);
  throw new TypeError(`not an IP address: ${JSON.stringify(ip).slice(0, 64)}`);
}

/**
 * Why this address may not be called under the policy; undefined when it may. Without a port
 * (a lookup, before the connect) loopback passes when any loopback port is allowed; the connected
 * socket is checked again with its port.
 */
export function addressRefusal(ip: string, policy: CallbackPolicy, port?: number): string | undefined {
  const cls = classifyAddress(ip);
  if (cls === 'public') return undefined;
  if (cls === 'loopback' && loopbackAllowed(policy, port)) return undefined;
  return `${ip}${port === undefined ? '' : ` port ${port}`} is a ${cls} address`;
}

function loopbackAllowed(policy: CallbackPolicy, port: number | undefined): boolean {
  const allow = policy.allowLoopback;
  if (typeof allow === 'boolean') return allow;
  return port === undefined ? allow.length > 0 : allow.includes(port);
}

/**
 * What can be known about a callback URL before any DNS: scheme, credentials, an IP literal or a
 * name that is always loopback. Undefined when the URL may be tried (the call-time check still runs).
 */
export function callbackUrlRefusal(url: string, policy: CallbackPolicy): string | undefined {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return 'not a URL';
  }
  if (u.protocol !== 'https:' && !(u.protocol === 'http:' && !policy.requireHttps)) return policy.requireHttps ? 'callbackUrl must be https' : 'callbackUrl must be http or https';
  if (u.username || u.password) return 'callbackUrl must not carry credentials';
  const host = u.hostname.startsWith('[') ? u.hostname.slice(1, -1) : u.hostname;
  const port = u.port ? Number(u.port) : u.protocol === 'https:' ? 443 : 80;
  if (isIP(host)) return addressRefusal(host, policy, port);
  // RFC 6761: "localhost" and *.localhost always resolve to loopback.
  const name = host.toLowerCase().replace(/\.$/, '');
  if ((name === 'localhost' || name.endsWith('.localhost')) && !loopbackAllowed(policy, port)) return `${host} is a loopback name`;
  return undefined;
}

/**
 * dns.lookup, but every address a name resolves to must pass; one internal address among public
 * ones refuses the lot (a split answer is how rebinding is usually staged).
 */
export function guardedLookup(policy: CallbackPolicy, resolve: typeof dnsLookup = dnsLookup, port?: number): LookupFunction {
  return ((
    hostname: string,
    options: { all?: boolean; family?: number | 'IPv4' | 'IPv6'; hints?: number },
    callback: (err: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void,
  ) => {
    resolve(hostname, { ...options, all: true }, (err: NodeJS.ErrnoException | null, addresses: LookupAddress[]) => {
      if (err) return callback(err, options.all ? [] : '', undefined);
      const list = addresses as LookupAddress[];
      const refused = list.map((a) => addressRefusal(a.address, policy, port)).find((r) => r !== undefined);
      if (refused !== undefined || list.length === 0) {
        const e = new OutboundRefused(refused ? `${hostname} resolves to ${refused.split(' is ')[0]} (${refused.split(' is ')[1]})` : `${hostname} has no address`) as OutboundRefused & {
          code: string;
        };
        return callback(e as unknown as NodeJS.ErrnoException, options.all ? [] : '', undefined);
      }
      if (options.all) return callback(null, list);
      callback(null, list[0]!.address, list[0]!.family);
    });
  }) as LookupFunction;
}

/**
 * An undici dispatcher for merchant callbacks: sockets come only from the guarded lookup, and a
 * connected socket whose remote address is refused is destroyed before a byte is written (this
 * also covers IP literals, which net.connect does not look up).
 */
export function guardedDispatcher(policy: CallbackPolicy, resolve?: typeof dnsLookup): Dispatcher {
  // One connector per port, so the lookup knows the port too (a port-limited loopback allowance
  // is then refused before connecting, not after). Callbacks use few ports; 443 in production.
  const connectors = new Map<string, buildConnector.connector>();
  const connectorFor = (port: string) => {
    let c = connectors.get(port);
    if (!c) {
      c = buildConnector({ lookup: guardedLookup(policy, resolve, Number(port) || undefined) } as buildConnector.BuildOptions);
      connectors.set(port, c);
    }
    return c;
  };
  return new Agent({
    connect: (options, callback) => {
      const port = options.port || (options.protocol === 'https:' ? '443' : '80');
      connectorFor(port)(options, (err, socket) => {
        if (err || !socket) return callback(err ?? new Error('no socket'), null);
        const remote = socket.remoteAddress;
        const refused = remote === undefined ? 'the connected address is unknown' : addressRefusal(remote, policy, socket.remotePort);
        if (refused !== undefined) {
          socket.destroy();
          return callback(new OutboundRefused(refused), null);
        }
        callback(null, socket);
      });
    },
  });
}
