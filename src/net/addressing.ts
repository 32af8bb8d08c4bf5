// How hosts attach to the network: IPv4 address assignment (reference §10),
// the simulated /etc/hosts text (§11.1), and per-host bandwidth resolution (§8).
// Addresses are uint32 numbers (11.0.0.1 = 0x0b000001) everywhere inside umbra.

import { ConfigError } from '../config/types';
import type { Ip6Table } from './ip6';

/** Parses a strict dotted quad ("11.0.0.1"); null if it is not one. Leading zeros are rejected. */
export function parseIp(text: string): number | null {
  const parts = text.split('.');
  if (parts.length !== 4) return null;
  let ip = 0;
  for (const part of parts) {
    if (!/^(0|[1-9][0-9]{0,2})$/.test(part)) return null;
    const octet = Number(part);
    if (octet > 255) return null;
    ip = ip * 256 + octet;
  }
  return ip;
}

export function ipToString(ip: number): string {
  return `${(ip >>> 24) & 255}.${(ip >>> 16) & 255}.${(ip >>> 8) & 255}.${ip & 255}`;
}

/** Why an explicit address cannot be a host's, or null if it can. */
function reservedReason(ip: number): string | null {
  if (ip === 0) return 'the unspecified address';
  if (ip >>> 24 === 127) return 'in the loopback range 127.0.0.0/8';
  if (ip >>> 28 === 0xe) return 'in the multicast range 224.0.0.0/4';
  if (ip === 0xffffffff) return 'the broadcast address';
  return null;
}

/** Byte-wise comparison of UTF-8 names, the order Shadow processes hosts in. */
export function compareNamesBytewise(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}

const FIRST_AUTO_IP = 0x0b000001; // 11.0.0.1

/**
 * Gives every host an IPv4 address: explicit `ipAddr`s first, then the rest in
 * byte-wise name order from 11.0.0.1 upward, skipping .0/.255 and taken addresses.
 */
export function assignAddresses(hosts: ReadonlyArray<{ name: string; ipAddr: string | null }>): Map<string, number> {
  const ordered = [...hosts].sort((a, b) => compareNamesBytewise(a.name, b.name));
  const ipByName = new Map<string, number>();
  const nameByIp = new Map<number, string>();

  ordered.forEach((host, i) => {
    // The config is a YAML mapping, so a repeated name is a caller bug, not a user mistake.
    if (i > 0 && ordered[i - 1].name === host.name) throw new Error(`assignAddresses: host '${host.name}' given twice`);
  });

  for (const host of ordered) {
    if (host.ipAddr === null) continue;
    const ip = parseIp(host.ipAddr);
    if (ip === null) {
      throw new ConfigError(`host '${host.name}': ip_addr "${host.ipAddr}" is not an IPv4 address like 11.0.0.1`);
    }
    const reserved = reservedReason(ip);
    if (reserved !== null) {
      throw new ConfigError(`host '${host.name}': ip_addr ${host.ipAddr} cannot be used (${reserved})`);
    }
    const owner = nameByIp.get(ip);
    if (owner !== undefined) {
      throw new ConfigError(`host '${host.name}': ip_addr ${host.ipAddr} is already used by host '${owner}'`);
    }
    ipByName.set(host.name, ip);
    nameByIp.set(ip, host.name);
  }

  let next = FIRST_AUTO_IP;
  for (const host of ordered) {
    if (host.ipAddr !== null) continue;
    for (;;) {
      const lastOctet = next & 255;
      if (lastOctet !== 0 && lastOctet !== 255 && !nameByIp.has(next) && reservedReason(next) === null) break;
      next++;
    }
    if (next > 0xfffffffe) throw new ConfigError('hosts: ran out of IPv4 addresses to assign automatically');
    ipByName.set(host.name, next);
    nameByIp.set(next, host.name);
    next++;
  }
  return ipByName;
}

/**
 * The simulated /etc/hosts: `127.0.0.1 localhost`, then `<ip> <name>` per host
 * in ascending address order; LF after every line. With IPv6 (a table given)
 * Debian's loopback lines follow localhost and each host's IPv6 line comes
 * after all IPv4 ones, in host order; an IPv6-only host (ip 0) has no IPv4 line.
 */
export function hostsFileText(
  hosts: ReadonlyArray<{ name: string; ip: number; ip6?: number }>,
  ip6?: Ip6Table,
): string {
  const lines = ['127.0.0.1 localhost'];
  if (ip6 !== undefined)
    lines.push('::1 localhost ip6-localhost ip6-loopback', 'ff02::1 ip6-allnodes', 'ff02::2 ip6-allrouters');
  for (const host of [...hosts].sort((a, b) => a.ip - b.ip)) {
    if (host.ip !== 0 || ip6 === undefined) lines.push(`${ipToString(host.ip)} ${host.name}`);
  }
  if (ip6 !== undefined) {
    for (const host of hosts)
      if (host.ip6 !== undefined && host.ip6 !== 0) lines.push(`${ip6.toString(host.ip6)} ${host.name}`);
  }
  return lines.map((line) => `${line}\n`).join('');
}

export interface HostBandwidthBitsPerSec {
  readonly downBitsPerSec: number;
  readonly upBitsPerSec: number;
}

/**
 * A host's bandwidth per direction: its own setting if present, else its
 * node's per-host allowance; the two directions are resolved independently.
 */
export function resolveHostBandwidth(
  host: { name: string; bandwidthDownBits: number | null; bandwidthUpBits: number | null },
  node: { id: number; hostBandwidthDownBitsPerSec: number | null; hostBandwidthUpBitsPerSec: number | null },
): HostBandwidthBitsPerSec {
  const pick = (own: number | null, fromNode: number | null, direction: 'down' | 'up'): number => {
    if (own !== null) return own;
    if (fromNode !== null) return fromNode;
    throw new ConfigError(
      `host '${host.name}': no ${direction}stream bandwidth: set hosts.${host.name}.bandwidth_${direction} ` +
        `or host_bandwidth_${direction} on network graph node ${node.id}`,
    );
  };
  return {
    downBitsPerSec: pick(host.bandwidthDownBits, node.hostBandwidthDownBitsPerSec, 'down'),
    upBitsPerSec: pick(host.bandwidthUpBits, node.hostBandwidthUpBitsPerSec, 'up'),
  };
}
