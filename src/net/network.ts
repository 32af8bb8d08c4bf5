// The network of a run, built from the config: each host's node, address and
// bandwidth, the route between any two hosts, and the hosts file. Routes are
// fixed unless the fault schedule changes a link (changeLink rebuilds them).

import type { LinkChange } from '../config/schedule';
import { ConfigError, type Config, type HostConfig } from '../config/types';
import { assignAddresses, compareNamesBytewise, hostsFileText, resolveHostBandwidth } from './addressing';
import { assignAddresses6, Ip6Table, linkLocalFor } from './ip6';
import {
  buildRoutes,
  loadGraph,
  type GraphEdge,
  type NetworkGraph,
  type PathProperties,
  type Route,
  type RoutingTable,
} from './graph';

export interface NetworkHost {
  readonly name: string;
  /** IPv4 address as uint32; 0 for an IPv6-only host. */
  readonly ip: number;
  /** IPv6 address (an id of `Network.ip6`); 0 for an IPv4-only host. */
  readonly ip6: number;
  /** Link-local IPv6 address of eth0 (fe80::/64 from the MAC); 0 for an IPv4-only host. */
  readonly ip6Link: number;
  readonly nodeId: number;
  readonly bandwidthUpBytesPerSec: number;
  readonly bandwidthDownBytesPerSec: number;
}

export interface Network {
  /** Same order as `cfg.hosts`. */
  readonly hosts: readonly NetworkHost[];
  /** The run's IPv6 addresses by id (hosts' first, in host order). */
  readonly ip6: Ip6Table;
  /**
   * Path between two hosts (by index). For two hosts on one node this is the
   * node's self-loop; traffic from a host to itself is loopback and should not
   * ask (it would get the self-loop too).
   */
  path(srcHostIndex: number, dstHostIndex: number): PathProperties;
  /** The full route between two hosts (hops, jitter, reachability); allocates nothing. */
  route(srcHostIndex: number, dstHostIndex: number): Route;
  /** Smallest latency over all pairs of host-bearing nodes (self pairs included), at the start. */
  readonly minLatencyNs: number;
  /** Least time any packet can take between two host-bearing nodes now (latency less jitter; Infinity: no path). */
  readonly minDelayNs: number;
  /** Index of the host owning `ip`, or undefined (packets to it are dropped). */
  hostIndexByIp(ip: number): number | undefined;
  /** Contents of the simulated /etc/hosts. */
  readonly hostsFile: string;
  /** The graph's edges as they are now (link changes replace entries; indices never change). */
  readonly edges: readonly GraphEdge[];
  readonly directed: boolean;
  /** Index of the edge between two GML nodes (either way round unless directed), or undefined. */
  findEdge(source: number, target: number): number | undefined;
  /** Applies a scheduled link change and recomputes every route. */
  changeLink(edgeIndex: number, change: LinkChange): void;
  isEdgeUp(edgeIndex: number): boolean;
}

/** The parts of a Config the network depends on (a whole Config fits). */
export interface NetworkInputs {
  readonly network: Config['network'];
  readonly hosts: ReadonlyArray<
    Pick<HostConfig, 'name' | 'networkNodeId' | 'ipAddr' | 'bandwidthDownBits' | 'bandwidthUpBits'> &
      Partial<Pick<HostConfig, 'ip6Addr' | 'ipFamily'>>
  >;
  readonly schedule?: Config['schedule'];
}

export function buildNetwork(cfg: NetworkInputs, cwd: string): Network {
  const graph = loadGraph(cfg.network.graph, cwd);

  const attachments = cfg.hosts.map((host) => {
    const node = graph.nodes.get(host.networkNodeId);
    if (node === undefined) {
      throw new ConfigError(
        `host '${host.name}': network_node_id ${host.networkNodeId} does not exist in the network graph`,
      );
    }
    return { node, bandwidth: resolveHostBandwidth(host, node) };
  });

  const ipByName = assignAddresses(cfg.hosts.filter((host) => host.ipFamily !== 'ipv6'));
  const ip6ByName = assignAddresses6(
    cfg.hosts.map((host) => ({ name: host.name, ip6Addr: host.ip6Addr ?? null, hasIp6: host.ipFamily !== 'ipv4' })),
    compareNamesBytewise,
  );
  const ip6 = new Ip6Table();
  const hosts: NetworkHost[] = cfg.hosts.map((host, index) => {
    const { node, bandwidth } = attachments[index];
    const ip = host.ipFamily === 'ipv6' ? 0 : ipByName.get(host.name);
    if (ip === undefined) throw new Error(`buildNetwork: no address assigned to host '${host.name}'`);
    const bytes6 = ip6ByName.get(host.name);
    return {
      name: host.name,
      ip,
      ip6: bytes6 === undefined ? 0 : ip6.idOf(bytes6),
      ip6Link: bytes6 === undefined ? 0 : ip6.idOf(linkLocalFor(ip, bytes6)),
      nodeId: node.id,
      bandwidthUpBytesPerSec: Math.floor(bandwidth.upBitsPerSec / 8),
      bandwidthDownBytesPerSec: Math.floor(bandwidth.downBitsPerSec / 8),
    };
  });

  const hostNodes = hosts.map((host) => host.nodeId);
  const initial = buildRoutes(graph, hostNodes, cfg.network.useShortestPath);
  const indexByIp = new Map<number, number>();
  hosts.forEach((host, index) => {
    if (host.ip !== 0) indexByIp.set(host.ip, index);
    if (host.ip6 !== 0) indexByIp.set(host.ip6, index);
    // Every host is on one simulated link: a link-local address reaches its owner like any other.
    if (host.ip6Link !== 0) indexByIp.set(host.ip6Link, index);
  });
  return new LiveNetwork(graph, hosts, hostNodes, initial, indexByIp, cfg, ip6);
}

class LiveNetwork implements Network {
  readonly minLatencyNs: number;
  readonly hostsFile: string;
  readonly edges: GraphEdge[];
  readonly directed: boolean;
  private readonly up: Uint8Array;
  private readonly edgeByPair = new Map<string, number>();

  constructor(
    private readonly graph: NetworkGraph,
    readonly hosts: readonly NetworkHost[],
    private readonly hostNodes: number[],
    private routes: RoutingTable,
    private readonly indexByIp: ReadonlyMap<number, number>,
    private readonly cfg: NetworkInputs,
    readonly ip6: Ip6Table,
  ) {
    this.minLatencyNs = routes.minLatencyNs;
    this.hostsFile = hostsFileText(hosts, ip6);
    this.edges = [...graph.edges];
    this.directed = graph.directed;
    this.up = new Uint8Array(graph.edges.length).fill(1);
    graph.edges.forEach((e, i) => {
      this.edgeByPair.set(`${e.source}:${e.target}`, i);
      if (!graph.directed) this.edgeByPair.set(`${e.target}:${e.source}`, i);
    });
    // A scheduled link must name an edge of this graph: a one-line error before the run starts.
    for (const entry of cfg.schedule ?? []) {
      const a = entry.action;
      if (a.kind === 'link' && this.findEdge(a.source, a.target) === undefined) {
        throw new ConfigError(
          `${entry.where}.link: ${graph.label} has no edge ${a.source} -> ${a.target}` +
            (graph.directed ? ' (the graph is directed)' : ''),
        );
      }
    }
  }

  get minDelayNs(): number {
    return this.routes.minDelayNs;
  }

  private host(index: number): NetworkHost {
    const h = this.hosts[index];
    if (h === undefined) throw new Error(`network: no host index ${index}`);
    return h;
  }

  path(srcHostIndex: number, dstHostIndex: number): PathProperties {
    return this.routes.path(this.host(srcHostIndex).nodeId, this.host(dstHostIndex).nodeId);
  }

  route(srcHostIndex: number, dstHostIndex: number): Route {
    return this.routes.route(this.host(srcHostIndex).nodeId, this.host(dstHostIndex).nodeId);
  }

  hostIndexByIp(ip: number): number | undefined {
    return this.indexByIp.get(ip);
  }

  findEdge(source: number, target: number): number | undefined {
    return this.edgeByPair.get(`${source}:${target}`);
  }

  isEdgeUp(edgeIndex: number): boolean {
    return this.up[edgeIndex] === 1;
  }

  changeLink(edgeIndex: number, change: LinkChange): void {
    const e = this.edges[edgeIndex];
    this.edges[edgeIndex] = {
      ...e,
      latencyNs: change.latencyNs ?? e.latencyNs,
      jitterNs: change.jitterNs ?? e.jitterNs,
      loss: change.loss === undefined ? e.loss : Math.fround(change.loss),
      bandwidthBitsPerSec: change.bandwidthBitsPerSec ?? e.bandwidthBitsPerSec,
    };
    if (change.up !== undefined) this.up[edgeIndex] = change.up ? 1 : 0;
    const current: NetworkGraph = { ...this.graph, edges: this.edges };
    this.routes = buildRoutes(current, this.hostNodes, this.cfg.network.useShortestPath, (i) => this.up[i] === 1);
  }
}
