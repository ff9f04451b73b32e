// Registers bayar's search attributes through the operator API. The dev server's
// --search-attribute flag only applies when a namespace is first created, so a reused
// database needs this; it is idempotent.
import { Connection } from '@temporalio/client';
import proto from '@temporalio/proto';
import { SearchAttributeType } from '@temporalio/common';
import { ALL_SEARCH_ATTRIBUTES } from './search-attributes.js';

const { IndexedValueType } = proto.temporal.api.enums.v1;
const INDEXED: Record<string, proto.temporal.api.enums.v1.IndexedValueType> = {
  [SearchAttributeType.KEYWORD]: IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD,
  [SearchAttributeType.INT]: IndexedValueType.INDEXED_VALUE_TYPE_INT,
  [SearchAttributeType.DATETIME]: IndexedValueType.INDEXED_VALUE_TYPE_DATETIME,
};

export async function ensureSearchAttributes(connection: Connection, namespace: string): Promise<void> {
  const existing = await connection.operatorService.listSearchAttributes({ namespace });
  const missing = ALL_SEARCH_ATTRIBUTES.filter((k) => !(k.name in (existing.customAttributes ?? {})));
  if (missing.length === 0) return;
  await connection.operatorService.addSearchAttributes({
    namespace,
    searchAttributes: Object.fromEntries(missing.map((k) => [k.name, INDEXED[k.type]!])),
  });
}

/**
 * Sets how long Temporal keeps a closed workflow's history. bayar's own database keeps every
 * payment for good, so Temporal only needs it for debugging recent runs (docs/database.md).
 */
export async function ensureRetention(connection: Connection, namespace: string, retentionMs: number): Promise<void> {
  const seconds = Math.round(retentionMs / 1000);
  const described = await connection.workflowService.describeNamespace({ namespace });
  if (Number(described.config?.workflowExecutionRetentionTtl?.seconds ?? 0) === seconds) return;
  await connection.workflowService.updateNamespace({ namespace, config: { workflowExecutionRetentionTtl: { seconds: proto.google.protobuf.Duration.fromObject({ seconds }).seconds } } });
}
