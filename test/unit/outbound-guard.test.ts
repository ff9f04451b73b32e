// The merchant-callback guard: the address classifier (IPv4, IPv6, embedded IPv4, edge cases),
// what is refused from the URL alone, the filtered lookup, and the dispatcher on real loopback
// sockets: a refused address gets no request, and a redirect is never followed.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { lookup as dnsLookup, LookupAddress } from 'node:dns';
import fc from 'fast-check';
import { addressRefusal, callbackUrlRefusal, classifyAddress, guardedDispatcher, guardedLookup, ipv6Groups, type CallbackPolicy } from '../../src/common/outbound-guard.js';
import { HttpCallFailed, httpCall } from '../../src/common/http-client.js';

const PRODUCTION: CallbackPolicy = { requireHttps: true, allowLoopback: false };
const DEV_NO_LOOPBACK: CallbackPolicy = { requireHttps: false, allowLoopback: false };
const DEV_LOOPBACK: CallbackPolicy = { requireHttps: false, allowLoopback: true };

describe('classifyAddress', () => {
  const cases: [string, string][] = [
    // IPv4
    ['127.0.0.1', 'loopback'],
    ['127.255.255.254', 'loopback'],
    ['10.0.0.1', 'private'],
    ['10.255.255.255', 'private'],
    ['172.16.0.1', 'private'],
    ['172.31.255.255', 'private'],
    ['172.15.255.255', 'public'],
    ['172.32.0.0', 'public'],
    ['192.168.1.1', 'private'],
    ['169.254.169.254', 'link-local'],
    ['100.64.0.1', 'cgnat'],
    ['100.127.255.255', 'cgnat'],
    ['100.63.255.255', 'public'],
    ['100.128.0.0', 'public'],
    ['0.0.0.0', 'unspecified'],
    ['0.1.2.3', 'unspecified'],
    ['224.0.0.1', 'multicast'],
    ['239.255.255.250', 'multicast'],
    ['255.255.255.255', 'broadcast'],
    ['240.0.0.1', 'reserved'],
    ['192.0.2.10', 'reserved'],
    ['198.18.0.1', 'reserved'],
    ['198.51.100.7', 'reserved'],
    ['203.0.113.9', 'reserved'],
    ['192.0.0.8', 'reserved'],
    ['8.8.8.8', 'public'],
    ['1.1.1.1', 'public'],
    ['126.255.255.255', 'public'],
    ['128.0.0.0', 'public'],
    // IPv6
    ['::', 'unspecified'],
    ['::1', 'loopback'],
    ['0:0:0:0:0:0:0:1', 'loopback'],
    ['fe80::1', 'link-local'],
    ['fe80::1%eth0', 'link-local'],
    ['febf::1', 'link-local'],
    ['fc00::1', 'private'],
    ['fd12:3456:789a::1', 'private'],
    ['fec0::1', 'private'],
    ['ff02::1', 'multicast'],
    ['2001:db8::1', 'reserved'],
    ['2001::1', 'reserved'],
    ['100::1', 'reserved'],
    ['::2', 'reserved'],
    ['4000::1', 'reserved'],
    ['2606:4700:4700::1111', 'public'],
    ['2a00:1450:4001:81b::200e', 'public'],
    // IPv4 inside IPv6: judged by the IPv4 address
    ['::ffff:127.0.0.1', 'loopback'],
    ['::ffff:7f00:1', 'loopback'],
    ['::FFFF:10.1.2.3', 'private'],
    ['::ffff:169.254.169.254', 'link-local'],
    ['::ffff:8.8.8.8', 'public'],
    ['::ffff:0:127.0.0.1', 'loopback'],
    ['::127.0.0.1', 'reserved'],
    ['64:ff9b::127.0.0.1', 'loopback'],
    ['64:ff9b::8.8.8.8', 'public'],
    ['64:ff9b:1::1', 'private'],
    ['2002:7f00:1::', 'loopback'],
    ['2002:c0a8:101::1', 'private'],
    ['2002:808:808::1', 'public'],
    ['[::1]', 'loopback'],
  ];
  for (const [ip, expected] of cases) {
    it(`${ip} is ${expected}`, () => assert.equal(classifyAddress(ip), expected));
  }

  it('refuses to classify what is not an IP address', () => {
    for (const bad of ['localhost', '', '1.2.3', '::g', '127.0.0.1.1']) assert.throws(() => classifyAddress(bad), TypeError, bad);
  });

  it('every IPv4 address gets the same class plain and as ::ffff:a.b.c.d, hex or dotted', () => {
    fc.assert(
      fc.property(fc.ipV4(), (ip) => {
        const n = ip.split('.').map(Number);
        const hex = `::ffff:${((n[0]! << 8) | n[1]!).toString(16)}:${((n[2]! << 8) | n[3]!).toString(16)}`;
        const v4 = classifyAddress(ip);
        return classifyAddress(`::ffff:${ip}`) === v4 && classifyAddress(hex) === v4 && classifyAddress(`64:ff9b::${ip}`) === v4;
      }),
      { numRuns: 2000 },
    );
  });

  it('parses every IPv6 spelling fast-check makes into eight groups', () => {
    fc.assert(
      fc.property(fc.ipV6(), (ip) => {
        const g = ipv6Groups(ip);
        return g.length === 8 && g.every((x) => Number.isInteger(x) && x >= 0 && x <= 0xffff) && typeof classifyAddress(ip) === 'string';
      }),
      { numRuns: 2000 },
    );
  });

  it('loopback is allowed only by the explicit development switch; nothing else ever is', () => {
    assert.equal(addressRefusal('127.0.0.1', DEV_LOOPBACK), undefined);
    assert.equal(addressRefusal('::1', DEV_LOOPBACK), undefined);
    assert.equal(addressRefusal('::ffff:127.0.0.1', DEV_LOOPBACK), undefined);
    assert.match(addressRefusal('127.0.0.1', DEV_NO_LOOPBACK)!, /loopback/);
    assert.match(addressRefusal('10.0.0.1', DEV_LOOPBACK)!, /private/);
    assert.match(addressRefusal('169.254.169.254', DEV_LOOPBACK)!, /link-local/);
  });

  it('the development switch may name loopback ports: only those are allowed', () => {
    const onePort: CallbackPolicy = { requireHttps: false, allowLoopback: [4101] };
    assert.equal(addressRefusal('127.0.0.1', onePort, 4101), undefined);
    assert.match(addressRefusal('127.0.0.1', onePort, 4102)!, /loopback/);
    assert.equal(callbackUrlRefusal('http://127.0.0.1:4101/cb', onePort), undefined);
    assert.ok(callbackUrlRefusal('http://127.0.0.1:4102/cb', onePort));
    assert.ok(callbackUrlRefusal('http://localhost/cb', onePort), 'port 80 is not on the list');
  });
});

describe('callbackUrlRefusal (what is known before any DNS)', () => {
  it('production: https only', () => {
    assert.match(callbackUrlRefusal('http://merchant.example/cb', PRODUCTION)!, /https/);
    assert.equal(callbackUrlRefusal('https://merchant.example/cb', PRODUCTION), undefined);
    assert.equal(callbackUrlRefusal('http://merchant.example/cb', DEV_NO_LOOPBACK), undefined, 'development takes http');
    assert.ok(callbackUrlRefusal('ftp://merchant.example/cb', DEV_LOOPBACK));
  });

  it('IP literals in refused ranges, loopback names and credentials', () => {
    for (const url of [
      'https://127.0.0.1/cb',
      'https://10.1.2.3/cb',
      'https://[::1]/cb',
      'https://[::ffff:127.0.0.1]/cb',
      'https://[::ffff:a9fe:a9fe]/cb',
      'https://169.254.169.254/latest/meta-data',
      'https://100.64.1.1/',
      'https://0.0.0.0:4101/',
      'https://[fe80::1]/',
      'https://localhost/cb',
      'https://api.localhost./cb',
      // WHATWG URL turns these spellings into 127.0.0.1 before bayar sees the host.
      'https://2130706433/cb',
      'https://0x7f.1/cb',
      'https://017700000001/cb',
      'https://user:pass@merchant.example/cb',
    ]) {
      assert.ok(callbackUrlRefusal(url, PRODUCTION), url);
    }
    assert.equal(callbackUrlRefusal('https://8.8.8.8/cb', PRODUCTION), undefined);
    assert.equal(callbackUrlRefusal('http://127.0.0.1:9999/cb', DEV_LOOPBACK), undefined);
    assert.equal(callbackUrlRefusal('http://localhost:9999/cb', DEV_LOOPBACK), undefined);
    assert.ok(callbackUrlRefusal('http://10.0.0.1/cb', DEV_LOOPBACK), 'the development switch is for loopback only');
  });
});

/** A resolver that answers from a table, as dns.lookup would with `all: true`. */
function fakeResolver(table: Record<string, LookupAddress[]>): typeof dnsLookup {
  return ((hostname: string, _options: unknown, callback: (err: NodeJS.ErrnoException | null, addresses: LookupAddress[]) => void) => {
    const answer = table[hostname];
    if (!answer) return callback(Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: 'ENOTFOUND' }), []);
    callback(null, answer);
  }) as unknown as typeof dnsLookup;
}

describe('guardedLookup', () => {
  const resolver = fakeResolver({
    'public.test': [{ address: '93.184.216.34', family: 4 }],
    'internal.test': [{ address: '10.0.0.5', family: 4 }],
    'split.test': [
      { address: '93.184.216.34', family: 4 },
      { address: '127.0.0.1', family: 4 },
    ],
    'mapped.test': [{ address: '::ffff:127.0.0.1', family: 6 }],
  });
  const look = (host: string, all: boolean) =>
    new Promise<{ err: Error | null; address: unknown }>((resolve) => guardedLookup(PRODUCTION, resolver)(host, { all }, (err, address) => resolve({ err, address })));

  it('passes public answers through, in the shape asked for', async () => {
    assert.deepEqual(await look('public.test', true), { err: null, address: [{ address: '93.184.216.34', family: 4 }] });
    assert.deepEqual(await look('public.test', false), { err: null, address: '93.184.216.34' });
  });

  it('refuses a name that resolves inside, also when only one of its addresses does', async () => {
    for (const host of ['internal.test', 'split.test', 'mapped.test']) {
      const { err } = await look(host, true);
      assert.equal(err?.name, 'OutboundRefused', host);
    }
  });
});

describe('guardedDispatcher on real sockets', () => {
  let target: Server;
  let redirector: Server;
  const hits: IncomingMessage[] = [];
  let targetUrl = '';
  let redirectUrl = '';

  before(async () => {
    target = createServer((req, res) => {
      hits.push(req);
      res.writeHead(200).end('ok');
    });
    await new Promise<void>((r) => target.listen(0, '127.0.0.1', r));
    targetUrl = `http://127.0.0.1:${(target.address() as AddressInfo).port}/cb`;
    redirector = createServer((_req, res) => res.writeHead(307, { location: targetUrl }).end());
    await new Promise<void>((r) => redirector.listen(0, '127.0.0.1', r));
    redirectUrl = `http://127.0.0.1:${(redirector.address() as AddressInfo).port}/cb`;
  });
  after(async () => {
    target.closeAllConnections();
    redirector.closeAllConnections();
    await Promise.all([new Promise((r) => target.close(r)), new Promise((r) => redirector.close(r))]);
  });

  it('a loopback IP literal is refused after connect, before a byte of the request is sent', async () => {
    const before = hits.length;
    const err = await httpCall({ method: 'POST', url: targetUrl, body: '{}', timeoutMs: 5_000, dispatcher: guardedDispatcher(DEV_NO_LOOPBACK) }).catch((e: unknown) => e);
    assert.ok(err instanceof HttpCallFailed);
    assert.equal(err.code, 'OUTBOUND_REFUSED');
    assert.match(err.message, /loopback/);
    assert.equal(hits.length, before, 'the target saw no request');
  });

  it('a name that resolves to loopback is refused at lookup (no connection at all)', async () => {
    let connections = 0;
    const onConnection = () => (connections += 1);
    target.on('connection', onConnection);
    try {
      const port = (target.address() as AddressInfo).port;
      const dispatcher = guardedDispatcher(DEV_NO_LOOPBACK, fakeResolver({ 'rebound.test': [{ address: '127.0.0.1', family: 4 }] }));
      const err = await httpCall({ method: 'POST', url: `http://rebound.test:${port}/cb`, body: '{}', timeoutMs: 5_000, dispatcher }).catch((e: unknown) => e);
      assert.ok(err instanceof HttpCallFailed);
      assert.equal(err.code, 'OUTBOUND_REFUSED');
      assert.equal(connections, 0, 'nothing connected to the target');
    } finally {
      target.off('connection', onConnection);
    }
  });

  it('a redirect is answered as a 3xx and never followed, even where loopback is allowed', async () => {
    const before = hits.length;
    const answer = await httpCall({ method: 'POST', url: redirectUrl, body: '{}', timeoutMs: 5_000, dispatcher: guardedDispatcher(DEV_LOOPBACK) });
    assert.equal(answer.status, 307);
    assert.equal(hits.length, before, 'the redirect target saw nothing');
    // With loopback allowed, the target itself is reachable: the switch works.
    const direct = await httpCall({ method: 'POST', url: targetUrl, body: '{}', timeoutMs: 5_000, dispatcher: guardedDispatcher(DEV_LOOPBACK) });
    assert.equal(direct.status, 200);
    assert.equal(hits.length, before + 1);
  });
});
