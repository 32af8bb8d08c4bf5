// The network graph: loads `network.graph` (built-in switch, inline GML, or a
// possibly xz-compressed file), validates node/edge attributes, and reduces
// routes to one (latency, loss) pair per ordered pair of host-bearing nodes.

import { execFileSync } from 'node:child_process';
import { readFileSync, statSync } from 'node:fs';
import { homedir } from 'node:os';
import { resolve } from 'node:path';

import { ConfigError, type GraphSource } from '../config/types';
import { parseBandwidth, parseTime, UnitSyntaxError } from '../config/units';
import { parseGml, type GmlEdge, type GmlGraph, type GmlNode, type GmlValue } from './gml';

export interface GraphNode {
  readonly id: number;
  /** Per-host allowance for hosts attached here; null when the node does not say. */
  readonly hostBandwidthDownBitsPerSec: number | null;
  readonly hostBandwidthUpBitsPerSec: number | null;
}

export interface GraphEdge {
  readonly source: number;
  readonly target: number;
  readonly latencyNs: number;
  /** Drop probability, rounded to 32-bit float like Shadow stores it. */
  readonly loss: number;
  /** GML line of the edge, for error messages. */
  readonly line: number;
  // umbra's link model (each 0 / null when the edge does not say; see README "Link model")
  /** Each packet's latency is uniform in [latency − jitter, latency + jitter]. */
  readonly jitterNs: number;
  /** Per-link limit (each direction), on top of the hosts' bandwidth; null: none. */
  readonly bandwidthBitsPerSec: number | null;
  /** Gilbert–Elliott correlated loss; null when the edge has none. */
  readonly gilbertElliott: GilbertElliott | null;
  /** Probability that a packet arrives twice. */
  readonly duplicate: number;
  /** Probability that a packet is held back one extra latency, so later ones overtake it. */
  readonly reorder: number;
}

/** Two-state loss: per packet, move between the states, then drop with the state's loss. */
export interface GilbertElliott {
  /** P(good → bad) per packet. */
  readonly enterBad: number;
  /** P(bad → good) per packet. */
  readonly leaveBad: number;
  readonly lossGood: number;
  readonly lossBad: number;
}

export interface NetworkGraph {
  /** Names the graph's source in error messages: `network graph (topo.gml)`. */
  readonly label: string;
  readonly directed: boolean;
  readonly nodes: ReadonlyMap<number, GraphNode>;
  readonly edges: readonly GraphEdge[];
}

export interface PathProperties {
  readonly latencyNs: number;
  /** 1 − ∏(1 − loss_i) over the path's edges, in 32-bit float arithmetic. */
  readonly loss: number;
}

/** The built-in `1_gbit_switch` graph (reference §9), written as the GML it is equivalent to. */
export const ONE_GBIT_SWITCH_GML = `graph [
  directed 0
  node [
    id 0
    host_bandwidth_down "1 Gbit"
    host_bandwidth_up "1 Gbit"
  ]
  edge [
    source 0
    target 0
    latency "1 ms"
    packet_loss 0.0
  ]
]
`;

const GRAPH_LABEL = 'network graph';

/** Reads and validates the configured graph. Relative file paths resolve against `cwd`. */
export function loadGraph(source: GraphSource, cwd: string): NetworkGraph {
  if (source.type === '1_gbit_switch') return parseGraph(ONE_GBIT_SWITCH_GML, 'network graph (1_gbit_switch)');
  if ('inline' in source) return parseGraph(source.inline, `${GRAPH_LABEL} (inline graph)`);
  const path = resolve(cwd, expandTilde(source.file.path));
  const label = `${GRAPH_LABEL} (${source.file.path})`;
  const bytes = readGraphFile(path, source.file.compression, label);
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    throw new ConfigError(`${label}: file ${path} is not valid UTF-8`);
  }
  return parseGraph(text, label);
}

/** Parses and validates GML text; `label` prefixes error messages. */
export function parseGraph(text: string, label = GRAPH_LABEL): NetworkGraph {
  return graphFromGml(parseGml(text, label), label);
}

/** Tilde expansion as for process paths (config reference §7.1). */
function expandTilde(path: string): string {
  if (path === '~' || path.startsWith('~/')) return (process.env['HOME'] ?? homedir()) + path.slice(1);
  // `~name/...` maps to a fixed /home prefix with no user-database lookup; `~+`, `~-` stay literal.
  const named = /^~([^/+-][^/]*)(\/.*)?$/s.exec(path);
  if (named !== null) return `/home/${named[1] ?? ''}${named[2] ?? ''}`;
  return path;
}

function readGraphFile(path: string, compression: 'xz' | null, label: string): Buffer {
  try {
    if (!statSync(path).isFile()) throw new ConfigError(`${label}: ${path} is not a regular file`);
  } catch (err) {
    if (err instanceof ConfigError) throw err;
    throw new ConfigError(`${label}: cannot read ${path}: ${describeFsError(err)}`);
  }
  if (compression === null) {
    try {
      return readFileSync(path);
    } catch (err) {
      throw new ConfigError(`${label}: cannot read ${path}: ${describeFsError(err)}`);
    }
  }
  try {
    // Real graphs (e.g. Tor network models) decompress to hundreds of MB.
    return execFileSync('xz', ['--decompress', '--stdout', '--', path], {
      maxBuffer: 1024 * 1024 * 1024,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
  } catch (err) {
    if (errorCode(err) === 'ENOENT') {
      throw new ConfigError(`${label}: compression is xz but the 'xz' command is not installed (install xz-utils)`);
    }
    const stderr = errorStderr(err).trim().split('\n')[0] ?? '';
    throw new ConfigError(`${label}: ${path} could not be decompressed as xz${stderr === '' ? '' : `: ${stderr}`}`);
  }
}

function errorCode(err: unknown): string | undefined {
  if (typeof err === 'object' && err !== null && 'code' in err && typeof err.code === 'string') return err.code;
  return undefined;
}

function errorStderr(err: unknown): string {
  if (typeof err === 'object' && err !== null && 'stderr' in err) {
    const stderr = err.stderr;
    if (Buffer.isBuffer(stderr)) return stderr.toString('utf8');
    if (typeof stderr === 'string') return stderr;
  }
  return '';
}

function describeFsError(err: unknown): string {
  switch (errorCode(err)) {
    case 'ENOENT':
      return 'no such file';
    case 'EACCES':
      return 'permission denied';
    case 'EISDIR':
      return 'is a directory';
    default:
      return err instanceof Error ? err.message : String(err);
  }
}

/** Validates the attributes of a parsed GML graph (reference §3–§4). */
export function graphFromGml(gml: GmlGraph, label = GRAPH_LABEL): NetworkGraph {
  const nodes = new Map<number, GraphNode>();
  for (const node of gml.nodes.values()) nodes.set(node.id, validateNode(node, label));
  const edges = gml.edges.map((edge) => validateEdge(edge, nodes, label));
  rejectRepeatedEdges(edges, nodes, gml.directed, label);
  return { label, directed: gml.directed, nodes, edges };
}

/**
 * An edge given twice (in an undirected graph, also as target -> source) is an
 * error: Shadow keeps both and lets the cheaper win, which hides typos in
 * generated graphs and makes the latency depend on which copy is cheaper.
 */
function rejectRepeatedEdges(
  edges: readonly GraphEdge[],
  nodes: ReadonlyMap<number, GraphNode>,
  directed: boolean,
  label: string,
): void {
  // Dense indices keep the pair key a safe integer whatever the ids (node count² < 2^53).
  const indexOf = new Map<number, number>();
  for (const id of nodes.keys()) indexOf.set(id, indexOf.size);
  const count = indexOf.size;
  const seen = new Map<number, GraphEdge>();
  for (const edge of edges) {
    let from = indexOf.get(edge.source) ?? 0;
    let to = indexOf.get(edge.target) ?? 0;
    if (!directed && from > to) [from, to] = [to, from];
    const key = from * count + to;
    const first = seen.get(key);
    if (first === undefined) {
      seen.set(key, edge);
      continue;
    }
    const reversed = first.source !== edge.source;
    const where = reversed
      ? `line ${first.line}, and line ${edge.line} as ${edgeName(edge)}; the graph is undirected`
      : `lines ${first.line} and ${edge.line}`;
    throw new ConfigError(`${label}: ${edgeName(first)} appears twice (${where})`);
  }
}

function edgeName(edge: { source: number; target: number }): string {
  return `edge ${edge.source} -> ${edge.target}`;
}

function validateNode(node: GmlNode, label: string): GraphNode {
  const where = `${label}: node ${node.id} (line ${node.line})`;
  const bandwidth = (key: string): number | null => {
    const value = node.attrs.get(key);
    if (value === undefined) return null;
    const text = expectString(value, `${where}: '${key}' must be a string like "100 Mbit"`);
    let bits: number;
    try {
      bits = parseBandwidth(text).base;
    } catch (err) {
      throw unitError(err, `${where}: '${key}' "${text}"`);
    }
    // A zero rate would pass no traffic at all (or, read as "no limit", hide a typo).
    if (bits === 0) throw new ConfigError(`${where}: '${key}' "${text}" must be greater than zero`);
    return bits;
  };
  return {
    id: node.id,
    hostBandwidthDownBitsPerSec: bandwidth('host_bandwidth_down'),
    hostBandwidthUpBitsPerSec: bandwidth('host_bandwidth_up'),
  };
}

function validateEdge(edge: GmlEdge, nodes: ReadonlyMap<number, GraphNode>, label: string): GraphEdge {
  const where = `${label}: ${edgeName(edge)} (line ${edge.line})`;
  if (!nodes.has(edge.source)) throw new ConfigError(`${where}: source node ${edge.source} does not exist`);
  if (!nodes.has(edge.target)) throw new ConfigError(`${where}: target node ${edge.target} does not exist`);

  const time = (key: string, value: GmlValue): number => {
    const text = expectString(value, `${where}: '${key}' must be a string with a time unit like "10 ms"`);
    try {
      return parseTime(text).base;
    } catch (err) {
      throw unitError(err, `${where}: '${key}' "${text}"`);
    }
  };

  const latencyValue = edge.attrs.get('latency');
  if (latencyValue === undefined) throw new ConfigError(`${where}: 'latency' is required`);
  const latencyNs = time('latency', latencyValue);
  if (latencyNs === 0) throw new ConfigError(`${where}: 'latency' must not be zero`);

  // Shadow validates jitter and ignores it; umbra spreads each packet's latency by it.
  const jitterValue = edge.attrs.get('jitter');
  const jitterNs = jitterValue === undefined ? 0 : time('jitter', jitterValue);

  const probability = (key: string): number | undefined => {
    const value = edge.attrs.get(key);
    if (value === undefined) return undefined;
    if (value.kind !== 'float') {
      throw new ConfigError(
        `${where}: '${key}' must be a float literal such as 0.0 or 0.01, not ${gmlValueText(value)}`,
      );
    }
    const p = Math.fround(value.value);
    if (!(p >= 0 && p <= 1)) throw new ConfigError(`${where}: '${key}' must be in [0, 1], not ${value.value}`);
    return p;
  };
  const loss = probability('packet_loss') ?? 0;

  let bandwidthBitsPerSec: number | null = null;
  const bandwidthValue = edge.attrs.get('bandwidth');
  if (bandwidthValue !== undefined) {
    const text = expectString(bandwidthValue, `${where}: 'bandwidth' must be a string like "100 Mbit"`);
    try {
      bandwidthBitsPerSec = parseBandwidth(text).base;
    } catch (err) {
      throw unitError(err, `${where}: 'bandwidth' "${text}"`);
    }
    if (bandwidthBitsPerSec === 0) throw new ConfigError(`${where}: 'bandwidth' "${text}" must be greater than zero`);
  }

  const enterBad = probability('loss_enter_bad');
  const leaveBad = probability('loss_leave_bad');
  const lossGood = probability('loss_good');
  const lossBad = probability('loss_bad');
  let gilbertElliott: GilbertElliott | null = null;
  if (enterBad !== undefined || leaveBad !== undefined || lossGood !== undefined || lossBad !== undefined) {
    if (enterBad === undefined || leaveBad === undefined) {
      throw new ConfigError(`${where}: correlated loss needs both 'loss_enter_bad' and 'loss_leave_bad'`);
    }
    if (loss > 0) throw new ConfigError(`${where}: give either 'packet_loss' or the 'loss_*' model, not both`);
    gilbertElliott = { enterBad, leaveBad, lossGood: lossGood ?? 0, lossBad: lossBad ?? 1 };
  }
  return {
    source: edge.source,
    target: edge.target,
    latencyNs,
    loss,
    line: edge.line,
    jitterNs,
    bandwidthBitsPerSec,
    gilbertElliott,
    duplicate: probability('packet_duplicate') ?? 0,
    reorder: probability('packet_reorder') ?? 0,
  };
}

function expectString(value: GmlValue, message: string): string {
  if (value.kind !== 'string') throw new ConfigError(`${message}, not ${gmlValueText(value)}`);
  return value.value;
}

function gmlValueText(value: GmlValue): string {
  return value.kind === 'string' ? `"${value.value}"` : `the ${value.kind} ${value.value}`;
}

/** Unit strings follow the configuration's own unit syntax (config reference §9). */
function unitError(err: unknown, what: string): Error {
  if (err instanceof UnitSyntaxError) return new ConfigError(`${what} is invalid: ${err.reason}`);
  return err instanceof Error ? err : new Error(String(err));
}

// ---------------------------------------------------------------------------
// Routing

/** Shadow keeps loss as f32; combine in f32 so tie-breaking and values match it. */
function combineLoss(accumulated: number, edgeLoss: number): number {
  const f = Math.fround;
  return f(1 - f(f(1 - accumulated) * f(1 - edgeLoss)));
}

/**
 * Everything a packet needs about the way between two nodes. A route that
 * does not exist (its links are down) has infinite latency and drops all.
 */
export interface Route {
  readonly latencyNs: number;
  readonly loss: number;
  /** Sum of the edges' jitter: the half-width of the uniform spread around latencyNs. */
  readonly jitterNs: number;
  /** Directed edges crossed, in order: edge index × 2, plus 1 when crossed from target to source. */
  readonly hops: readonly number[];
  readonly reachable: boolean;
}

const UNREACHABLE: Route = { latencyNs: Infinity, loss: 1, jitterNs: 0, hops: [], reachable: false };

/** Routes for every ordered pair of used nodes, computed when built (at startup and after link changes). */
export class RoutingTable {
  /** Smallest latency over all reachable used pairs, self pairs included. */
  readonly minLatencyNs: number;
  /** Smallest latency less jitter over the same pairs: the least time any packet takes. */
  readonly minDelayNs: number;
  private readonly indexOf: ReadonlyMap<number, number>;

  constructor(
    readonly nodeIds: readonly number[],
    private readonly routes: readonly Route[],
  ) {
    this.indexOf = new Map(nodeIds.map((id, index) => [id, index]));
    let min = Infinity;
    let minDelay = Infinity;
    for (const r of routes) {
      min = Math.min(min, r.latencyNs);
      if (r.reachable) minDelay = Math.min(minDelay, r.latencyNs - r.jitterNs);
    }
    this.minLatencyNs = min;
    this.minDelayNs = minDelay;
  }

  /** Path properties from node `srcNode` to node `dstNode`; both must be used nodes. */
  path(srcNode: number, dstNode: number): PathProperties {
    const r = this.route(srcNode, dstNode);
    return { latencyNs: r.latencyNs, loss: r.loss };
  }

  /** The precomputed route (no allocation: the packet path asks this per packet). */
  route(srcNode: number, dstNode: number): Route {
    const src = this.indexOf.get(srcNode);
    const dst = this.indexOf.get(dstNode);
    if (src === undefined || dst === undefined) {
      throw new Error(`routing table: no route ${srcNode}->${dstNode}: not a node with hosts`);
    }
    return this.routes[src * this.nodeIds.length + dst];
  }
}

/**
 * Builds the routing table over the nodes that carry hosts (reference §5–§6).
 * With `useShortestPath`, Dijkstra over the whole graph ordered by (latency,
 * loss) and the node's own self-loop for same-node pairs; otherwise exactly one
 * direct edge per ordered pair. With `edgeUp` (after a link went down), edges
 * it refuses are left out and pairs with no way left become unreachable
 * instead of a configuration error.
 */
export function buildRoutes(
  graph: NetworkGraph,
  usedNodeIds: number[],
  useShortestPath: boolean,
  edgeUp?: (edgeIndex: number) => boolean,
): RoutingTable {
  const used = [...new Set(usedNodeIds)].sort((a, b) => a - b);
  for (const id of used) {
    if (!graph.nodes.has(id)) throw new ConfigError(`${graph.label}: node ${id} does not exist`);
  }
  const count = used.length;
  const routes: Route[] = new Array<Route>(count * count).fill(UNREACHABLE);

  const selfLoops = findSelfLoops(graph, used);
  if (useShortestPath) {
    fillShortestPaths(graph, used, routes, edgeUp);
  } else {
    fillDirectPaths(graph, used, routes, edgeUp);
  }
  // Same-node traffic always takes the self-loop, even when a cheaper cycle exists.
  selfLoops.forEach((edgeIndex, index) => {
    const up = edgeUp === undefined || edgeUp(edgeIndex);
    routes[index * count + index] = up ? edgeRoute(graph.edges[edgeIndex], edgeIndex * 2) : UNREACHABLE;
  });
  return new RoutingTable(used, routes);
}

function edgeRoute(edge: GraphEdge, hop: number): Route {
  return { latencyNs: edge.latencyNs, loss: edge.loss, jitterNs: edge.jitterNs, hops: [hop], reachable: true };
}

/** Index in graph.edges of each used node's one self-loop. */
function findSelfLoops(graph: NetworkGraph, used: readonly number[]): number[] {
  const loopsByNode = new Map<number, number[]>(used.map((id) => [id, []]));
  graph.edges.forEach((edge, i) => {
    if (edge.source === edge.target) loopsByNode.get(edge.source)?.push(i);
  });
  return used.map((id) => {
    const loops = loopsByNode.get(id) ?? [];
    const [first] = loops;
    if (first === undefined) {
      throw new ConfigError(
        `${graph.label}: node ${id} has hosts but no self-loop edge (source ${id} target ${id}); ` +
          'it sets the path between hosts on that node',
      );
    }
    if (loops.length > 1) {
      throw new ConfigError(
        `${graph.label}: node ${id} has ${loops.length} self-loop edges ` +
          `(lines ${loops.map((e) => graph.edges[e].line).join(', ')}); ` +
          'a node with hosts needs exactly one',
      );
    }
    return first;
  });
}

function fillDirectPaths(
  graph: NetworkGraph,
  used: readonly number[],
  routes: Route[],
  edgeUp: ((edgeIndex: number) => boolean) | undefined,
): void {
  const count = used.length;
  const indexOf = new Map(used.map((id, index) => [id, index]));
  const edgeCount = new Uint32Array(count * count);
  const record = (from: number, to: number, edge: GraphEdge, hop: number): void => {
    const cell = from * count + to;
    edgeCount[cell]++;
    routes[cell] = edgeRoute(edge, hop);
  };
  graph.edges.forEach((edge, i) => {
    const from = indexOf.get(edge.source);
    const to = indexOf.get(edge.target);
    if (from === undefined || to === undefined) return;
    if (edgeUp !== undefined && !edgeUp(i)) return;
    record(from, to, edge, i * 2);
    if (!graph.directed && from !== to) record(to, from, edge, i * 2 + 1);
  });
  // Once the run has started the graph was already checked; a missing edge is a link that is down.
  if (edgeUp !== undefined) return;
  for (let from = 0; from < count; from++) {
    for (let to = 0; to < count; to++) {
      const n = edgeCount[from * count + to];
      if (n === 1) continue;
      const pair = graph.directed
        ? `from node ${used[from]} to node ${used[to]}`
        : `between node ${used[from]} and node ${used[to]}`;
      throw new ConfigError(
        n === 0
          ? `${graph.label}: use_shortest_path is false but there is no edge ${pair}; ` +
              'the graph must be complete over nodes with hosts'
          : `${graph.label}: use_shortest_path is false but there are ${n} edges ${pair}; exactly one is needed`,
      );
    }
  }
}

function fillShortestPaths(
  graph: NetworkGraph,
  used: readonly number[],
  routes: Route[],
  edgeUp: ((edgeIndex: number) => boolean) | undefined,
): void {
  const adjacency = buildAdjacency(graph, edgeUp);
  const count = used.length;
  used.forEach((srcId, srcIndex) => {
    const src = adjacency.indexOf.get(srcId);
    if (src === undefined) throw new Error(`unreachable: used node ${srcId} not indexed`);
    const best = dijkstra(adjacency, src);
    used.forEach((dstId, dstIndex) => {
      const dst = adjacency.indexOf.get(dstId);
      if (dst === undefined) throw new Error(`unreachable: used node ${dstId} not indexed`);
      const pathLatencyNs = best.latencyNs[dst];
      if (pathLatencyNs === Infinity) {
        if (edgeUp !== undefined) return;
        throw new ConfigError(
          `${graph.label}: no path from node ${srcId} to node ${dstId}; nodes with hosts must all reach each other` +
            (graph.directed ? ' (the graph is directed: edges go from source to target only)' : ''),
        );
      }
      // Walk the predecessor arcs back from the destination to list the hops.
      const hops: number[] = [];
      let jitterNs = 0;
      for (let node = dst; node !== src;) {
        const arc = best.viaArc[node];
        hops.push(adjacency.hop[arc]);
        jitterNs += graph.edges[adjacency.hop[arc] >> 1].jitterNs;
        node = adjacency.from[arc];
      }
      hops.reverse();
      routes[srcIndex * count + dstIndex] = {
        latencyNs: pathLatencyNs,
        loss: best.loss[dst],
        jitterNs,
        hops,
        reachable: true,
      };
    });
  });
}

/** Compressed adjacency lists over dense node indices (graphs can have a million edges). */
interface Adjacency {
  readonly indexOf: ReadonlyMap<number, number>;
  readonly nodeCount: number;
  /** Out-edges of node i are offsets[i] .. offsets[i+1]-1 in the arrays below. */
  readonly offsets: Uint32Array;
  readonly target: Uint32Array;
  readonly from: Uint32Array;
  /** The directed edge each arc is (see Route.hops). */
  readonly hop: Uint32Array;
  readonly latencyNs: Float64Array;
  readonly loss: Float32Array;
}

function buildAdjacency(graph: NetworkGraph, edgeUp?: (edgeIndex: number) => boolean): Adjacency {
  const indexOf = new Map<number, number>();
  for (const id of graph.nodes.keys()) indexOf.set(id, indexOf.size);
  const nodeCount = indexOf.size;
  const index = (id: number): number => {
    const i = indexOf.get(id);
    if (i === undefined) throw new Error(`unreachable: edge endpoint ${id} was validated`);
    return i;
  };

  // Self-loops never shorten a path (latency > 0), so Dijkstra skips them.
  const arcs: Array<[number, number, GraphEdge, number]> = [];
  graph.edges.forEach((edge, i) => {
    if (edge.source === edge.target) return;
    if (edgeUp !== undefined && !edgeUp(i)) return;
    const from = index(edge.source);
    const to = index(edge.target);
    arcs.push([from, to, edge, i * 2]);
    if (!graph.directed) arcs.push([to, from, edge, i * 2 + 1]);
  });

  const offsets = new Uint32Array(nodeCount + 1);
  for (const [from] of arcs) offsets[from + 1]++;
  for (let i = 0; i < nodeCount; i++) offsets[i + 1] += offsets[i];
  const fill = offsets.slice(0, nodeCount);
  const target = new Uint32Array(arcs.length);
  const fromNode = new Uint32Array(arcs.length);
  const hop = new Uint32Array(arcs.length);
  const latencyNs = new Float64Array(arcs.length);
  const loss = new Float32Array(arcs.length);
  for (const [from, to, edge, h] of arcs) {
    const slot = fill[from]++;
    target[slot] = to;
    fromNode[slot] = from;
    hop[slot] = h;
    latencyNs[slot] = edge.latencyNs;
    loss[slot] = edge.loss;
  }
  return { indexOf, nodeCount, offsets, target, from: fromNode, hop, latencyNs, loss };
}

/** Single-source shortest paths ordered by (latency, then loss); unreachable = Infinity. */
function dijkstra(adj: Adjacency, src: number): { latencyNs: Float64Array; loss: Float32Array; viaArc: Uint32Array } {
  const latencyNs = new Float64Array(adj.nodeCount).fill(Infinity);
  const viaArc = new Uint32Array(adj.nodeCount);
  const loss = new Float32Array(adj.nodeCount).fill(Infinity);
  const done = new Uint8Array(adj.nodeCount);
  latencyNs[src] = 0;
  loss[src] = 0;
  const heap = new PathHeap();
  heap.push(0, 0, src);

  for (let top = heap.pop(); top !== undefined; top = heap.pop()) {
    const node = top.node;
    if (done[node] === 1) continue;
    done[node] = 1;
    const baseLatencyNs = latencyNs[node];
    const baseLoss = loss[node];
    const end = adj.offsets[node + 1];
    for (let arc = adj.offsets[node]; arc < end; arc++) {
      const next = adj.target[arc];
      if (done[next] === 1) continue;
      const candidateLatencyNs = baseLatencyNs + adj.latencyNs[arc];
      const candidateLoss = combineLoss(baseLoss, adj.loss[arc]);
      const knownLatencyNs = latencyNs[next];
      if (
        candidateLatencyNs < knownLatencyNs ||
        (candidateLatencyNs === knownLatencyNs && candidateLoss < loss[next])
      ) {
        latencyNs[next] = candidateLatencyNs;
        loss[next] = candidateLoss;
        viaArc[next] = arc;
        heap.push(candidateLatencyNs, candidateLoss, next);
      }
    }
  }
  return { latencyNs, loss, viaArc };
}

/** Binary min-heap of (latency, loss, node) with lazy deletion of stale entries. */
interface HeapItem {
  readonly latencyNs: number;
  readonly loss: number;
  readonly node: number;
}

class PathHeap {
  private readonly items: HeapItem[] = [];

  push(latencyNs: number, loss: number, node: number): void {
    const items = this.items;
    const item: HeapItem = { latencyNs, loss, node };
    let i = items.length;
    items.push(item);
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!lessThan(item, items[parent])) break;
      items[i] = items[parent];
      i = parent;
    }
    items[i] = item;
  }

  pop(): HeapItem | undefined {
    const items = this.items;
    if (items.length <= 1) return items.pop();
    const top = items[0];
    const last = items.pop() as HeapItem;
    const size = items.length;
    let i = 0;
    for (;;) {
      let child = 2 * i + 1;
      if (child >= size) break;
      if (child + 1 < size && lessThan(items[child + 1], items[child])) child++;
      if (!lessThan(items[child], last)) break;
      items[i] = items[child];
      i = child;
    }
    items[i] = last;
    return top;
  }
}

function lessThan(a: HeapItem, b: HeapItem): boolean {
  return a.latencyNs < b.latencyNs || (a.latencyNs === b.latencyNs && a.loss < b.loss);
}
