// The validation pipe every route argument with a schema goes through. Nest's own pipe deletes
// `__proto__`, `prototype` and `constructor` keys from a body before validating it (against
// prototype pollution), so a body carrying one is silently accepted without it. bayar's contract
// is stricter: an unknown field is a 400, whatever its name. This pipe refuses such a body instead
// of trimming it; whatever passes has none of those keys, so nothing needs deleting.
import { StandardSchemaValidationPipe } from '@nestjs/common';
import { ProblemException } from './problem.js';

const POLLUTING_KEYS = ['__proto__', 'prototype', 'constructor'] as const;

/** The path of the first own `__proto__`, `prototype` or `constructor` key in a parsed body, if any. */
export function pollutingKeyPath(value: unknown): string | undefined {
  const seen = new WeakSet<object>();
  const stack: { node: unknown; path: string }[] = [{ node: value, path: '' }];
  while (stack.length > 0) {
    const { node, path } = stack.pop()!;
    if (node === null || typeof node !== 'object' || seen.has(node)) continue;
    seen.add(node);
    for (const key of POLLUTING_KEYS) if (Object.hasOwn(node, key)) return path ? `${path}.${key}` : key;
    // Iterative, not recursive: a body nested thousands deep must not exhaust the stack.
    for (const [key, child] of Object.entries(node)) stack.push({ node: child, path: path ? `${path}.${key}` : key });
  }
  return undefined;
}

export class StrictSchemaValidationPipe extends StandardSchemaValidationPipe {
  protected override stripProtoKeys(value: unknown): void {
    const path = pollutingKeyPath(value);
    if (path !== undefined) {
      const key = path.slice(path.lastIndexOf('.') + 1);
      // A path thousands of levels deep is shown by its end.
      const shown = path.length > 200 ? `…${path.slice(-200)}` : path;
      throw new ProblemException(400, 'VALIDATION_FAILED', `${shown}: Unrecognized key: "${key}"`, { errors: [{ path: shown, message: `Unrecognized key: "${key}"` }] });
    }
  }
}
