// IPv6 addresses: text in and out, the run's id table (v4-mapped = IPv4
// numbers), automatic assignment, dual-stack port rules, wire sizes, AAAA answers.
import { test } from 'node:test';
import assert from 'node:assert/strict';

import { answerDnsQuery } from '../../src/net/dns';
import { compareNamesBytewise } from '../../src/net/addressing';
import {
  assignAddresses6,
  FAM_V4,
  FAM_V6,
  formatIp6,
  hostMac,
  IN6ADDR_LOOPBACK,
  Ip6Table,
  linkLocalFor,
  parseIp6,
  reservedReason6,
} from '../../src/net/ip6';
import { udp6WireBytes, udpWireBytes } from '../../src/net/packet';
import { addressesOverlap } from '../../src/net/stack';

const roundTrip = (text: string): string | null => {
  const b = parseIp6(text);
  return b === null ? null : formatIp6(b);
};

test('IPv6 text: parsed in every usual form, printed as RFC 5952 says', () => {
  assert.equal(roundTrip('::'), '::');
  assert.equal(roundTrip('::1'), '::1');
  assert.equal(roundTrip('FD75:6D62:7261:0:0:0:0:1'), 'fd75:6d62:7261::1');
  assert.equal(roundTrip('2001:db8:0:0:1:0:0:1'), '2001:db8::1:0:0:1', 'the first of two equal zero runs');
  assert.equal(roundTrip('2001:db8:0:1:1:1:1:1'), '2001:db8:0:1:1:1:1:1', 'a single zero group stays');
  assert.equal(roundTrip('2001:0db8:00aa::0001'), '2001:db8:aa::1', 'leading zeros dropped');
  assert.equal(roundTrip('::ffff:11.0.0.2'), '::ffff:11.0.0.2');
  assert.equal(roundTrip('::ffff:b00:2'), '::ffff:11.0.0.2');
  assert.equal(roundTrip('fe80::1:2:3:4'), 'fe80::1:2:3:4');
  assert.equal(roundTrip('1:2:3:4:5:6:7::'), '1:2:3:4:5:6:7:0');
  for (const bad of [
    '',
    ':',
    ':::',
    '1::2::3',
    '1:2:3:4:5:6:7:8:9',
    '12345::',
    'g::1',
    '::1%eth0',
    '[::1]',
    '11.0.0.1',
  ])
    assert.equal(parseIp6(bad), null, bad);
  assert.equal(parseIp6('::ffff:1.2.3.256'), null);
  assert.equal(parseIp6('1:2:3:4:5:6:7'), null);
});

test('the id table: ::1 is -1, :: is 0, v4-mapped is the IPv4 number, others get stable negative ids', () => {
  const t = new Ip6Table();
  const id = (text: string): number => t.idOf(parseIp6(text) as Uint8Array);
  assert.equal(id('::1'), IN6ADDR_LOOPBACK);
  assert.equal(id('::'), 0);
  assert.equal(id('::ffff:11.0.0.2'), 0x0b000002);
  const a = id('fd00::a');
  const b = id('fd00::b');
  assert.ok(a < 0 && b < 0 && a !== b);
  assert.equal(id('fd00:0::a'), a, 'the same address, the same id');
  assert.equal(t.toString(a), 'fd00::a');
  assert.equal(t.toString(0x0b000002), '::ffff:11.0.0.2');
  assert.equal(t.toString(0), '::');
  const out = new Uint8Array(20);
  t.write(b, out, 2);
  assert.equal(formatIp6(out, 2), 'fd00::b');
});

test('automatic IPv6 addresses: explicit ones first, the rest from the umbra ULA prefix by name order', () => {
  const got = assignAddresses6(
    [
      { name: 'zeta', ip6Addr: null, hasIp6: true },
      { name: 'alpha', ip6Addr: null, hasIp6: true },
      { name: 'beta', ip6Addr: 'fd75:6d62:7261::1', hasIp6: true },
      { name: 'old', ip6Addr: null, hasIp6: false },
      { name: 'gamma', ip6Addr: '2001:db8::5', hasIp6: true },
    ],
    compareNamesBytewise,
  );
  const text = Object.fromEntries([...got].map(([n, b]) => [n, formatIp6(b)]));
  assert.deepEqual(text, {
    beta: 'fd75:6d62:7261::1',
    gamma: '2001:db8::5',
    alpha: 'fd75:6d62:7261::2',
    zeta: 'fd75:6d62:7261::3',
  });
  assert.match(reservedReason6(parseIp6('::1') as Uint8Array) ?? '', /loopback/);
  assert.match(reservedReason6(parseIp6('fe80::1') as Uint8Array) ?? '', /link-local/);
  assert.match(reservedReason6(parseIp6('ff02::1') as Uint8Array) ?? '', /multicast/);
  assert.match(reservedReason6(parseIp6('::ffff:1.2.3.4') as Uint8Array) ?? '', /IPv4-mapped/);
  assert.equal(reservedReason6(parseIp6('2001:db8::1') as Uint8Array), null);
});

test("link-local addresses: EUI-64 of the MAC (02:00 + IPv4, or an IPv6-only host's last four bytes)", () => {
  assert.equal(formatIp6(linkLocalFor(0x0a141e28, parseIp6('fd00::1') as Uint8Array)), 'fe80::aff:fe14:1e28');
  assert.equal(formatIp6(linkLocalFor(0, parseIp6('2001:db8::42') as Uint8Array)), 'fe80::ff:fe00:42');
  assert.deepEqual([...hostMac(0, parseIp6('2001:db8::1:2') as Uint8Array)], [2, 0, 0, 1, 0, 2]);
  const t = new Ip6Table();
  assert.equal(t.isLinkLocal(t.idOf(parseIp6('fe80::1') as Uint8Array)), true);
  assert.equal(t.isLinkLocal(t.idOf(parseIp6('fd00::1') as Uint8Array)), false);
  assert.equal(t.isLinkLocal(IN6ADDR_LOOPBACK), false);
  assert.equal(t.isLinkLocal(0x0b000001), false);
});

test('dual stack: which wildcard bindings can take the same packet (Linux bind conflicts)', () => {
  const v6 = -5;
  const dual = FAM_V4 | FAM_V6;
  assert.equal(addressesOverlap(0, FAM_V4, 0, dual), true, '0.0.0.0 and [::] without V6ONLY clash');
  assert.equal(addressesOverlap(0, FAM_V4, 0, FAM_V6), false, '0.0.0.0 and [::] with V6ONLY do not');
  assert.equal(addressesOverlap(0x0b000001, FAM_V4, 0, FAM_V6), false);
  assert.equal(addressesOverlap(0x0b000001, FAM_V4, 0, dual), true);
  assert.equal(addressesOverlap(v6, FAM_V6, 0, FAM_V4), false);
  assert.equal(addressesOverlap(v6, FAM_V6, v6, FAM_V6), true);
  assert.equal(addressesOverlap(v6, FAM_V6, -6, FAM_V6), false);
});

test('IPv6 wire sizes: 40-byte headers, fragment headers when a datagram is split', () => {
  assert.equal(udp6WireBytes(100), 148);
  assert.equal(udpWireBytes(100), 128);
  assert.equal(udp6WireBytes(1452), 1500, 'the largest unfragmented datagram');
  // 1453 + 8 = 1461 bytes split in 1448-byte pieces: two fragments of 40 + 8 header bytes each.
  assert.equal(udp6WireBytes(1453), 1461 + 2 * 48);
});

test('the simulated DNS answers AAAA queries with 16 address bytes', () => {
  const q = (name: string, type: number): Uint8Array => {
    const parts = [0xab, 0xcd, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0, name.length, ...Buffer.from(name), 0, 0, type, 0, 1];
    return Uint8Array.from(parts);
  };
  const v6 = parseIp6('fd75:6d62:7261::2') as Uint8Array;
  const lookup = (name: string, aaaa: boolean): number | Uint8Array | null | undefined => {
    if (name === 'both') return aaaa ? v6 : 0x0b000002;
    if (name === 'v4only') return aaaa ? null : 0x0b000003;
    return undefined;
  };
  const r = answerDnsQuery(q('both', 28), lookup) as Uint8Array;
  assert.equal(r[7], 1, 'one answer');
  assert.equal(formatIp6(r, r.length - 16), 'fd75:6d62:7261::2');
  assert.equal(r[r.length - 17], 16, 'rdlength');
  const none = answerDnsQuery(q('v4only', 28), lookup) as Uint8Array;
  assert.equal(none[3] & 0xf, 0, 'NOERROR');
  assert.equal(none[7], 0, 'no AAAA record');
  const a = answerDnsQuery(q('both', 1), lookup) as Uint8Array;
  assert.deepEqual([...a.subarray(a.length - 4)], [11, 0, 0, 2]);
});
