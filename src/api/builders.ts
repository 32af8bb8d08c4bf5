// Building configurations from code: typed specs (units, signals and final
// states checked by the compiler) turned into the Shadow-format object that
// simulate() and run() take. Keys are camelCase here, snake_case in the result.

/** A time unit umbra accepts (Shadow's spellings). */
export type TimeUnit = 'ns' | 'us' | 'μs' | 'ms' | 's' | 'sec' | 'min' | 'h' | 'hour';
/** A duration such as `'10 s'`, `'250ms'` or a number of seconds. */
export type Duration = `${number} ${TimeUnit}` | `${number}${TimeUnit}` | number;
/** A bandwidth unit: bits per second with a decimal or binary prefix. */
export type BandwidthUnit = 'bit' | 'Kbit' | 'Mbit' | 'Gbit' | 'Kibit' | 'Mibit' | 'Gibit';
/** A bandwidth such as `'100 Mbit'`. */
export type Bandwidth = `${number} ${BandwidthUnit}` | `${number}${BandwidthUnit}`;
/** Signals a process can be stopped with or be expected to die of. */
export type SignalName =
  | 'SIGHUP'
  | 'SIGINT'
  | 'SIGQUIT'
  | 'SIGABRT'
  | 'SIGKILL'
  | 'SIGUSR1'
  | 'SIGSEGV'
  | 'SIGUSR2'
  | 'SIGPIPE'
  | 'SIGALRM'
  | 'SIGTERM';
/** How a process is expected to end: with an exit code, of a signal, or still running at stop time. */
export type ExpectedState = { exited: number } | { signaled: SignalName } | 'running';

/** One process of a host. */
export interface ProcessSpec {
  /** The program: a path, or a name looked up in PATH. */
  path: string;
  /** Arguments: a list, or one string split as a shell would (without expansions). */
  args?: string | readonly string[];
  /** Extra environment variables. */
  environment?: Readonly<Record<string, string>>;
  /** When it starts (default 0). */
  startTime?: Duration;
  /** When shutdownSignal is sent to it (default: never). */
  shutdownTime?: Duration;
  /** The signal sent at shutdownTime (default SIGTERM). */
  shutdownSignal?: SignalName;
  /** How it must end for the run to succeed (default `{ exited: 0 }`). */
  expectedFinalState?: ExpectedState;
}

/** One host. */
export interface HostSpec {
  /** The graph node it is attached to (default 0). */
  networkNodeId?: number;
  /** A fixed IPv4 address (default: assigned). */
  ipAddr?: string;
  /** Overrides of the node's bandwidths. */
  bandwidthUp?: Bandwidth;
  bandwidthDown?: Bandwidth;
  /** Capture its traffic to hosts/<name>/eth0.pcap and lo.pcap. */
  pcap?: boolean;
  processes: readonly ProcessSpec[];
}

/** A node of a graph network. */
export interface NodeSpec {
  id: number;
  /** Bandwidth of the hosts on this node, each way (upBandwidth/downBandwidth override one way). */
  bandwidth?: Bandwidth;
  upBandwidth?: Bandwidth;
  downBandwidth?: Bandwidth;
}

/** An edge of a graph network (undirected). */
export interface EdgeSpec {
  source: number;
  target: number;
  latency: Duration;
  /** Probability that a packet with payload is lost (0 to 1; default 0). */
  packetLoss?: number;
}

/** The network: Shadow's built-in 1 Gbit switch, a graph, or GML text. */
export type NetworkSpec =
  | { type: 'switch' }
  | { type: 'graph'; nodes: readonly NodeSpec[]; edges: readonly EdgeSpec[] }
  | { type: 'gml'; gml: string };

/** A whole scenario. */
export interface ScenarioSpec {
  /** Simulated time at which the run ends. */
  stopTime: Duration;
  /** Seed of every random stream (default 1). */
  seed?: number;
  /** Where outputs go (default umbra.data; it must not exist). */
  dataDirectory?: string;
  /** Write report.html (default true). */
  report?: boolean;
  /** Log level of the simulator's own log. */
  logLevel?: 'error' | 'warning' | 'info' | 'debug' | 'trace';
  /** Default: `{ type: 'switch' }`. */
  network?: NetworkSpec;
  /** Hosts by name (letters, digits, '-', '.'). */
  hosts: Readonly<Record<string, HostSpec>>;
  /** `experimental` keys, in Shadow's snake_case spelling. */
  experimental?: Readonly<Record<string, string | number | boolean | null>>;
}

/** A Shadow-format configuration object, as simulate() and run() take it. */
export type ShadowConfig = Record<string, unknown>;

const timeText = (d: Duration): string | number => d;

function expectedOut(e: ExpectedState): unknown {
  return e === 'running' ? 'running' : e;
}

/** GML wants a float literal for losses: 0 is written 0.0. */
const floatText = (v: number): string => (Number.isInteger(v) ? v.toFixed(1) : String(v));

/** GML text for a graph of nodes and edges. */
export function gmlText(nodes: readonly NodeSpec[], edges: readonly EdgeSpec[]): string {
  const lines = ['graph [', '  directed 0'];
  for (const n of nodes) {
    const up = n.upBandwidth ?? n.bandwidth;
    const down = n.downBandwidth ?? n.bandwidth;
    const attrs = [`id ${n.id}`];
    if (up !== undefined) attrs.push(`host_bandwidth_up "${up}"`);
    if (down !== undefined) attrs.push(`host_bandwidth_down "${down}"`);
    lines.push(`  node [ ${attrs.join(' ')} ]`);
  }
  for (const e of edges) {
    const latency = typeof e.latency === 'number' ? `${e.latency} s` : e.latency;
    lines.push(
      `  edge [ source ${e.source} target ${e.target} latency "${latency}" packet_loss ${floatText(e.packetLoss ?? 0)} ]`,
    );
  }
  lines.push(']');
  return lines.join('\n') + '\n';
}

/**
 * A graph of `nodes` nodes, every pair `latency` apart (with `loss`), each
 * node's hosts with `bandwidth` each way; hosts on one node are `selfLatency` apart.
 */
export function fullMesh(opts: {
  nodes: number;
  bandwidth: Bandwidth;
  latency: Duration;
  loss?: number;
  selfLatency?: Duration;
}): NetworkSpec {
  const nodes: NodeSpec[] = [];
  const edges: EdgeSpec[] = [];
  for (let i = 0; i < opts.nodes; i++) {
    nodes.push({ id: i, bandwidth: opts.bandwidth });
    edges.push({ source: i, target: i, latency: opts.selfLatency ?? '1 ms' });
    for (let j = 0; j < i; j++) edges.push({ source: j, target: i, latency: opts.latency, packetLoss: opts.loss });
  }
  return { type: 'graph', nodes, edges };
}

/** The configuration object for a scenario. */
export function scenario(s: ScenarioSpec): ShadowConfig {
  const general: Record<string, unknown> = { stop_time: timeText(s.stopTime) };
  if (s.seed !== undefined) general.seed = s.seed;
  if (s.dataDirectory !== undefined) general.data_directory = s.dataDirectory;
  if (s.report !== undefined) general.report = s.report;
  if (s.logLevel !== undefined) general.log_level = s.logLevel;
  const net = s.network ?? { type: 'switch' };
  const graph =
    net.type === 'switch'
      ? { type: '1_gbit_switch' }
      : { type: 'gml', inline: net.type === 'gml' ? net.gml : gmlText(net.nodes, net.edges) };
  const hosts: Record<string, unknown> = {};
  for (const [name, h] of Object.entries(s.hosts)) {
    const host: Record<string, unknown> = { network_node_id: h.networkNodeId ?? 0 };
    if (h.ipAddr !== undefined) host.ip_addr = h.ipAddr;
    if (h.bandwidthUp !== undefined) host.bandwidth_up = h.bandwidthUp;
    if (h.bandwidthDown !== undefined) host.bandwidth_down = h.bandwidthDown;
    if (h.pcap !== undefined) host.host_options = { pcap_enabled: h.pcap };
    host.processes = h.processes.map((p) => {
      const out: Record<string, unknown> = { path: p.path };
      if (p.args !== undefined) out.args = typeof p.args === 'string' ? p.args : [...p.args];
      if (p.environment !== undefined) out.environment = { ...p.environment };
      if (p.startTime !== undefined) out.start_time = timeText(p.startTime);
      if (p.shutdownTime !== undefined) out.shutdown_time = timeText(p.shutdownTime);
      if (p.shutdownSignal !== undefined) out.shutdown_signal = p.shutdownSignal;
      if (p.expectedFinalState !== undefined) out.expected_final_state = expectedOut(p.expectedFinalState);
      return out;
    });
    hosts[name] = host;
  }
  const config: ShadowConfig = { general, network: { graph }, hosts };
  if (s.experimental !== undefined) config.experimental = { ...s.experimental };
  return config;
}
