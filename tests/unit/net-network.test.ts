// buildNetwork: hosts attached to nodes, addresses, bandwidths, host-to-host paths.

import { test } from 'node:test';
import assert from 'node:assert/strict';

import { ConfigError } from '../../src/config/types';
import { ipToString } from '../../src/net/addressing';
import { buildNetwork, type NetworkInputs } from '../../src/net/network';

const MS = 1_000_000;

type HostInput = NetworkInputs['hosts'][number];

function host(name: string, networkNodeId: number, extra: Partial<HostInput> = {}): HostInput {
  return { name, networkNodeId, ipAddr: null, bandwidthDownBits: null, bandwidthUpBits: null, ...extra };
}

const TWO_SITES = `graph [
  node [ id 0 host_bandwidth_down "100 Mbit" host_bandwidth_up "10 Mbit" ]
  node [ id 1 host_bandwidth_down "1 Gbit" host_bandwidth_up "1 Gbit" ]
  node [ id 2 ]
  edge [ source 0 target 0 latency "2 ms" ]
  edge [ source 1 target 1 latency "3 ms" packet_loss 0.5 ]
  edge [ source 0 target 2 latency "20 ms" ]
  edge [ source 2 target 1 latency "30 ms" ]
]
`;

test('the built-in switch: three clients and a server', () => {
  const net = buildNetwork(
    {
      network: { graph: { type: '1_gbit_switch' }, useShortestPath: true },
      hosts: [host('client1', 0), host('client2', 0), host('client3', 0), host('server', 0)],
    },
    '/',
  );
  assert.deepEqual(
    net.hosts.map((h) => [h.name, ipToString(h.ip), h.nodeId, h.bandwidthUpBytesPerSec, h.bandwidthDownBytesPerSec]),
    [
      ['client1', '11.0.0.1', 0, 125_000_000, 125_000_000],
      ['client2', '11.0.0.2', 0, 125_000_000, 125_000_000],
      ['client3', '11.0.0.3', 0, 125_000_000, 125_000_000],
      ['server', '11.0.0.4', 0, 125_000_000, 125_000_000],
    ],
  );
  assert.deepEqual(net.path(0, 3), { latencyNs: 1 * MS, loss: 0 });
  assert.equal(net.minLatencyNs, 1 * MS);
  assert.equal(net.hostIndexByIp(0x0b000004), 3);
  assert.equal(net.hostIndexByIp(0x0b000005), undefined);
  assert.equal(
    net.hostsFile,
    // IPv4 lines as before; Debian's IPv6 loopback lines and each host's IPv6 line (by name order) added.
    '127.0.0.1 localhost\n::1 localhost ip6-localhost ip6-loopback\nff02::1 ip6-allnodes\nff02::2 ip6-allrouters\n11.0.0.1 client1\n11.0.0.2 client2\n11.0.0.3 client3\n11.0.0.4 server\n' +
      'fd75:6d62:7261::1 client1\nfd75:6d62:7261::2 client2\nfd75:6d62:7261::3 client3\nfd75:6d62:7261::4 server\n',
  );
});

test('hosts on a GML graph: per-node bandwidth, overrides, paths via transit nodes', () => {
  const net = buildNetwork(
    {
      network: { graph: { type: 'gml', inline: TWO_SITES }, useShortestPath: true },
      hosts: [
        host('alpha', 0, { bandwidthUpBits: 12_345 }), // 12345 / 8 floors to 1543
        host('beta', 0),
        host('gamma', 1, { ipAddr: '11.0.0.1' }),
      ],
    },
    '/',
  );
  const [alpha, beta, gamma] = net.hosts;
  assert.equal(alpha.bandwidthUpBytesPerSec, 1543);
  assert.equal(alpha.bandwidthDownBytesPerSec, 12_500_000);
  assert.equal(beta.bandwidthUpBytesPerSec, 1_250_000);
  assert.equal(gamma.bandwidthUpBytesPerSec, 125_000_000);
  assert.deepEqual(
    net.hosts.map((h) => ipToString(h.ip)),
    ['11.0.0.2', '11.0.0.3', '11.0.0.1'],
  );
  assert.deepEqual(net.path(0, 1), { latencyNs: 2 * MS, loss: 0 }, 'same node: self-loop');
  assert.deepEqual(net.path(0, 2), { latencyNs: 50 * MS, loss: 0 }, 'through transit node 2');
  assert.deepEqual(net.path(2, 2), { latencyNs: 3 * MS, loss: 0.5 });
  assert.equal(net.minLatencyNs, 2 * MS);
  assert.equal(
    net.hostsFile,
    '127.0.0.1 localhost\n::1 localhost ip6-localhost ip6-loopback\nff02::1 ip6-allnodes\nff02::2 ip6-allrouters\n11.0.0.1 gamma\n11.0.0.2 alpha\n11.0.0.3 beta\n' +
      'fd75:6d62:7261::1 alpha\nfd75:6d62:7261::2 beta\nfd75:6d62:7261::3 gamma\n',
  );
});

test('config mistakes name the host', () => {
  const inputs = (hosts: HostInput[], useShortestPath = true): NetworkInputs => ({
    network: { graph: { type: 'gml', inline: TWO_SITES }, useShortestPath },
    hosts,
  });
  assert.throws(
    () => buildNetwork(inputs([host('a', 7)]), '/'),
    (err: unknown) =>
      err instanceof ConfigError &&
      /^host 'a': network_node_id 7 does not exist in the network graph$/.test(err.message),
  );
  assert.throws(() => buildNetwork(inputs([host('a', 2)]), '/'), /^ConfigError: host 'a': no downstream bandwidth/);
  assert.throws(
    () => buildNetwork(inputs([host('a', 2, { bandwidthDownBits: 8, bandwidthUpBits: 8 })]), '/'),
    /node 2 has hosts but no self-loop edge/,
  );
  assert.throws(
    () => buildNetwork(inputs([host('a', 0), host('b', 1)], false), '/'),
    /use_shortest_path is false but there is no edge between node 0 and node 1/,
  );
  assert.throws(
    () => buildNetwork(inputs([host('a', 0, { ipAddr: '127.0.0.2' })]), '/'),
    /^ConfigError: host 'a': ip_addr 127\.0\.0\.2 cannot be used/,
  );
});
