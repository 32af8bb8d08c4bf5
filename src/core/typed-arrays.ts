// Growing the typed arrays that index hosts, slots and heap entries: one
// doubling rule, so that a table indexed by a number never grows per element.

type NumberArray = Int32Array | Uint8Array | Float64Array;

/**
 * A copy of `a` with room for at least `minLength` entries (twice its length
 * if that is more); the new entries hold `fill`.
 */
export function grown<T extends NumberArray>(a: T, minLength: number, fill = 0): T {
  const Ctor = a.constructor as new (length: number) => T;
  const bigger = new Ctor(Math.max(minLength, a.length * 2));
  bigger.set(a);
  if (fill !== 0) bigger.fill(fill, a.length);
  return bigger;
}
