// Unit quantities of the configuration (reference config.md §9): Time, Bandwidth, Bytes.
// Parses the exact Shadow spellings into integer base units (ns, bit/s, bytes) and
// prints them back in the canonical "<n> <unit>" form, keeping the unit the user wrote.

/** Canonical (printed) time units, §9.4. */
export type TimeUnit = 'ns' | 'μs' | 'ms' | 'sec' | 'min' | 'hour';

/** A parsed quantity: the value in the base unit plus the canonical unit it was written in. */
export interface Quantity {
  /** ns for times, bit/s for bandwidths, bytes for sizes. Always a safe integer. */
  base: number;
  /** Canonical unit label, e.g. 'sec', 'μs', 'Mbit', 'KiB'. */
  unit: string;
}

/** A quantity string that does not follow §9; `reason` is a short explanation for messages. */
export class UnitSyntaxError extends Error {
  constructor(readonly reason: string) {
    super(reason);
    this.name = 'UnitSyntaxError';
  }
}

const NS_PER: Record<TimeUnit, bigint> = {
  ns: 1n,
  μs: 1_000n,
  ms: 1_000_000n,
  sec: 1_000_000_000n,
  min: 60_000_000_000n,
  hour: 3_600_000_000_000n,
};

// Exact spellings only: the set is closed on purpose (no 'nsec', 'µs' with the micro sign, 'S').
const TIME_SPELLINGS: ReadonlyMap<string, TimeUnit> = new Map<string, TimeUnit>([
  ['', 'sec'],
  ['ns', 'ns'],
  ['nanosecond', 'ns'],
  ['nanoseconds', 'ns'],
  ['us', 'μs'],
  ['\u03bcs', 'μs'],
  ['microsecond', 'μs'],
  ['microseconds', 'μs'],
  ['ms', 'ms'],
  ['millisecond', 'ms'],
  ['milliseconds', 'ms'],
  ['s', 'sec'],
  ['sec', 'sec'],
  ['secs', 'sec'],
  ['second', 'sec'],
  ['seconds', 'sec'],
  ['m', 'min'],
  ['min', 'min'],
  ['mins', 'min'],
  ['minute', 'min'],
  ['minutes', 'min'],
  ['h', 'hour'],
  ['hr', 'hour'],
  ['hrs', 'hour'],
  ['hour', 'hour'],
  ['hours', 'hour'],
]);

/** Short prefix → multiplier; '' is the base unit. */
const PREFIX_FACTOR: ReadonlyMap<string, bigint> = new Map<string, bigint>([
  ['', 1n],
  ['K', 1_000n],
  ['Ki', 1n << 10n],
  ['M', 1_000_000n],
  ['Mi', 1n << 20n],
  ['G', 1_000_000_000n],
  ['Gi', 1n << 30n],
  ['T', 1_000_000_000_000n],
  ['Ti', 1n << 40n],
]);

const LONG_PREFIX: ReadonlyMap<string, string> = new Map<string, string>([
  ['kilo', 'K'],
  ['kibi', 'Ki'],
  ['mega', 'M'],
  ['mebi', 'Mi'],
  ['giga', 'G'],
  ['gibi', 'Gi'],
  ['tera', 'T'],
  ['tebi', 'Ti'],
]);

const BANDWIDTH_SUFFIXES = ['', 'bit', 'bits'];
const BYTE_SUFFIXES = ['', 'B', 'byte', 'bytes'];

const U64_MAX = (1n << 64n) - 1n;
const SAFE_MAX = BigInt(Number.MAX_SAFE_INTEGER);

/**
 * Splits "<integer><whitespace?><unit>" and checks the integer part.
 * Returns the count and the unit text (possibly empty).
 */
function splitQuantity(text: string, what: string): { count: bigint; unitText: string } {
  const match = /^\+?([0-9]+)\s*(.*)$/su.exec(text);
  if (match === null) {
    if (/^\s*-/u.test(text)) throw new UnitSyntaxError(`a ${what} cannot be negative`);
    throw new UnitSyntaxError(`a ${what} must start with a whole number`);
  }
  const digits = match[1];
  const unitText = match[2];
  if (/\s$/u.test(text)) {
    throw new UnitSyntaxError(`unexpected whitespace at the end of the ${what}`);
  }
  // No unit begins with these, so they mean a number written in a form §9.1 forbids.
  if (/^[.,_]/u.test(unitText) || /^[eE][-+]?[0-9]/u.test(unitText)) {
    throw new UnitSyntaxError('the number must be a whole decimal integer (no fractions, exponents or separators)');
  }
  if (digits === '0' && /^[xob][0-9a-fA-F]+$/u.test(unitText)) {
    throw new UnitSyntaxError('the number must be written in decimal');
  }
  const count = BigInt(digits);
  if (count > U64_MAX) {
    throw new UnitSyntaxError('the number does not fit in 64 bits');
  }
  return { count, unitText };
}

function checkSafe(base: bigint, what: string): number {
  if (base > SAFE_MAX) {
    throw new UnitSyntaxError(`the ${what} is too large (limit ${Number.MAX_SAFE_INTEGER} in its base unit)`);
  }
  return Number(base);
}

/** Parses a §9.2 time. The result is integer nanoseconds, at most Number.MAX_SAFE_INTEGER. */
export function parseTime(text: string): Quantity & { unit: TimeUnit } {
  const { count, unitText } = splitQuantity(text, 'time');
  const unit = TIME_SPELLINGS.get(unitText);
  if (unit === undefined) {
    throw new UnitSyntaxError(
      `unknown time unit '${unitText}' (use ns, us, μs, ms, s, sec, min, m, h, hr …; units are case-sensitive)`,
    );
  }
  const ns = count * NS_PER[unit];
  if (ns > SAFE_MAX) {
    throw new UnitSyntaxError(`the time is too large (at most ${Number.MAX_SAFE_INTEGER} ns, about 104 days)`);
  }
  return { base: Number(ns), unit };
}

/** A YAML integer where a time is expected counts in seconds (§9.1). */
export function timeFromInteger(seconds: bigint): Quantity & { unit: TimeUnit } {
  if (seconds < 0n) throw new UnitSyntaxError('a time cannot be negative');
  const ns = seconds * NS_PER.sec;
  if (ns > SAFE_MAX) {
    throw new UnitSyntaxError(`the time is too large (at most ${Number.MAX_SAFE_INTEGER} ns, about 104 days)`);
  }
  return { base: Number(ns), unit: 'sec' };
}

/** Splits a bandwidth/byte unit into its short prefix and suffix; null if it is not a valid spelling. */
function splitPrefixed(unitText: string, suffixes: readonly string[]): { prefix: string; suffix: string } | null {
  for (const suffix of suffixes) {
    if (!unitText.endsWith(suffix)) continue;
    const prefixText = unitText.slice(0, unitText.length - suffix.length);
    if (PREFIX_FACTOR.has(prefixText)) return { prefix: prefixText, suffix };
    const short = LONG_PREFIX.get(prefixText);
    if (short !== undefined) return { prefix: short, suffix };
  }
  return null;
}

function parsePrefixed(
  text: string,
  what: string,
  suffixes: readonly string[],
  canonicalSuffix: string,
  hint: string,
): Quantity {
  const { count, unitText } = splitQuantity(text, what);
  const split = splitPrefixed(unitText, suffixes);
  if (split === null) {
    throw new UnitSyntaxError(`unknown ${what} unit '${unitText}' (${hint}; units are case-sensitive)`);
  }
  const factor = PREFIX_FACTOR.get(split.prefix) ?? 1n;
  const base = checkSafe(count * factor, what);
  return { base, unit: split.prefix + canonicalSuffix };
}

/** Parses a §9.3 bandwidth; result in bits per second. */
export function parseBandwidth(text: string): Quantity {
  return parsePrefixed(text, 'bandwidth', BANDWIDTH_SUFFIXES, 'bit', 'use e.g. bit, Kbit, Mbit, Gibit, megabits');
}

/** Parses a §9.3 byte size; result in bytes. */
export function parseBytes(text: string): Quantity {
  return parsePrefixed(text, 'size', BYTE_SUFFIXES, 'B', 'use e.g. B, KB, KiB, MiB, kilobytes');
}

/** A YAML integer where a bandwidth or size is expected counts in the base unit. */
export function prefixedFromInteger(count: bigint, what: 'bandwidth' | 'size'): Quantity {
  if (count < 0n) throw new UnitSyntaxError(`a ${what} cannot be negative`);
  return { base: checkSafe(count, what), unit: what === 'bandwidth' ? 'bit' : 'B' };
}

function isTimeUnit(unit: string): unit is TimeUnit {
  return Object.prototype.hasOwnProperty.call(NS_PER, unit);
}

/** Largest time unit that divides `ns` exactly; zero prints in seconds. */
export function naturalTimeUnit(ns: number): TimeUnit {
  if (ns === 0) return 'sec';
  const order: TimeUnit[] = ['hour', 'min', 'sec', 'ms', 'μs', 'ns'];
  const value = BigInt(ns);
  for (const unit of order) {
    if (value % NS_PER[unit] === 0n) return unit;
  }
  return 'ns';
}

/**
 * Canonical §9.4 time text. Keeps `unit` when it divides the value exactly (it
 * always does for a value parsed with that unit); otherwise picks a natural unit.
 */
export function formatTime(ns: number, unit?: string): string {
  const chosen: TimeUnit =
    unit !== undefined && isTimeUnit(unit) && BigInt(ns) % NS_PER[unit] === 0n ? unit : naturalTimeUnit(ns);
  return `${BigInt(ns) / NS_PER[chosen]} ${chosen}`;
}

function formatPrefixed(value: number, unit: string | undefined, suffix: string): string {
  if (unit !== undefined && unit.endsWith(suffix)) {
    const factor = PREFIX_FACTOR.get(unit.slice(0, unit.length - suffix.length));
    if (factor !== undefined && BigInt(value) % factor === 0n) {
      return `${BigInt(value) / factor} ${unit}`;
    }
  }
  // Without a remembered unit, the base unit is exact and unsurprising.
  return `${value} ${suffix}`;
}

/** Canonical §9.4 bandwidth text, e.g. "100 Mbit". */
export function formatBandwidth(bits: number, unit?: string): string {
  return formatPrefixed(bits, unit, 'bit');
}

/** Canonical §9.4 size text, e.g. "65535 B" or "1 KiB". */
export function formatBytes(bytes: number, unit?: string): string {
  return formatPrefixed(bytes, unit, 'B');
}
