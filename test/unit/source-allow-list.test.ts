// The client address behind the webhook source allow-lists: the socket's peer, and
// X-Forwarded-For only past proxies the operator trusts; IPv4, IPv6 and IPv4-mapped IPv6.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { AddressRanges, isLocalHost, parseCidr } from '../../src/config/cidr.js';
import { clientAddress } from '../../src/webhooks/source-allow-list.guard.js';

const ranges = (...cidrs: string[]) => new AddressRanges(cidrs.map((c) => parseCidr(c)!));

describe('AddressRanges', () => {
  it('matches IPv4 and IPv6 ranges, and IPv4-mapped IPv6 peers as IPv4', () => {
    const allow = ranges('203.0.113.0/24', '2001:db8:1::/48');
    assert.equal(allow.has('203.0.113.9'), true);
    assert.equal(allow.has('::ffff:203.0.113.9'), true, 'a dual-stack socket reports IPv4 peers this way');
    assert.equal(allow.has('203.0.114.1'), false);
    assert.equal(allow.has('2001:db8:1:ffff::1'), true);
    assert.equal(allow.has('2001:db8:2::1'), false);
    assert.equal(allow.has('not an address'), false);
    assert.equal(allow.has(''), false);
  });

  it('knows loopback and unspecified hosts', () => {
    for (const h of ['localhost', 'a.localhost', '127.0.0.1', '127.9.9.9', '[::1]', '::1', '0.0.0.0', '::', '::ffff:127.0.0.1']) assert.equal(isLocalHost(h), true, h);
    for (const h of ['api.xendit.co', '8.215.30.222', '2001:db8::1']) assert.equal(isLocalHost(h), false, h);
  });
});

describe('clientAddress', () => {
  it('is the peer when no proxy is trusted, whatever X-Forwarded-For says', () => {
    assert.equal(clientAddress('127.0.0.1', '203.0.113.9', undefined), '127.0.0.1');
    assert.equal(clientAddress('::ffff:198.51.100.1', ['203.0.113.9'], undefined), '198.51.100.1');
  });

  it('walks X-Forwarded-For from the right past trusted proxies only', () => {
    const proxies = ranges('10.0.0.0/8', 'fd00::/8');
    // client → 10.1.1.1 (proxy) → 10.2.2.2 (proxy) → bayar
    assert.equal(clientAddress('10.2.2.2', '203.0.113.9, 10.1.1.1', proxies), '203.0.113.9');
    // A spoofed left-most entry is never reached: the first untrusted hop from the right is the client.
    assert.equal(clientAddress('10.2.2.2', '203.0.113.9, 198.51.100.66', proxies), '198.51.100.66');
    // The peer is not a trusted proxy: its header is ignored.
    assert.equal(clientAddress('198.51.100.66', '203.0.113.9', proxies), '198.51.100.66');
    assert.equal(clientAddress('fd00::1', '2001:db8::7', proxies), '2001:db8::7');
    assert.equal(clientAddress('10.2.2.2', '[2001:db8::7]:443', proxies), '2001:db8::7');
    assert.equal(clientAddress('10.2.2.2', '203.0.113.9:5555', proxies), '203.0.113.9');
    // Only proxies, no client: the last proxy is what we know.
    assert.equal(clientAddress('10.2.2.2', undefined, proxies), '10.2.2.2');
    // A malformed hop cannot be attributed: no address (refused by the guard).
    assert.equal(clientAddress('10.2.2.2', 'unknown', proxies), undefined);
  });
});
