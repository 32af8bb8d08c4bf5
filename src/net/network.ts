// The static network of a run, built once from the config: each host's node,
// address and bandwidth, the (latency, loss) between any two hosts, and the
// hosts file. Everything here is fixed for the whole simulation.

import { ConfigError, type Config, type HostConfig } from '../config/types';
import { assignAddresses, hostsFileText, resolveHostBandwidth } from './addressing';
import { buildRoutes, loadGraph, type PathProperties } from './graph';

export interface NetworkHost {
  readonly name: string;
  /** IPv4 address as uint32. */
  readonly ip: number;
  readonly nodeId: number;
  readonly bandwidthUpBytesPerSec: number;
  readonly bandwidthDownBytesPerSec: number;
}

export interface Network {
  /** Same order as `cfg.hosts`. */
  readonly hosts: readonly NetworkHost[];
  /**
   * Path between two hosts (by index). For two hosts on one node this is the
   * node's self-loop; traffic from a host to itself is loopback and should not
   * ask (it would get the self-loop too).
   */
  path(srcHostIndex: number, dstHostIndex: number): PathProperties;
  /** Smallest latency over all pairs of host-bearing nodes (self pairs included). */
  readonly minLatencyNs: number;
  /** Index of the host owning `ip`, or undefined (packets to it are dropped). */
  hostIndexByIp(ip: number): number | undefined;
  /** Contents of the simulated /etc/hosts. */
  readonly hostsFile: string;
}

/** The parts of a Config the network depends on (a whole Config fits). */
export interface NetworkInputs {
  readonly network: Config['network'];
  readonly hosts: ReadonlyArray<
    Pick<HostConfig, 'name' | 'networkNodeId' | 'ipAddr' | 'bandwidthDownBits' | 'bandwidthUpBits'>
  >;
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

  const ipByName = assignAddresses(cfg.hosts);
  const hosts: NetworkHost[] = cfg.hosts.map((host, index) => {
    const { node, bandwidth } = attachments[index];
    const ip = ipByName.get(host.name);
    if (ip === undefined) throw new Error(`buildNetwork: no address assigned to host '${host.name}'`);
    return {
      name: host.name,
      ip,
      nodeId: node.id,
      bandwidthUpBytesPerSec: Math.floor(bandwidth.upBitsPerSec / 8),
      bandwidthDownBytesPerSec: Math.floor(bandwidth.downBitsPerSec / 8),
    };
  });

  const routes = buildRoutes(
    graph,
    hosts.map((host) => host.nodeId),
    cfg.network.useShortestPath,
  );
  const indexByIp = new Map(hosts.map((host, index) => [host.ip, index]));

  return {
    hosts,
    path(srcHostIndex: number, dstHostIndex: number): PathProperties {
      const src = hosts[srcHostIndex];
      const dst = hosts[dstHostIndex];
      if (src === undefined || dst === undefined) {
        throw new Error(`network: no host index ${src === undefined ? srcHostIndex : dstHostIndex}`);
      }
      return routes.path(src.nodeId, dst.nodeId);
    },
    minLatencyNs: routes.minLatencyNs,
    hostIndexByIp: (ip: number) => indexByIp.get(ip),
    hostsFile: hostsFileText(hosts),
  };
}
