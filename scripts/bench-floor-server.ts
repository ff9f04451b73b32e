// The reads bench's floor (scripts/bench-floor.ts): the least a paced GET of a stored payment
// can cost on this machine — Node's own HTTP server and the same `pg` pool reading the same row
// from the same database, with nothing of bayar's (no key, no merchant check, no validation, no
// framework). Benchmarks only; it serves any payment to anyone, so it listens on loopback and
// only for the length of one bench phase.
import { createServer } from 'node:http';
import { createPool } from '../src/db/pool.js';

const databaseUrl = process.argv[2];
if (!databaseUrl || !process.send) throw new Error('bench-floor-server: started by scripts/bench-floor.ts only');
const pool = createPool(databaseUrl, { name: 'bayar-bench-floor', max: 20 });
const server = createServer((req, res) => {
  const id = decodeURIComponent((req.url ?? '').split('/').pop() ?? '');
  pool.query<{ view: string }>({ name: 'floor-find', text: 'SELECT view::text AS view FROM payments WHERE id = $1', values: [id] }).then(
    ({ rows }) => {
      res.writeHead(rows[0] ? 200 : 404, { 'content-type': 'application/json' });
      res.end(rows[0]?.view ?? '{}');
    },
    () => {
      res.writeHead(500);
      res.end();
    },
  );
});
server.listen(0, '127.0.0.1', () => process.send!((server.address() as { port: number }).port));
process.on('disconnect', () => {
  server.close();
  void pool.end();
});
