// Recorded workflow histories for the replay test. `BAYAR_RECORD_HISTORIES=1` on a saga run
// writes one file per path into test/fixtures/histories/, to be committed with the change.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Client, Connection } from '@temporalio/client';
import { historyToJSON } from '@temporalio/common/lib/proto-utils.js';

export const HISTORY_DIR = fileURLToPath(new URL('../../../test/fixtures/histories/', import.meta.url));

export async function recordHistories(address: string, payments: Map<string, string>): Promise<void> {
  const connection = await Connection.connect({ address });
  try {
    const client = new Client({ connection });
    mkdirSync(HISTORY_DIR, { recursive: true });
    for (const [name, id] of payments) {
      const history = await client.workflow.getHandle(id).fetchHistory();
      writeFileSync(join(HISTORY_DIR, `${name}.json`), historyToJSON(history));
    }
  } finally {
    await connection.close();
  }
}
