/**
 * A copy of a value a property test is about to put into (and later mutate inside) its input.
 * fast-check hands the same value to many runs (its constants such as `{}` and `[]`, and an
 * argument it keeps while it shrinks another), so a mutation that lands inside a value an
 * earlier one set would change the constant for every run after, and could make it hold
 * itself. Plain objects (null prototype kept), arrays (holes kept) and boxed primitives are
 * copied all the way down; anything else is shared, as nothing mutates inside it.
 */
export function freshCopy(v: unknown): unknown {
  if (!v || typeof v !== 'object') return v;
  let o: Record<string, unknown>;
  if (Array.isArray(v)) o = new Array(v.length) as unknown as Record<string, unknown>; // holes stay holes
  else if (v instanceof Number || v instanceof String || v instanceof Boolean) o = Object(v.valueOf()) as Record<string, unknown>;
  else {
    const proto = Object.getPrototypeOf(v);
    if (proto !== Object.prototype && proto !== null) return v;
    o = Object.create(proto) as Record<string, unknown>;
  }
  for (const k of Object.keys(v)) {
    if (Object.prototype.hasOwnProperty.call(o, k)) continue; // a boxed string's own characters
    Object.defineProperty(o, k, { value: freshCopy((v as Record<string, unknown>)[k]), enumerable: true, configurable: true, writable: true });
  }
  return o;
}
