// What AF_INET6 adds to the UDP and TCP socket files: decoding the address a
// call passes (sockaddr_in6; v4-mapped peers are IPv4 numbers) and the
// IPPROTO_IPV6 options, IPV6_V6ONLY above all (which families `::` takes).
import { E } from '../../abi/errno';
import { AF_INET6, IPV6_MTU, IPV6_MULTICAST_HOPS, IPV6_UNICAST_HOPS, IPV6_V6ONLY } from '../../abi/socket';
import { FAM_V4, FAM_V6 } from '../ip6';
import type { NetworkStack } from '../stack';
import { checkSockaddrIn6, ETH0_INDEX, in6Ip, in6ScopeId, type SockAddr } from './address';
import type { OptValue } from './option';

/** What IPV6_UNICAST_HOPS reports until set (net.ipv6.conf.all.hop_limit). */
const DEFAULT_HOPS = 64;

/**
 * The address of a bind/connect/sendto on an AF_INET6 socket, into `out.ip`;
 * returns 0 or -errno. A v4-mapped address on an IPV6_V6ONLY socket has no
 * route (ENETUNREACH when sending, EINVAL for bind) as on Linux.
 */
export function decodeIn6(
  a: SockAddr,
  stack: NetworkStack,
  familyMask: number,
  forBind: boolean,
  out: { ip: number },
): number {
  const r = checkSockaddrIn6(a);
  if (r < 0) return r;
  if (a.family !== AF_INET6) return forBind ? -E.EAFNOSUPPORT : -E.EAFNOSUPPORT;
  const ip = in6Ip(a, stack.ip6Table);
  if (ip > 0 && (familyMask & FAM_V4) === 0) return forBind ? -E.EINVAL : -E.ENETUNREACH;
  if (ip < 0 && stack.ip6Table.isLinkLocal(ip)) {
    // Linux wants the interface of a link-local address: none is EINVAL, an unknown one ENODEV.
    const scope = in6ScopeId(a);
    if (scope === 0) return -E.EINVAL;
    if (scope !== ETH0_INDEX && scope !== 1) return -E.ENODEV;
  }
  out.ip = ip;
  return 0;
}

/** setsockopt(IPPROTO_IPV6): 0 or -errno; IPV6_V6ONLY changes `s.familyMask` (only before bind). */
export function setIpv6Option(
  s: { familyMask: number },
  bound: boolean,
  name: number,
  v: number,
  val: OptValue,
  store: (name: number, v: number) => void,
): number {
  if (val.len < 4) return -E.EINVAL;
  switch (name) {
    case IPV6_V6ONLY:
      if (bound) return -E.EINVAL;
      s.familyMask = v !== 0 ? FAM_V6 : FAM_V6 | FAM_V4;
      return 0;
    case IPV6_UNICAST_HOPS:
    case IPV6_MULTICAST_HOPS:
      if (v < -1 || v > 255) return -E.EINVAL;
      break;
    case IPV6_MTU:
      return -E.ENOPROTOOPT;
  }
  store(name, v);
  return 0;
}

/**
 * getsockopt(IPPROTO_IPV6) as an int, or null for -ENOTCONN (IPV6_MTU on an
 * unconnected socket). `stored` reads what setIpv6Option kept.
 */
export function getIpv6Option(
  s: { familyMask: number },
  name: number,
  stored: (name: number, dflt: number) => number,
  mtu: number | null,
): number | null {
  switch (name) {
    case IPV6_V6ONLY:
      return (s.familyMask & FAM_V4) === 0 ? 1 : 0;
    case IPV6_UNICAST_HOPS: {
      const v = stored(name, -1);
      return v === -1 ? DEFAULT_HOPS : v;
    }
    case IPV6_MULTICAST_HOPS: {
      const v = stored(name, -1);
      return v === -1 ? 1 : v;
    }
    case IPV6_MTU:
      return mtu;
    default:
      return stored(name, 0);
  }
}
