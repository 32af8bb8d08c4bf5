// Unit quantities (config.md §9): every accepted spelling, every documented
// rejection, the MAX_SAFE_INTEGER bound on times, and the canonical printed form.

import { test } from 'node:test';
import assert from 'node:assert/strict';

import {
  UnitSyntaxError,
  formatBandwidth,
  formatBytes,
  formatTime,
  parseBandwidth,
  parseBytes,
  parseTime,
  timeFromInteger,
} from '../../src/config/units';

const NS = 1;
const US = 1_000;
const MS = 1_000_000;
const SEC = 1_000_000_000;
const MIN = 60 * SEC;
const HOUR = 3600 * SEC;

test('time: every §9.2 spelling is accepted, with and without a space', () => {
  const table: Array<[string, number, string]> = [
    ['ns', NS, 'ns'],
    ['nanosecond', NS, 'ns'],
    ['nanoseconds', NS, 'ns'],
    ['us', US, 'μs'],
    ['\u03bcs', US, 'μs'],
    ['microsecond', US, 'μs'],
    ['microseconds', US, 'μs'],
    ['ms', MS, 'ms'],
    ['millisecond', MS, 'ms'],
    ['milliseconds', MS, 'ms'],
    ['s', SEC, 'sec'],
    ['sec', SEC, 'sec'],
    ['secs', SEC, 'sec'],
    ['second', SEC, 'sec'],
    ['seconds', SEC, 'sec'],
    ['m', MIN, 'min'],
    ['min', MIN, 'min'],
    ['mins', MIN, 'min'],
    ['minute', MIN, 'min'],
    ['minutes', MIN, 'min'],
    ['h', HOUR, 'hour'],
    ['hr', HOUR, 'hour'],
    ['hrs', HOUR, 'hour'],
    ['hour', HOUR, 'hour'],
    ['hours', HOUR, 'hour'],
  ];
  for (const [unit, factor, canonical] of table) {
    for (const text of [`7${unit}`, `7 ${unit}`, `7   ${unit}`, `7\t${unit}`]) {
      assert.deepEqual(parseTime(text), { base: 7 * factor, unit: canonical }, text);
    }
  }
});

test('time: no unit means seconds; a leading + is tolerated', () => {
  assert.deepEqual(parseTime('10'), { base: 10 * SEC, unit: 'sec' });
  assert.deepEqual(parseTime('+3 ms'), { base: 3 * MS, unit: 'ms' });
  assert.deepEqual(parseTime('0'), { base: 0, unit: 'sec' });
  assert.deepEqual(timeFromInteger(5n), { base: 5 * SEC, unit: 'sec' });
});

test('time: spellings and numbers §9 rejects', () => {
  const rejected = [
    '1.5 ms',
    '-1 s',
    '1e3',
    '1e3 s',
    '0x10 s',
    '1_000 s',
    '1,000 s',
    '.5 s',
    's',
    '',
    ' ',
    'ten s',
    '1 \u00b5s', // micro sign U+00B5, not Greek mu
    '1 nsec',
    '1 usec',
    '1 msec',
    '1 S',
    '1 Sec',
    '1 day',
    '1 nanosecs',
    '1 msecs',
    '1 MS',
    '1 Min',
    ' 1 s',
    '1 s ',
    '1 s s',
    '18446744073709551616 ns', // does not fit 64 bits
  ];
  for (const text of rejected) {
    assert.throws(() => parseTime(text), UnitSyntaxError, JSON.stringify(text));
  }
});

test('time: the result must stay a safe integer count of nanoseconds', () => {
  assert.equal(parseTime(`${Number.MAX_SAFE_INTEGER} ns`).base, Number.MAX_SAFE_INTEGER);
  assert.throws(() => parseTime(`${Number.MAX_SAFE_INTEGER + 1} ns`), /too large/);
  assert.throws(() => parseTime('2502 hours'), /too large/); // > 2^53 ns ≈ 104 days
  assert.equal(parseTime('2501 hours').base, 2501 * HOUR);
  assert.throws(() => timeFromInteger(10_000_000n), /too large/);
});

test('time: messages explain negative and fractional values', () => {
  assert.throws(() => parseTime('-1 s'), /cannot be negative/);
  assert.throws(() => parseTime('1.5 ms'), /whole decimal integer/);
});

const PREFIXES: Array<[string[], number, string]> = [
  [[''], 1, ''],
  [['K', 'kilo'], 1e3, 'K'],
  [['Ki', 'kibi'], 2 ** 10, 'Ki'],
  [['M', 'mega'], 1e6, 'M'],
  [['Mi', 'mebi'], 2 ** 20, 'Mi'],
  [['G', 'giga'], 1e9, 'G'],
  [['Gi', 'gibi'], 2 ** 30, 'Gi'],
  [['T', 'tera'], 1e12, 'T'],
  [['Ti', 'tebi'], 2 ** 40, 'Ti'],
];

test('bandwidth: every prefix combines with every suffix, and a bare prefix is accepted', () => {
  for (const [spellings, factor, short] of PREFIXES) {
    for (const prefix of spellings) {
      for (const suffix of ['', 'bit', 'bits']) {
        for (const space of prefix + suffix === '' ? [''] : ['', ' ']) {
          const text = `3${space}${prefix}${suffix}`;
          assert.deepEqual(parseBandwidth(text), { base: 3 * factor, unit: `${short}bit` }, text);
        }
      }
    }
  }
});

test('bytes: every prefix combines with every suffix, and a bare prefix is accepted', () => {
  for (const [spellings, factor, short] of PREFIXES) {
    for (const prefix of spellings) {
      for (const suffix of ['', 'B', 'byte', 'bytes']) {
        const text = prefix + suffix === '' ? '3' : `3 ${prefix}${suffix}`;
        assert.deepEqual(parseBytes(text), { base: 3 * factor, unit: `${short}B` }, text);
      }
    }
  }
});

test('bandwidth and bytes: spellings §9.3 rejects', () => {
  const badBandwidth = [
    '1 kbit',
    '1 mbit',
    '1 gbit',
    '1 Megabit',
    '1 Kb',
    '1 Mbps',
    '1 kbps',
    '1 bps',
    '1 mega bits',
    '1 M bit',
    '1 mbit',
    '1 mB',
    '1 MiB',
    '1 KB',
    '1.5 Mbit',
    '-1 Mbit',
    '1 Kibibit',
  ];
  for (const text of badBandwidth) assert.throws(() => parseBandwidth(text), UnitSyntaxError, text);
  const badBytes = [
    '1 kB',
    '1 mB',
    '1 Megabyte',
    '1 KB/s',
    '1 Kb',
    '1 bit',
    '1 Mbit',
    '1 mega bytes',
    '1.5 KiB',
    '1 b',
  ];
  for (const text of badBytes) assert.throws(() => parseBytes(text), UnitSyntaxError, text);
});

test('bandwidth values not divisible by 8 are kept, not rejected', () => {
  assert.equal(parseBandwidth('20 bit').base, 20);
  assert.equal(parseBandwidth('1001').base, 1001);
});

test('canonical form keeps the unit the user wrote and does not normalise', () => {
  assert.equal(formatTime(parseTime('10s').base, parseTime('10s').unit), '10 sec');
  assert.equal(formatTime(5 * SEC, 'sec'), '5 sec');
  assert.equal(formatTime(1000 * MS, 'ms'), '1000 ms');
  assert.equal(formatTime(2 * MIN, 'min'), '2 min');
  assert.equal(formatTime(3 * HOUR, 'hour'), '3 hour');
  assert.equal(formatTime(500 * US, 'μs'), '500 μs');
  assert.equal(formatTime(10, 'ns'), '10 ns');
  const mbit = parseBandwidth('100 megabits');
  assert.equal(formatBandwidth(mbit.base, mbit.unit), '100 Mbit');
  assert.equal(formatBandwidth(1e9, 'Gbit'), '1 Gbit');
  assert.equal(formatBandwidth(20, 'bit'), '20 bit');
  const kib = parseBytes('1 kibibyte');
  assert.equal(formatBytes(kib.base, kib.unit), '1 KiB');
  assert.equal(formatBytes(65535, 'B'), '65535 B');
});

test('canonical form without a remembered unit picks an exact one', () => {
  assert.equal(formatTime(0), '0 sec');
  assert.equal(formatTime(90 * SEC), '90 sec');
  assert.equal(formatTime(2 * HOUR), '2 hour');
  assert.equal(formatTime(1500 * US), '1500 μs');
  // A unit that does not divide the value is not used.
  assert.equal(formatTime(1500 * MS, 'sec'), '1500 ms');
  assert.equal(formatBandwidth(1_000_000), '1000000 bit');
  assert.equal(formatBytes(1536, 'KiB'), '1536 B');
});
