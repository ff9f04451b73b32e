// How every adapter reads its tables by a value that comes from outside (the wire, or a method or
// bank code from the API): by own keys only, so "constructor", "__proto__" or "toString" resolve to
// nothing rather than to Object's members.
//
// statusMap: a provider's status table, written the way a reviewer checks it — each of bayar's
// states with the provider's values that mean it — and a look-up that gives `otherwise` for
// anything the table does not list (for charges PENDING: only an explicit answer is final).
// lookupIn: a table keyed by bayar's own codes (method → channel, bank → the provider's code).

/** The provider's wire values for each of bayar's states; a value may stand under one state only. */
export type StatusTable<S extends string> = Partial<Record<S, readonly string[]>>;

/** Wire value → bayar state; a value the table does not list gives `otherwise`. */
export function statusMap<S extends string>(table: StatusTable<S>, otherwise: S): (wire: string) => S;
/** Wire value → bayar state, or undefined where the table does not list it. */
export function statusMap<S extends string>(table: StatusTable<S>): (wire: string) => S | undefined;
export function statusMap<S extends string>(table: StatusTable<S>, otherwise?: S): (wire: string) => S | undefined {
  const byWire = new Map<string, S>();
  for (const [state, values] of Object.entries(table) as [S, readonly string[]][]) {
    for (const value of values) {
      // Two meanings for one value would make the table's order decide: refuse it at load time.
      if (byWire.has(value)) throw new Error(`status table: ${JSON.stringify(value)} is listed under ${byWire.get(value)} and ${state}`);
      byWire.set(value, state);
    }
  }
  return (wire) => byWire.get(wire) ?? otherwise;
}

/** key → the table's entry for it, or undefined where the table has no such own key. */
export function lookupIn<T extends object>(table: T): (key: string) => T[keyof T] | undefined {
  return (key) => (Object.hasOwn(table, key) ? table[key as keyof T] : undefined);
}
