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

  // Jitter is validated so typos surface, but it has no effect (reference §3.3).
  const jitterValue = edge.attrs.get('jitter');
  if (jitterValue !== undefined) time('jitter', jitterValue);

  let loss = 0;
  const lossValue = edge.attrs.get('packet_loss');
  if (lossValue !== undefined) {
    if (lossValue.kind !== 'float') {
      throw new ConfigError(
        `${where}: 'packet_loss' must be a float literal such as 0.0 or 0.01, not ${gmlValueText(lossValue)}`,
      );
    }
    loss = Math.fround(lossValue.value);
    if (!(loss >= 0 && loss <= 1)) {
      throw new ConfigError(`${where}: 'packet_loss' must be in [0, 1], not ${lossValue.value}`);
    }
  }
  return { source: edge.source, target: edge.target, latencyNs, loss, line: edge.line };
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

/** Static (latency, loss) for every ordered pair of used nodes; computed once at startup. */
export class RoutingTable {
  /** Smallest latency over all used pairs, self pairs included. */
  readonly minLatencyNs: number;
  private readonly indexOf: ReadonlyMap<number, number>;

  constructor(
    readonly nodeIds: readonly number[],
    private readonly latencyNs: Float64Array,
    private readonly loss: Float32Array,
  ) {
    this.indexOf = new Map(nodeIds.map((id, index) => [id, index]));
    let min = Infinity;
    for (const value of latencyNs) min = Math.min(min, value);
    this.minLatencyNs = min;
  }

  /** Path properties from node `srcNode` to node `dstNode`; both must be used nodes. */
  path(srcNode: number, dstNode: number): PathProperties {
    const src = this.indexOf.get(srcNode);
    const dst = this.indexOf.get(dstNode);
    if (src === undefined || dst === undefined) {
      throw new Error(`routing table: no route ${srcNode}->${dstNode}: not a node with hosts`);
    }
    const cell = src * this.nodeIds.length + dst;
    return { latencyNs: this.latencyNs[cell], loss: this.loss[cell] };
  }
}

/**
 * Builds the routing table over the nodes that carry hosts (reference §5–§6).
 * With `useShortestPath`, Dijkstra over the whole graph ordered by (latency,
 * loss) and the node's own self-loop for same-node pairs; otherwise exactly one
 * direct edge per ordered pair.
 */
export function buildRoutes(graph: NetworkGraph, usedNodeIds: number[], useShortestPath: boolean): RoutingTable {
  const used = [...new Set(usedNodeIds)].sort((a, b) => a - b);
  for (const id of used) {
    if (!graph.nodes.has(id)) throw new ConfigError(`${graph.label}: node ${id} does not exist`);
  }
  const count = used.length;
  const latencyNs = new Float64Array(count * count);
  const loss = new Float32Array(count * count);

  const selfLoops = findSelfLoops(graph, used);
  if (useShortestPath) {
    fillShortestPaths(graph, used, latencyNs, loss);
  } else {
    fillDirectPaths(graph, used, latencyNs, loss);
  }
  // Same-node traffic always takes the self-loop, even when a cheaper cycle exists.
  selfLoops.forEach((edge, index) => {
    latencyNs[index * count + index] = edge.latencyNs;
    loss[index * count + index] = edge.loss;
  });
  return new RoutingTable(used, latencyNs, loss);
}

function findSelfLoops(graph: NetworkGraph, used: readonly number[]): GraphEdge[] {
  const loopsByNode = new Map<number, GraphEdge[]>(used.map((id) => [id, []]));
  for (const edge of graph.edges) {
    if (edge.source === edge.target) loopsByNode.get(edge.source)?.push(edge);
  }
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
          `(lines ${loops.map((e) => e.line).join(', ')}); ` +
          'a node with hosts needs exactly one',
      );
    }
    return first;
  });
}

function fillDirectPaths(
  graph: NetworkGraph,
  used: readonly number[],
  latencyNs: Float64Array,
  loss: Float32Array,
): void {
  const count = used.length;
  const indexOf = new Map(used.map((id, index) => [id, index]));
  const edgeCount = new Uint32Array(count * count);
  const record = (from: number, to: number, edge: GraphEdge): void => {
    const cell = from * count + to;
    edgeCount[cell]++;
    latencyNs[cell] = edge.latencyNs;
    loss[cell] = edge.loss;
  };
  for (const edge of graph.edges) {
    const from = indexOf.get(edge.source);
    const to = indexOf.get(edge.target);
    if (from === undefined || to === undefined) continue;
    record(from, to, edge);
    if (!graph.directed && from !== to) record(to, from, edge);
  }
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
  latencyNs: Float64Array,
  loss: Float32Array,
): void {
  const adjacency = buildAdjacency(graph);
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
        throw new ConfigError(
          `${graph.label}: no path from node ${srcId} to node ${dstId}; nodes with hosts must all reach each other` +
            (graph.directed ? ' (the graph is directed: edges go from source to target only)' : ''),
        );
      }
      latencyNs[srcIndex * count + dstIndex] = pathLatencyNs;
      loss[srcIndex * count + dstIndex] = best.loss[dst];
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
  readonly latencyNs: Float64Array;
  readonly loss: Float32Array;
}

function buildAdjacency(graph: NetworkGraph): Adjacency {
  const indexOf = new Map<number, number>();
  for (const id of graph.nodes.keys()) indexOf.set(id, indexOf.size);
  const nodeCount = indexOf.size;
  const index = (id: number): number => {
    const i = indexOf.get(id);
    if (i === undefined) throw new Error(`unreachable: edge endpoint ${id} was validated`);
    return i;
  };

  // Self-loops never shorten a path (latency > 0), so Dijkstra skips them.
  const arcs: Array<[number, number, GraphEdge]> = [];
  for (const edge of graph.edges) {
    if (edge.source === edge.target) continue;
    const from = index(edge.source);
    const to = index(edge.target);
    arcs.push([from, to, edge]);
    if (!graph.directed) arcs.push([to, from, edge]);
  }

  const offsets = new Uint32Array(nodeCount + 1);
  for (const [from] of arcs) offsets[from + 1]++;
  for (let i = 0; i < nodeCount; i++) offsets[i + 1] += offsets[i];
  const fill = offsets.slice(0, nodeCount);
  const target = new Uint32Array(arcs.length);
  const latencyNs = new Float64Array(arcs.length);
  const loss = new Float32Array(arcs.length);
  for (const [from, to, edge] of arcs) {
    const slot = fill[from]++;
    target[slot] = to;
    latencyNs[slot] = edge.latencyNs;
    loss[slot] = edge.loss;
  }
  return { indexOf, nodeCount, offsets, target, latencyNs, loss };
}

/** Single-source shortest paths ordered by (latency, then loss); unreachable = Infinity. */
function dijkstra(adj: Adjacency, src: number): { latencyNs: Float64Array; loss: Float32Array } {
  const latencyNs = new Float64Array(adj.nodeCount).fill(Infinity);
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
        heap.push(candidateLatencyNs, candidateLoss, next);
      }
    }
  }
  return { latencyNs, loss };
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
