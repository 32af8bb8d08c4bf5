// Graph loading, attribute validation (reference §3–§4) and route computation (§5–§6).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { ConfigError } from '../../src/config/types';
import { buildRoutes, loadGraph, ONE_GBIT_SWITCH_GML, parseGraph, type NetworkGraph } from '../../src/net/graph';

const MS = 1_000_000;

function throwsConfig(fn: () => unknown, pattern: RegExp): void {
  assert.throws(fn, (err: unknown) => {
    assert.ok(err instanceof ConfigError, `expected ConfigError, got ${String(err)}`);
    assert.match(err.message, pattern);
    assert.ok(!err.message.includes('\n'), 'error messages are one line');
    return true;
  });
}

interface EdgeSpec {
  s: number;
  t: number;
  latency?: string;
  loss?: string;
  extra?: string;
}

/** Builds GML text: nodes by id, edges with latency (default "1 ms") and optional loss literal. */
function gml(nodes: number[], edges: EdgeSpec[], directed = false): string {
  const lines = ['graph [', `  directed ${directed ? 1 : 0}`];
  for (const id of nodes) lines.push(`  node [ id ${id} host_bandwidth_up "1 Mbit" host_bandwidth_down "1 Mbit" ]`);
  for (const e of edges) {
    const latency = e.latency === undefined ? '' : ` latency "${e.latency}"`;
    const loss = e.loss === undefined ? '' : ` packet_loss ${e.loss}`;
    lines.push(`  edge [ source ${e.s} target ${e.t}${latency}${loss} ${e.extra ?? ''} ]`);
  }
  lines.push(']');
  return lines.join('\n') + '\n';
}

function edge(s: number, t: number, latency: string, loss?: string): EdgeSpec {
  return { s, t, latency, loss };
}

/** Loss of a routed path as Shadow computes it: folded from 0 in 32-bit float arithmetic. */
function pathLoss(...losses: number[]): number {
  const f = Math.fround;
  return losses.reduce((acc, loss) => f(1 - f(f(1 - acc) * f(1 - f(loss)))), 0);
}

function graphOf(nodes: number[], edges: EdgeSpec[], directed = false): NetworkGraph {
  return parseGraph(gml(nodes, edges, directed));
}

// ---------------------------------------------------------------------------
// Attribute validation

test('edge latency: required, a string with a time unit, non-zero', () => {
  const ok = graphOf([0], [edge(0, 0, '10 ms')]);
  assert.equal(ok.edges[0].latencyNs, 10 * MS);
  assert.equal(graphOf([0], [edge(0, 0, '10')]).edges[0].latencyNs, 10_000_000_000, 'unitless = seconds');
  assert.equal(graphOf([0], [edge(0, 0, '250us')]).edges[0].latencyNs, 250_000);
  assert.equal(graphOf([0], [edge(0, 0, '3 \u03bcs')]).edges[0].latencyNs, 3_000);
  assert.equal(graphOf([0], [edge(0, 0, '2 min')]).edges[0].latencyNs, 120_000_000_000);

  throwsConfig(() => graphOf([0], [{ s: 0, t: 0 }]), /^network graph: edge 0 -> 0 \(line 4\): 'latency' is required$/);
  throwsConfig(() => graphOf([0], [edge(0, 0, '0 ms')]), /edge 0 -> 0 .*'latency' must not be zero/);
  throwsConfig(
    () => graphOf([0], [{ s: 0, t: 0, extra: 'latency 10' }]),
    /'latency' must be a string with a time unit/,
  );
  throwsConfig(
    () => graphOf([0], [edge(0, 0, '10 msec')]),
    /^network graph: edge 0 -> 0 \(line 4\): 'latency' "10 msec" is invalid: unknown time unit 'msec'/,
  );
  throwsConfig(
    () => graphOf([0], [edge(0, 0, '1.5 ms')]),
    /'latency' "1\.5 ms" is invalid: the number must be a whole decimal integer/,
  );
  throwsConfig(() => graphOf([0], [edge(0, 0, '-1 ms')]), /'latency' "-1 ms" is invalid: a time cannot be negative/);
  throwsConfig(() => graphOf([0], [edge(0, 0, '10 \u00b5s')]), /unknown time unit/);
  throwsConfig(() => graphOf([0], [edge(0, 0, '10 MS')]), /unknown time unit 'MS'/);
});

test('edge packet_loss: optional float literal in [0, 1], kept as 32-bit float', () => {
  assert.equal(graphOf([0], [edge(0, 0, '1 ms')]).edges[0].loss, 0);
  assert.equal(graphOf([0], [edge(0, 0, '1 ms', '1.0')]).edges[0].loss, 1);
  assert.equal(graphOf([0], [edge(0, 0, '1 ms', '0.01')]).edges[0].loss, Math.fround(0.01));
  assert.equal(graphOf([0], [edge(0, 0, '1 ms', '1e-2')]).edges[0].loss, Math.fround(0.01));
  throwsConfig(() => graphOf([0], [edge(0, 0, '1 ms', '0')]), /'packet_loss' must be a float literal .*not the int 0/);
  throwsConfig(() => graphOf([0], [edge(0, 0, '1 ms', '1')]), /must be a float literal/);
  throwsConfig(() => graphOf([0], [edge(0, 0, '1 ms', '"0.1"')]), /must be a float literal/);
  throwsConfig(() => graphOf([0], [edge(0, 0, '1 ms', '1.5')]), /'packet_loss' must be in \[0, 1\], not 1\.5/);
  throwsConfig(() => graphOf([0], [edge(0, 0, '1 ms', '-0.1')]), /must be in \[0, 1\]/);
});

test('edge jitter: validated, then ignored', () => {
  const withJitter = graphOf([0], [{ s: 0, t: 0, latency: '5 ms', extra: 'jitter "3 ms"' }]);
  assert.equal(withJitter.edges[0].latencyNs, 5 * MS);
  throwsConfig(
    () => graphOf([0], [{ s: 0, t: 0, latency: '5 ms', extra: 'jitter "3 parsecs"' }]),
    /'jitter' "3 parsecs" is invalid: unknown time unit/,
  );
  throwsConfig(() => graphOf([0], [{ s: 0, t: 0, latency: '5 ms', extra: 'jitter 3' }]), /'jitter' must be a string/);
});

test('edge endpoints must exist', () => {
  throwsConfig(
    () => graphOf([0, 1], [edge(0, 3, '1 ms')]),
    /^network graph: edge 0 -> 3 \(line 5\): target node 3 does not exist$/,
  );
  throwsConfig(() => graphOf([0, 1], [edge(9, 0, '1 ms')]), /edge 9 -> 0 .*source node 9 does not exist/);
});

test('node bandwidths: optional strings with bandwidth units', () => {
  const g = parseGraph(
    'graph [\n node [ id 0 host_bandwidth_up "10 Mbit" host_bandwidth_down "1 Gibit" ]\n node [ id 1 ]\n node [ id 2 host_bandwidth_up "10 M" host_bandwidth_down "5 kilobits" ]\n]\n',
  );
  assert.deepEqual(g.nodes.get(0), {
    id: 0,
    hostBandwidthUpBitsPerSec: 10_000_000,
    hostBandwidthDownBitsPerSec: 2 ** 30,
  });
  assert.deepEqual(g.nodes.get(1), { id: 1, hostBandwidthUpBitsPerSec: null, hostBandwidthDownBitsPerSec: null });
  assert.deepEqual(g.nodes.get(2), { id: 2, hostBandwidthUpBitsPerSec: 10_000_000, hostBandwidthDownBitsPerSec: 5000 });
  throwsConfig(
    () => parseGraph('graph [\n node [ id 0 host_bandwidth_up 1000 ]\n]'),
    /^network graph: node 0 \(line 2\): 'host_bandwidth_up' must be a string like "100 Mbit", not the int 1000$/,
  );
  throwsConfig(
    () => parseGraph('graph [ node [ id 0 host_bandwidth_down "10 Mbps" ] ]'),
    /^network graph: node 0 \(line 1\): 'host_bandwidth_down' "10 Mbps" is invalid: unknown bandwidth unit 'Mbps'/,
  );
  throwsConfig(
    () => parseGraph('graph [ node [ id 0 host_bandwidth_down "10 kbit" ] ]'),
    /unknown bandwidth unit 'kbit'/,
  );
  throwsConfig(
    () => parseGraph('graph [ node [ id 0 host_bandwidth_down "10 mega bits" ] ]'),
    /unknown bandwidth unit/,
  );
  // Zero would pass nothing (or read as "unlimited"): refused in any unit.
  throwsConfig(
    () => parseGraph('graph [ node [ id 3 host_bandwidth_down "0 bit" ] ]'),
    /^network graph: node 3 \(line 1\): 'host_bandwidth_down' "0 bit" must be greater than zero$/,
  );
  throwsConfig(
    () => parseGraph('graph [ node [ id 0 host_bandwidth_up "0 Gbit" ] ]'),
    /'host_bandwidth_up' "0 Gbit" must be greater than zero/,
  );
  assert.equal(
    parseGraph('graph [ node [ id 0 host_bandwidth_up "1 bit" ] ]').nodes.get(0)?.hostBandwidthUpBitsPerSec,
    1,
  );
});

// ---------------------------------------------------------------------------
// Loading

test('1_gbit_switch equals its GML, and the GML matches reference §9', () => {
  const builtIn = loadGraph({ type: '1_gbit_switch' }, '/');
  const inline = loadGraph({ type: 'gml', inline: ONE_GBIT_SWITCH_GML }, '/');
  assert.equal(builtIn.label, 'network graph (1_gbit_switch)');
  assert.equal(inline.label, 'network graph (inline graph)');
  assert.deepEqual({ ...builtIn, label: '' }, { ...inline, label: '' });
  assert.equal(builtIn.directed, false);
  assert.deepEqual(
    [...builtIn.nodes.values()],
    [{ id: 0, hostBandwidthDownBitsPerSec: 1_000_000_000, hostBandwidthUpBitsPerSec: 1_000_000_000 }],
  );
  assert.equal(builtIn.edges.length, 1);
  const [loop] = builtIn.edges;
  assert.equal(loop.source, 0);
  assert.equal(loop.target, 0);
  assert.equal(loop.latencyNs, 1 * MS);
  assert.equal(loop.loss, 0);
  const routes = buildRoutes(builtIn, [0], true);
  assert.deepEqual(routes.path(0, 0), { latencyNs: 1 * MS, loss: 0 });
  assert.equal(routes.minLatencyNs, 1 * MS);
});

test('files: relative to cwd, plain or xz; clear errors for missing and non-xz files', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'umbra-net-graph-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const text = gml([0, 1], [edge(0, 0, '3 ms'), edge(1, 1, '4 ms'), edge(0, 1, '7 ms')]);
  writeFileSync(join(dir, 'g.gml'), text);

  const plain = loadGraph({ type: 'gml', file: { path: 'g.gml', compression: null } }, dir);
  assert.deepEqual(plain, parseGraph(text, 'network graph (g.gml)'));

  throwsConfig(
    () => loadGraph({ type: 'gml', file: { path: 'missing.gml', compression: null } }, dir),
    /^network graph \(missing\.gml\): cannot read .*missing\.gml: no such file$/,
  );
  throwsConfig(
    () => loadGraph({ type: 'gml', file: { path: 'g.gml', compression: 'xz' } }, dir),
    /^network graph \(g\.gml\): .*g\.gml could not be decompressed as xz/,
  );
  throwsConfig(() => loadGraph({ type: 'gml', file: { path: '.', compression: null } }, dir), /is not a regular file/);

  writeFileSync(join(dir, 'bad.gml'), 'graph [\n node [ id 0 ]\n edge [ source 0 target 0 ]\n]\n');
  throwsConfig(
    () => loadGraph({ type: 'gml', file: { path: 'bad.gml', compression: null } }, dir),
    /^network graph \(bad\.gml\): edge 0 -> 0 \(line 3\): 'latency' is required$/,
  );

  writeFileSync(join(dir, 'latin1.gml'), Buffer.from([0x67, 0xff, 0x0a]));
  throwsConfig(
    () => loadGraph({ type: 'gml', file: { path: 'latin1.gml', compression: null } }, dir),
    /not valid UTF-8/,
  );

  let haveXz = true;
  try {
    execFileSync('xz', ['--keep', join(dir, 'g.gml')]);
  } catch {
    haveXz = false;
  }
  if (haveXz) {
    const xz = loadGraph({ type: 'gml', file: { path: join(dir, 'g.gml.xz'), compression: 'xz' } }, '/');
    assert.equal(xz.label, `network graph (${join(dir, 'g.gml.xz')})`);
    assert.deepEqual({ ...xz, label: '' }, { ...plain, label: '' });
  } else {
    t.diagnostic('xz not installed: compressed loading not exercised');
  }
});

// ---------------------------------------------------------------------------
// Routing

test('shortest path runs through transit nodes and combines loss', () => {
  // Hosts on 0 and 2; node 1 carries none and needs no self-loop.
  const g = graphOf(
    [0, 1, 2],
    [
      edge(0, 0, '1 ms'),
      edge(2, 2, '1 ms'),
      edge(0, 2, '100 ms'),
      edge(0, 1, '10 ms', '0.1'),
      edge(1, 2, '15 ms', '0.2'),
    ],
  );
  const routes = buildRoutes(g, [2, 0, 0], true);
  assert.deepEqual(routes.nodeIds, [0, 2]);
  const expectedLoss = pathLoss(0.1, 0.2);
  assert.deepEqual(routes.path(0, 2), { latencyNs: 25 * MS, loss: expectedLoss });
  assert.deepEqual(routes.path(2, 0), { latencyNs: 25 * MS, loss: expectedLoss }, 'undirected: same both ways');
  assert.ok(Math.abs(expectedLoss - 0.28) < 1e-6);
  assert.equal(routes.minLatencyNs, 1 * MS);
  assert.throws(() => routes.path(0, 1), /not a node with hosts/);
});

test('path order: latency first, then loss on equal latency', () => {
  // Two 20 ms routes 0-1-3 (loss 0.5) and 0-2-3 (loss 0.1); a lossless 21 ms route 0-4-3.
  const g = graphOf(
    [0, 1, 2, 3, 4],
    [
      edge(0, 0, '1 ms'),
      edge(3, 3, '1 ms'),
      edge(0, 1, '10 ms', '0.5'),
      edge(1, 3, '10 ms'),
      edge(0, 2, '10 ms'),
      edge(2, 3, '10 ms', '0.1'),
      edge(0, 4, '11 ms'),
      edge(4, 3, '10 ms'),
    ],
  );
  const routes = buildRoutes(g, [0, 3], true);
  assert.deepEqual(routes.path(0, 3), { latencyNs: 20 * MS, loss: pathLoss(0, 0.1) });
  // f32 arithmetic, as in Shadow: 1 - (1 - 0.1) is not exactly 0.1.
  assert.notEqual(pathLoss(0, 0.1), Math.fround(0.1));
});

test('an edge given twice is an error naming the edge and both lines (Shadow keeps both)', () => {
  // Lines: 1 graph, 2 directed, 3-4 nodes, then edges from line 5.
  throwsConfig(
    () => graphOf([0, 1], [edge(0, 1, '9 ms'), edge(0, 0, '1 ms'), edge(0, 1, '4 ms')], true),
    /^network graph: edge 0 -> 1 appears twice \(lines 5 and 7\)$/,
  );
  throwsConfig(
    () => graphOf([0, 1], [edge(0, 1, '9 ms'), edge(1, 0, '4 ms')]),
    /^network graph: edge 0 -> 1 appears twice \(line 5, and line 6 as edge 1 -> 0; the graph is undirected\)$/,
  );
  throwsConfig(
    () => graphOf([0], [edge(0, 0, '1 ms'), edge(0, 0, '2 ms')]),
    /^network graph: edge 0 -> 0 appears twice \(lines 4 and 5\)$/,
  );
  // Directed, the two directions are different edges.
  const g = graphOf([0, 1], [edge(0, 0, '1 ms'), edge(1, 1, '1 ms'), edge(0, 1, '9 ms'), edge(1, 0, '4 ms')], true);
  assert.equal(g.edges.length, 4);
  // Large ids do not collide: pairs are keyed by dense index.
  throwsConfig(
    () => graphOf([2_000_000_000, 7], [edge(7, 2_000_000_000, '1 ms'), edge(2_000_000_000, 7, '1 ms')]),
    /edge 7 -> 2000000000 appears twice/,
  );
  assert.equal(graphOf([2_000_000_000, 7, 3], [edge(7, 2_000_000_000, '1 ms'), edge(3, 7, '1 ms')]).edges.length, 2);
});

test('graph errors from a file or inline text name their source', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'umbra-net-graph-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const text = gml([3, 7], [edge(3, 3, '1 ms'), edge(3, 7, '1 ms'), edge(7, 3, '2 ms')]);
  writeFileSync(join(dir, 'topo.gml'), text);
  throwsConfig(
    () => loadGraph({ type: 'gml', file: { path: 'topo.gml', compression: null } }, dir),
    /^network graph \(topo\.gml\): edge 3 -> 7 appears twice \(line 6, and line 7 as edge 7 -> 3; the graph \w+ \w+\)$/,
  );
  throwsConfig(
    () => loadGraph({ type: 'gml', inline: 'graph [ node [ id 1 ] node [ id 1 ] ]' }, dir),
    /^network graph \(inline graph\): node 1 appears twice \(lines 1 and 1\)$/,
  );
  const noLoop = loadGraph({ type: 'gml', inline: gml([0, 1], [edge(0, 0, '1 ms'), edge(0, 1, '1 ms')]) }, dir);
  throwsConfig(
    () => buildRoutes(noLoop, [0, 1], true),
    /^network graph \(inline graph\): node 1 has hosts but no self-loop/,
  );
});

test('directed graphs: edges go one way, paths may be asymmetric', () => {
  const g = graphOf(
    [0, 1, 2],
    [edge(0, 0, '1 ms'), edge(1, 1, '2 ms'), edge(0, 1, '10 ms'), edge(1, 2, '5 ms', '0.5'), edge(2, 0, '5 ms')],
    true,
  );
  const routes = buildRoutes(g, [0, 1], true);
  assert.deepEqual(routes.path(0, 1), { latencyNs: 10 * MS, loss: 0 });
  assert.deepEqual(routes.path(1, 0), { latencyNs: 10 * MS, loss: pathLoss(0.5, 0) });
  assert.deepEqual(routes.path(1, 1), { latencyNs: 2 * MS, loss: 0 });

  const oneWay = graphOf([0, 1], [edge(0, 0, '1 ms'), edge(1, 1, '1 ms'), edge(0, 1, '10 ms')], true);
  throwsConfig(
    () => buildRoutes(oneWay, [0, 1], true),
    /^network graph: no path from node 1 to node 0; .*\(the graph is directed: edges go from source to target only\)$/,
  );
  // The same edge undirected serves both ways.
  assert.equal(
    buildRoutes(graphOf([0, 1], [edge(0, 0, '1 ms'), edge(1, 1, '1 ms'), edge(0, 1, '10 ms')]), [0, 1], true).path(1, 0)
      .latencyNs,
    10 * MS,
  );
});

test('unreachable pairs of used nodes are a ConfigError; unreachable unused nodes are fine', () => {
  const g = graphOf([0, 1, 2], [edge(0, 0, '1 ms'), edge(1, 1, '1 ms'), edge(2, 2, '1 ms'), edge(0, 1, '1 ms')]);
  throwsConfig(
    () => buildRoutes(g, [0, 2], true),
    /^network graph: no path from node 0 to node 2; nodes with hosts must all reach each other$/,
  );
  assert.equal(buildRoutes(g, [0, 1], true).path(0, 1).latencyNs, 1 * MS);
});

test('self-loops: exactly one per used node, always used for same-node traffic', () => {
  // A 2 ms cycle 0-1-0 exists, yet 0->0 uses its own 50 ms self-loop.
  const g = graphOf([0, 1], [edge(0, 0, '50 ms', '0.5'), edge(1, 1, '1 ms'), edge(0, 1, '1 ms')]);
  const routes = buildRoutes(g, [0, 1], true);
  assert.deepEqual(routes.path(0, 0), { latencyNs: 50 * MS, loss: 0.5 });
  assert.equal(routes.minLatencyNs, 1 * MS);

  const missing = graphOf([0, 1], [edge(0, 0, '1 ms'), edge(0, 1, '1 ms')]);
  throwsConfig(() => buildRoutes(missing, [0, 1], true), /^network graph: node 1 has hosts but no self-loop edge/);
  throwsConfig(() => buildRoutes(missing, [0, 1], false), /node 1 has hosts but no self-loop edge/);
  // Node 1 without hosts needs none.
  assert.equal(buildRoutes(missing, [0], true).path(0, 0).latencyNs, 1 * MS);
});

test('use_shortest_path false: exactly one direct edge per ordered pair of used nodes', () => {
  // Direct 0-1 is 100 ms even though 0-2-1 is 2 ms; node 2 has no hosts and is irrelevant.
  const g = graphOf(
    [0, 1, 2],
    [edge(0, 0, '1 ms'), edge(1, 1, '3 ms'), edge(0, 1, '100 ms', '0.5'), edge(0, 2, '1 ms'), edge(2, 1, '1 ms')],
  );
  const direct = buildRoutes(g, [0, 1], false);
  assert.deepEqual(direct.path(0, 1), { latencyNs: 100 * MS, loss: 0.5 });
  assert.deepEqual(direct.path(1, 0), { latencyNs: 100 * MS, loss: 0.5 });
  assert.deepEqual(direct.path(1, 1), { latencyNs: 3 * MS, loss: 0 });
  assert.equal(buildRoutes(g, [0, 1], true).path(0, 1).latencyNs, 2 * MS);

  const incomplete = graphOf(
    [0, 1, 2],
    [edge(0, 0, '1 ms'), edge(1, 1, '1 ms'), edge(0, 2, '1 ms'), edge(2, 1, '1 ms')],
  );
  throwsConfig(
    () => buildRoutes(incomplete, [0, 1], false),
    /^network graph: use_shortest_path is false but there is no edge between node 0 and node 1; the graph must be complete over nodes with hosts$/,
  );

  // Directed: each direction needs its own single edge, and they may differ.
  const directed = graphOf(
    [0, 1],
    [edge(0, 0, '1 ms'), edge(1, 1, '1 ms'), edge(0, 1, '5 ms'), edge(1, 0, '7 ms')],
    true,
  );
  const routes = buildRoutes(directed, [0, 1], false);
  assert.equal(routes.path(0, 1).latencyNs, 5 * MS);
  assert.equal(routes.path(1, 0).latencyNs, 7 * MS);
  const halfDirected = graphOf([0, 1], [edge(0, 0, '1 ms'), edge(1, 1, '1 ms'), edge(0, 1, '5 ms')], true);
  throwsConfig(() => buildRoutes(halfDirected, [0, 1], false), /there is no edge from node 1 to node 0/);
});

test('minLatencyNs is the smallest latency over used pairs, self pairs included', () => {
  const g = graphOf(
    [0, 1, 2],
    [edge(0, 0, '20 ms'), edge(1, 1, '30 ms'), edge(0, 1, '8 ms'), edge(0, 2, '1 ms'), edge(2, 2, '1 ms')],
  );
  assert.equal(buildRoutes(g, [0, 1], true).minLatencyNs, 8 * MS);
  assert.equal(buildRoutes(g, [0], true).minLatencyNs, 20 * MS);
});

test('used node ids must exist in the graph', () => {
  throwsConfig(
    () => buildRoutes(graphOf([0], [edge(0, 0, '1 ms')]), [0, 4], true),
    /^network graph: node 4 does not exist$/,
  );
});

test('shortest paths on a larger random graph agree with Floyd-Warshall', () => {
  // Deterministic pseudo-random graph; integer-ms latencies make ties common.
  let seed = 12345;
  const rand = (n: number): number => {
    seed = (seed * 1103515245 + 12345) % 2 ** 31;
    return seed % n;
  };
  const nodeCount = 40;
  const nodes = Array.from({ length: nodeCount }, (_, i) => i);
  const edges: EdgeSpec[] = nodes.map((i) => edge(i, i, '1 ms'));
  // An edge may appear once only, so the random ones skip pairs already drawn.
  const drawn = new Set<string>();
  const add = (s: number, t: number, latency: string): void => {
    if (s === t || drawn.has(`${s},${t}`)) return;
    drawn.add(`${s},${t}`);
    edges.push(edge(s, t, latency));
  };
  for (let k = 0; k < 150; k++) add(rand(nodeCount), rand(nodeCount), `${1 + rand(20)} ms`);
  for (let i = 1; i < nodeCount; i++) add(i - 1, i, '50 ms'); // keep it connected
  const g = graphOf(nodes, edges, true);
  for (let i = 1; i < nodeCount; i++) add(i, i - 1, '50 ms');
  const gd = graphOf(nodes, edges, true);

  for (const graph of [g, gd]) {
    const dist = nodes.map((i) => nodes.map((j) => (i === j ? 0 : Infinity)));
    for (const e of graph.edges) {
      if (e.source !== e.target) dist[e.source][e.target] = Math.min(dist[e.source][e.target], e.latencyNs);
    }
    for (const k of nodes)
      for (const i of nodes)
        for (const j of nodes) {
          if (dist[i][k] + dist[k][j] < dist[i][j]) dist[i][j] = dist[i][k] + dist[k][j];
        }
    const used = [0, 5, 17, 39];
    const reachable = used.every((i) => used.every((j) => dist[i][j] < Infinity));
    if (!reachable) {
      throwsConfig(() => buildRoutes(graph, used, true), /no path from node/);
      continue;
    }
    const routes = buildRoutes(graph, used, true);
    for (const i of used)
      for (const j of used) {
        assert.equal(routes.path(i, j).latencyNs, i === j ? 1 * MS : dist[i][j], `${i}->${j}`);
      }
  }
});
