// IP assignment (reference §10), the hosts file (§11.1) and host bandwidth resolution (§8).

import { test } from 'node:test';
import assert from 'node:assert/strict';

import { ConfigError } from '../../src/config/types';
import {
  assignAddresses,
  compareNamesBytewise,
  hostsFileText,
  ipToString,
  parseIp,
  resolveHostBandwidth,
} from '../../src/net/addressing';

function throwsConfig(fn: () => unknown, pattern: RegExp): void {
  assert.throws(fn, (err: unknown) => {
    assert.ok(err instanceof ConfigError, `expected ConfigError, got ${String(err)}`);
    assert.match(err.message, pattern);
    return true;
  });
}

function assigned(hosts: Array<[string, string | null]>): Record<string, string> {
  const ips = assignAddresses(hosts.map(([name, ipAddr]) => ({ name, ipAddr })));
  return Object.fromEntries([...ips].map(([name, ip]) => [name, ipToString(ip)]));
}

test('parseIp / ipToString round-trip strict dotted quads', () => {
  assert.equal(parseIp('11.0.0.1'), 0x0b000001);
  assert.equal(parseIp('255.255.255.255'), 0xffffffff);
  assert.equal(parseIp('0.0.0.0'), 0);
  assert.equal(ipToString(0xc0a80101), '192.168.1.1');
  assert.equal(ipToString(0xffffffff), '255.255.255.255');
  for (const bad of [
    '',
    '1.2.3',
    '1.2.3.4.5',
    '256.0.0.1',
    '01.2.3.4',
    '1.2.3.-4',
    ' 1.2.3.4',
    '1.2.3.4 ',
    '1..3.4',
    '::1',
    '0x1.2.3.4',
  ]) {
    assert.equal(parseIp(bad), null, bad);
  }
});

test('auto addresses follow byte-wise name order from 11.0.0.1', () => {
  assert.deepEqual(
    assigned([
      ['server', null],
      ['client3', null],
      ['client1', null],
      ['client2', null],
    ]),
    {
      client1: '11.0.0.1',
      client2: '11.0.0.2',
      client3: '11.0.0.3',
      server: '11.0.0.4',
    },
  );
  // Byte-wise: "client10" < "client2".
  assert.deepEqual(
    assigned([
      ['client2', null],
      ['client10', null],
    ]),
    { client10: '11.0.0.1', client2: '11.0.0.2' },
  );
  assert.ok(compareNamesBytewise('client10', 'client2') < 0);
  assert.ok(compareNamesBytewise('a-b', 'a.b') < 0);
});

test('explicit addresses are taken first and skipped by the counter', () => {
  assert.deepEqual(
    assigned([
      ['a', null],
      ['b', '11.0.0.1'],
      ['c', null],
    ]),
    { a: '11.0.0.2', b: '11.0.0.1', c: '11.0.0.3' },
  );
  // Explicit addresses may be anything usable, including .0 host parts and other ranges.
  assert.deepEqual(
    assigned([
      ['x', '10.0.0.0'],
      ['y', '11.0.0.2'],
      ['z', null],
    ]),
    { x: '10.0.0.0', y: '11.0.0.2', z: '11.0.0.1' },
  );
});

test('the counter skips .0 and .255', () => {
  const hosts = Array.from({ length: 256 }, (_, i) => ({ name: `h${String(i).padStart(3, '0')}`, ipAddr: null }));
  const ips = assignAddresses(hosts);
  assert.equal(ipToString(ips.get('h000') ?? 0), '11.0.0.1');
  assert.equal(ipToString(ips.get('h253') ?? 0), '11.0.0.254');
  assert.equal(ipToString(ips.get('h254') ?? 0), '11.0.1.1');
  assert.equal(ipToString(ips.get('h255') ?? 0), '11.0.1.2');
  assert.equal(new Set(ips.values()).size, 256);
});

test('explicit address errors: duplicate, reserved, malformed', () => {
  throwsConfig(
    () =>
      assigned([
        ['a', '11.0.0.5'],
        ['b', '11.0.0.5'],
      ]),
    /^host 'b': ip_addr 11\.0\.0\.5 is already used by host 'a'$/,
  );
  throwsConfig(
    () => assigned([['a', '0.0.0.0']]),
    /^host 'a': ip_addr 0\.0\.0\.0 cannot be used \(the unspecified address\)$/,
  );
  throwsConfig(() => assigned([['a', '127.0.0.1']]), /loopback range 127\.0\.0\.0\/8/);
  throwsConfig(() => assigned([['a', '127.255.0.3']]), /loopback/);
  throwsConfig(() => assigned([['a', '224.0.0.1']]), /multicast range 224\.0\.0\.0\/4/);
  throwsConfig(() => assigned([['a', '239.255.255.255']]), /multicast/);
  throwsConfig(() => assigned([['a', '255.255.255.255']]), /broadcast/);
  throwsConfig(() => assigned([['a', '1.2.3']]), /^host 'a': ip_addr "1\.2\.3" is not an IPv4 address/);
  throwsConfig(() => assigned([['a', '::1']]), /not an IPv4 address/);
  assert.deepEqual(
    assigned([
      ['a', '223.255.255.254'],
      ['b', '240.0.0.1'],
      ['c', '128.0.0.1'],
    ]),
    {
      a: '223.255.255.254',
      b: '240.0.0.1',
      c: '128.0.0.1',
    },
  );
});

test('hosts file: localhost first, then by address, LF endings', () => {
  const ips = assignAddresses([
    { name: 'server', ipAddr: null },
    { name: 'client2', ipAddr: null },
    { name: 'client1', ipAddr: null },
    { name: 'client3', ipAddr: null },
  ]);
  const text = hostsFileText([...ips].map(([name, ip]) => ({ name, ip })));
  assert.equal(text, '127.0.0.1 localhost\n11.0.0.1 client1\n11.0.0.2 client2\n11.0.0.3 client3\n11.0.0.4 server\n');
  // Sorted numerically, not as text: 9.x < 11.x < 100.x.
  assert.equal(
    hostsFileText([
      { name: 'far', ip: parseIp('100.0.0.1') ?? 0 },
      { name: 'near', ip: parseIp('9.0.0.1') ?? 0 },
      { name: 'mid', ip: parseIp('11.0.0.1') ?? 0 },
    ]),
    '127.0.0.1 localhost\n9.0.0.1 near\n11.0.0.1 mid\n100.0.0.1 far\n',
  );
  assert.equal(hostsFileText([]), '127.0.0.1 localhost\n');
});

test('host bandwidth: host value overrides the node, per direction', () => {
  const node = { id: 3, hostBandwidthDownBitsPerSec: 100, hostBandwidthUpBitsPerSec: 200 };
  assert.deepEqual(resolveHostBandwidth({ name: 'h', bandwidthDownBits: null, bandwidthUpBits: null }, node), {
    downBitsPerSec: 100,
    upBitsPerSec: 200,
  });
  assert.deepEqual(resolveHostBandwidth({ name: 'h', bandwidthDownBits: 5, bandwidthUpBits: null }, node), {
    downBitsPerSec: 5,
    upBitsPerSec: 200,
  });
  assert.deepEqual(resolveHostBandwidth({ name: 'h', bandwidthDownBits: null, bandwidthUpBits: 7 }, node), {
    downBitsPerSec: 100,
    upBitsPerSec: 7,
  });
  const bare = { id: 3, hostBandwidthDownBitsPerSec: null, hostBandwidthUpBitsPerSec: 200 };
  assert.deepEqual(resolveHostBandwidth({ name: 'h', bandwidthDownBits: 9, bandwidthUpBits: null }, bare), {
    downBitsPerSec: 9,
    upBitsPerSec: 200,
  });
  throwsConfig(
    () => resolveHostBandwidth({ name: 'web', bandwidthDownBits: null, bandwidthUpBits: 1 }, bare),
    /^host 'web': no downstream bandwidth: set hosts\.web\.bandwidth_down or host_bandwidth_down on network graph node 3$/,
  );
  throwsConfig(
    () =>
      resolveHostBandwidth(
        { name: 'web', bandwidthDownBits: 1, bandwidthUpBits: null },
        { ...bare, hostBandwidthUpBitsPerSec: null },
      ),
    /^host 'web': no upstream bandwidth: .*bandwidth_up/,
  );
});
