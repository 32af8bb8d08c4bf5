// Link changes of the fault schedule on the routing (buildNetwork + changeLink)
// and the link-model attributes of GML edges (graph.ts validation).

import { test } from 'node:test';
import assert from 'node:assert/strict';

import { ConfigError } from '../../src/config/types';
import { parseGraph } from '../../src/net/graph';
import { buildNetwork, type Network, type NetworkInputs } from '../../src/net/network';

const MS = 1_000_000;

const TRIANGLE = `graph [
  node [ id 0 ]
  node [ id 1 ]
  node [ id 2 ]
  edge [ source 0 target 0 latency "1 ms" ]
  edge [ source 1 target 1 latency "1 ms" ]
  edge [ source 0 target 1 latency "10 ms" ]
  edge [ source 0 target 2 latency "20 ms" jitter "2 ms" ]
  edge [ source 2 target 1 latency "20 ms" bandwidth "5 Mbit" ]
]
`;

function triangle(useShortestPath: boolean, schedule: NetworkInputs['schedule'] = []): Network {
  return buildNetwork(
    {
      network: { graph: { type: 'gml', inline: TRIANGLE }, useShortestPath },
      hosts: [0, 1].map((node) => ({
        name: `h${node}`,
        networkNodeId: node,
        ipAddr: null,
        bandwidthDownBits: 1e9,
        bandwidthUpBits: 1e9,
      })),
      schedule,
    },
    '/',
  );
}

test('a link that goes down re-routes around it with use_shortest_path, and back when it comes up', () => {
  const net = triangle(true);
  const direct = net.findEdge(0, 1);
  assert.equal(direct, 2);
  assert.equal(net.findEdge(1, 0), 2, 'undirected: either way round');
  assert.deepEqual(net.route(0, 1).hops, [4]);
  net.changeLink(2, { up: false });
  const around = net.route(0, 1);
  assert.equal(around.reachable, true);
  assert.equal(around.latencyNs, 40 * MS);
  assert.equal(around.jitterNs, 2 * MS, 'jitter adds up along the route');
  assert.deepEqual(around.hops, [6, 8], 'edge 3 forwards, edge 4 forwards');
  assert.deepEqual(net.route(1, 0).hops, [9, 7], 'and backwards the other way');
  net.changeLink(2, { up: true });
  assert.equal(net.route(0, 1).latencyNs, 10 * MS);
});

test('without use_shortest_path a link that goes down drops everything between its nodes', () => {
  const net = triangle(false);
  net.changeLink(2, { up: false });
  assert.equal(net.route(0, 1).reachable, false);
  assert.equal(net.route(1, 0).reachable, false);
  assert.equal(net.route(0, 0).reachable, true, 'the self-loop is another link');
});

test('a latency change applies to routes computed after it; other attributes are kept', () => {
  const net = triangle(true);
  net.changeLink(2, { latencyNs: 50 * MS, loss: 0.25 });
  const r = net.route(0, 1);
  assert.equal(r.latencyNs, 40 * MS, 'the way round is now faster');
  net.changeLink(3, { latencyNs: 35 * MS });
  assert.equal(net.route(0, 1).latencyNs, 50 * MS);
  assert.equal(net.route(0, 1).loss, 0.25);
  net.changeLink(2, { bandwidthBitsPerSec: 1_000_000 });
  assert.equal(net.edges[2].bandwidthBitsPerSec, 1_000_000);
  assert.equal(net.edges[2].latencyNs, 50 * MS);
});

test('a scheduled link that is no edge of the graph is a config error naming the entry', () => {
  const entry = (source: number, target: number): NonNullable<NetworkInputs['schedule']>[number] => ({
    atNs: 0,
    where: 'schedule[4]',
    units: {},
    action: { kind: 'link', source, target, change: { up: false } },
  });
  assert.throws(() => triangle(true, [entry(1, 7)]), /^ConfigError: schedule\[4\]\.link: .* has no edge 1 -> 7$/);
  assert.doesNotThrow(() => triangle(true, [entry(2, 0)]));
});

test('link-model edge attributes: validated, with defaults', () => {
  const edge = (attrs: string) =>
    parseGraph(`graph [ node [ id 0 ] node [ id 1 ] edge [ source 0 target 1 latency "5 ms" ${attrs} ] ]`).edges[0];
  const plain = edge('');
  assert.equal(plain.jitterNs, 0);
  assert.equal(plain.bandwidthBitsPerSec, null);
  assert.equal(plain.gilbertElliott, null);
  assert.equal(plain.duplicate, 0);
  assert.equal(plain.reorder, 0);
  const full = edge(
    'jitter "1 ms" bandwidth "2 Mbit" loss_enter_bad 0.125 loss_leave_bad 0.5 loss_bad 0.75 packet_duplicate 0.25 packet_reorder 0.5',
  );
  assert.equal(full.jitterNs, 1 * MS);
  assert.equal(full.bandwidthBitsPerSec, 2_000_000);
  assert.deepEqual(full.gilbertElliott, { enterBad: 0.125, leaveBad: 0.5, lossGood: 0, lossBad: 0.75 });
  assert.equal(full.duplicate, 0.25);
  assert.equal(full.reorder, 0.5);
  for (const [attrs, message] of [
    ['loss_enter_bad 0.1', /needs both 'loss_enter_bad' and 'loss_leave_bad'/],
    ['packet_loss 0.1 loss_enter_bad 0.1 loss_leave_bad 0.5', /either 'packet_loss' or the 'loss_\*' model/],
    ['packet_duplicate 2.0', /'packet_duplicate' must be in \[0, 1\]/],
    ['packet_reorder 1', /'packet_reorder' must be a float literal/],
    ['bandwidth "0 Mbit"', /'bandwidth' "0 Mbit" must be greater than zero/],
  ] as const) {
    assert.throws(
      () => edge(attrs),
      (e: unknown) => e instanceof ConfigError && message.test(e.message),
    );
  }
});
