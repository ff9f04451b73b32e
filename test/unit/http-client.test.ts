// The one outgoing HTTP client (undici request) and how provider calls read its failures: a
// refused connection never reached the provider (ProviderUnavailable), a timeout or a cut-off
// answer may have taken effect (ProviderOutcomeUnknown for a write). Real sockets on loopback.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { HttpCallFailed, MAX_ANSWER_BYTES, httpCall } from '../../src/common/http-client.js';
import { PROVIDER_KEEP_ALIVE_MAX_MS, PROVIDER_KEEP_ALIVE_MS, sendHttp } from '../../src/providers/http.js';
import { ProviderOutcomeUnknown, ProviderUnavailable } from '../../src/providers/provider.js';
import { freePort } from '../helpers/stack.js';

describe('httpCall and sendHttp on loopback', () => {
  let server: Server;
  let base = '';
  const seen: { method?: string; headers: Record<string, unknown>; body: string }[] = [];

  before(async () => {
    server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        seen.push({ method: req.method, headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
        if (req.url === '/slow') return void setTimeout(() => res.end('late'), 2_000);
        if (req.url === '/huge-declared') {
          // Declares more than the cap: refused on the header, before a byte of it is read.
          res.writeHead(200, { 'content-length': String(MAX_ANSWER_BYTES + 1) });
          return void res.end('x'.repeat(MAX_ANSWER_BYTES + 1));
        }
        if (req.url === '/huge-chunked' || req.url === '/exactly-cap') {
          // No length announced: chunks until past the cap (or exactly up to it).
          res.writeHead(200, { 'content-type': 'application/json' });
          const total = req.url === '/exactly-cap' ? MAX_ANSWER_BYTES : 8 * MAX_ANSWER_BYTES;
          const chunk = Buffer.alloc(64 * 1024, 0x61);
          let sent = 0;
          const pump = () => {
            while (sent < total) {
              const part = chunk.subarray(0, Math.min(chunk.length, total - sent));
              sent += part.length;
              if (!res.write(part)) return void res.once('drain', pump);
            }
            res.end();
          };
          return void pump();
        }
        if (req.url === '/cut') {
          // Promise a long body, send part of it, then drop the connection.
          res.writeHead(200, { 'content-length': '1000' });
          res.write('{"partial":');
          return void setTimeout(() => res.socket?.destroy(), 20);
        }
        res.writeHead(201, { 'content-type': 'application/json', 'x-twice': ['a', 'b'] });
        res.end(JSON.stringify({ ok: true }));
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(async () => {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  it('sends the exact body and headers, and reads status, lower-case headers and text', async () => {
    const body = '{"amount":10000,"note":"kopi ☕"}';
    const answer = await httpCall({ method: 'POST', url: `${base}/ok`, headers: { 'Content-Type': 'application/json', 'X-Signature': 'abc' }, body, timeoutMs: 5_000 });
    assert.equal(answer.status, 201);
    assert.equal(answer.headers['content-type'], 'application/json');
    assert.equal(answer.headers['x-twice'], 'a', 'a repeated header keeps its first value');
    assert.deepEqual(JSON.parse(answer.text), { ok: true });
    const last = seen.at(-1)!;
    assert.equal(last.method, 'POST');
    assert.equal(last.body, body, 'signatures are over these bytes, so they arrive unchanged');
    assert.equal(last.headers['x-signature'], 'abc');
  });

  it('a timeout before the answer fails at the request stage with TIMEOUT; a write is then "outcome unknown"', async () => {
    const started = Date.now();
    const err = await httpCall({ method: 'POST', url: `${base}/slow`, body: '{}', timeoutMs: 150 }).catch((e: unknown) => e);
    assert.ok(err instanceof HttpCallFailed);
    assert.equal(err.stage, 'request');
    assert.equal(err.code, 'TIMEOUT');
    assert.ok(Date.now() - started < 1_500, 'the deadline cut the call short');
    await assert.rejects(sendHttp('xendit', { method: 'POST', url: `${base}/slow`, body: '{}', timeoutMs: 150 }), (e: unknown) => e instanceof ProviderOutcomeUnknown && e.code === 'TIMEOUT');
    // A read that timed out changed nothing anywhere: simply unavailable.
    await assert.rejects(sendHttp('xendit', { method: 'GET', url: `${base}/slow`, timeoutMs: 150 }), (e: unknown) => e instanceof ProviderUnavailable && e.code === 'TIMEOUT');
  });

  it('a refused connection never reached the provider: ProviderUnavailable, ECONNREFUSED', async () => {
    const closed = `http://127.0.0.1:${await freePort()}`;
    const err = await httpCall({ method: 'POST', url: `${closed}/x`, body: '{}', timeoutMs: 2_000 }).catch((e: unknown) => e);
    assert.ok(err instanceof HttpCallFailed);
    assert.equal(err.code, 'ECONNREFUSED');
    await assert.rejects(sendHttp('midtrans', { method: 'POST', url: `${closed}/x`, body: '{}', timeoutMs: 2_000 }), (e: unknown) => e instanceof ProviderUnavailable && e.code === 'ECONNREFUSED');
  });

  it('an answer whose body is cut off fails at the body stage: whatever the provider did, it did', async () => {
    const err = await httpCall({ method: 'POST', url: `${base}/cut`, body: '{}', timeoutMs: 5_000 }).catch((e: unknown) => e);
    assert.ok(err instanceof HttpCallFailed);
    assert.equal(err.stage, 'body');
    await assert.rejects(sendHttp('doku', { method: 'POST', url: `${base}/cut`, body: '{}', timeoutMs: 5_000 }), (e: unknown) => e instanceof ProviderOutcomeUnknown && e.code === 'RESPONSE_LOST');
  });

  it('reads an answer up to the cap (1 MiB) and refuses a longer one with BODY_TOO_LARGE, announced or not', async () => {
    const exact = await httpCall({ method: 'GET', url: `${base}/exactly-cap`, timeoutMs: 10_000 });
    assert.equal(exact.text.length, MAX_ANSWER_BYTES, 'exactly the cap is still read');
    for (const path of ['/huge-declared', '/huge-chunked']) {
      const err = await httpCall({ method: 'GET', url: `${base}${path}`, timeoutMs: 10_000 }).catch((e: unknown) => e);
      assert.ok(err instanceof HttpCallFailed, path);
      assert.equal(err.stage, 'body', path);
      assert.equal(err.code, 'BODY_TOO_LARGE', path);
      assert.match(err.message, /1048576/, 'the error names the cap');
    }
    const small = await httpCall({ method: 'GET', url: `${base}/huge-chunked`, timeoutMs: 10_000, maxBodyBytes: 100 }).catch((e: unknown) => e);
    assert.ok(small instanceof HttpCallFailed && small.code === 'BODY_TOO_LARGE', 'a caller may set a lower cap');
    // At a provider: the call got an answer it would not read, so what it did is looked up.
    await assert.rejects(
      sendHttp('xendit', { method: 'POST', url: `${base}/huge-chunked`, body: '{}', timeoutMs: 10_000 }),
      (e: unknown) => e instanceof ProviderOutcomeUnknown && e.code === 'RESPONSE_TOO_LARGE',
    );
  });
});

describe('keep-alive to providers (seed 000: idle connections kept at least 60 s)', () => {
  /** A loopback server that counts the TCP connections it accepts and announces no Keep-Alive timeout. */
  async function countingServer() {
    let connections = 0;
    const server = createServer((_req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}'));
    // 0: no server-side idle timeout and no `Keep-Alive: timeout=` header, so how long an idle
    // socket lives is the client's own setting, which is what is measured here.
    server.keepAliveTimeout = 0;
    server.on('connection', () => (connections += 1));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return {
      url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/status`,
      connections: () => connections,
      close: async () => {
        server.closeAllConnections();
        await new Promise<void>((resolve) => server.close(() => resolve()));
      },
    };
  }

  it("keeps an idle provider connection at least 60 s: two calls 4.5 s apart share one socket (undici's default pool opens two)", async () => {
    assert.ok(PROVIDER_KEEP_ALIVE_MS >= 60_000 && PROVIDER_KEEP_ALIVE_MAX_MS >= PROVIDER_KEEP_ALIVE_MS);
    const [provider, control] = await Promise.all([countingServer(), countingServer()]);
    try {
      const twice = async (call: () => Promise<{ status: number }>) => {
        assert.equal((await call()).status, 200);
        // The idle time is what is under test, so it is waited out: longer than undici's default
        // idle keep-alive (4 s), which the control below shows would have closed the socket.
        await new Promise((resolve) => setTimeout(resolve, 4_500));
        assert.equal((await call()).status, 200);
      };
      await Promise.all([twice(() => sendHttp('xendit', { method: 'GET', url: provider.url, timeoutMs: 5_000 })), twice(() => httpCall({ method: 'GET', url: control.url, timeoutMs: 5_000 }))]);
      assert.equal(provider.connections(), 1, 'provider calls reused the idle connection');
      assert.equal(control.connections(), 2, "undici's default pool had dropped it (the test can tell the difference)");
    } finally {
      await Promise.all([provider.close(), control.close()]);
    }
  });
});
