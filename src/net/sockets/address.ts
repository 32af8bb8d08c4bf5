// Socket addresses in Linux's byte layouts. A SockAddr holds one address as
// bytes: what a call passed in (copied from the process by the syscall layer)
// or what a socket reports back; the helpers read and write sockaddr_in and
// sockaddr_nl in place. (sockaddr_un belongs to unix.ts: it needs the cwd.)
import { E } from '../../abi/errno';
import {
  AF_INET,
  AF_INET6,
  AF_NETLINK,
  AF_UNSPEC,
  SOCKADDR_IN6_MIN,
  SOCKADDR_IN6_SIZE,
  SOCKADDR_IN_SIZE,
  SOCKADDR_MAX,
  SOCKADDR_NL_SIZE,
} from '../../abi/socket';
import type { Ip6Table } from '../ip6';

export class SockAddr {
  /** The address bytes; only the first `len` mean anything. */
  readonly buf = Buffer.alloc(SOCKADDR_MAX);
  /** Its length in bytes (0: no address). */
  len = 0;

  /** sa_family, or AF_UNSPEC when the address is too short to have one. */
  get family(): number {
    return this.len >= 2 ? this.buf.readUInt16LE(0) : AF_UNSPEC;
  }
}

// ------------------------------------------------------------- sockaddr_in

/**
 * Linux's checks on a sockaddr_in: at least the family, and `minLen` bytes
 * unless the family is AF_UNSPEC. Returns 0 or -EINVAL.
 */
export function checkSockaddrIn(a: SockAddr, minLen = SOCKADDR_IN_SIZE): number {
  if (a.len < 2) return -E.EINVAL;
  if (a.family !== AF_UNSPEC && a.len < minLen) return -E.EINVAL;
  return 0;
}

/** sin_port (0 when the address is too short to hold one). */
export function inPort(a: SockAddr): number {
  return a.len < 8 ? 0 : a.buf.readUInt16BE(2);
}

/** sin_addr as a host-order number (0 when the address is too short to hold one). */
export function inIp(a: SockAddr): number {
  return a.len < 8 ? 0 : a.buf.readUInt32BE(4);
}

export function putSockaddrIn(a: SockAddr, ip: number, port: number): void {
  const b = a.buf;
  b.fill(0, 0, SOCKADDR_IN_SIZE);
  b.writeUInt16LE(AF_INET, 0);
  b.writeUInt16BE(port, 2);
  b.writeUInt32BE(ip >>> 0, 4);
  a.len = SOCKADDR_IN_SIZE;
}

// ------------------------------------------------------------- sockaddr_in6

/** Linux's length check on a sockaddr_in6 (sin6_scope_id may be left off). Returns 0 or -EINVAL. */
export function checkSockaddrIn6(a: SockAddr): number {
  return a.len < SOCKADDR_IN6_MIN ? -E.EINVAL : 0;
}

/** The interface index of eth0 (lo is 1), the scope of every link-local address. */
export const ETH0_INDEX = 2;

/** sin6_scope_id (0 when the address is the short RFC 2133 form without one). */
export function in6ScopeId(a: SockAddr): number {
  return a.len < SOCKADDR_IN6_SIZE ? 0 : a.buf.readUInt32LE(24);
}

/** sin6_addr as umbra's address number (net/ip6.ts); the caller checked the length. */
export function in6Ip(a: SockAddr, table: Ip6Table): number {
  return table.idOf(a.buf, 8);
}

/** A sockaddr_in6 for ip (IPv4 numbers become v4-mapped, as an AF_INET6 socket reports IPv4 peers). */
/** An address as a socket of `domain` reports it: sockaddr_in6 (IPv4 v4-mapped) or sockaddr_in. */
export function putSockaddrOf(domain: number, a: SockAddr, table: Ip6Table, ip: number, port: number): void {
  if (domain === AF_INET6) putSockaddrIn6(a, table, ip, port);
  else putSockaddrIn(a, ip, port);
}

export function putSockaddrIn6(a: SockAddr, table: Ip6Table, ip: number, port: number): void {
  const b = a.buf;
  b.fill(0, 0, SOCKADDR_IN6_SIZE);
  b.writeUInt16LE(AF_INET6, 0);
  b.writeUInt16BE(port, 2);
  table.write(ip, b, 8);
  // A link-local address is only meaningful with its interface: eth0 (index 2).
  if (table.isLinkLocal(ip)) b.writeUInt32LE(ETH0_INDEX, 24);
  a.len = SOCKADDR_IN6_SIZE;
}

// ------------------------------------------------------------- sockaddr_nl

/** nl_pid of a sockaddr_nl (the caller checked the length). */
export function nlPid(a: SockAddr): number {
  return a.buf.readInt32LE(4);
}

/** nl_groups of a sockaddr_nl (the caller checked the length). */
export function nlGroups(a: SockAddr): number {
  return a.buf.readUInt32LE(8);
}

export function putSockaddrNl(a: SockAddr, pid: number, groups: number): void {
  const b = a.buf;
  b.fill(0, 0, SOCKADDR_NL_SIZE);
  b.writeUInt16LE(AF_NETLINK, 0);
  b.writeInt32LE(pid | 0, 4);
  b.writeUInt32LE(groups >>> 0, 8);
  a.len = SOCKADDR_NL_SIZE;
}
