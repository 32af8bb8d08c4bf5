// The interface ioctls every socket answers (SIOCGIFCONF, SIOCGIFADDR ...):
// a simulated host has `lo` and `eth0`, described as getifaddrs and
// if_nametoindex expect them.
import type { Thread } from '../../host/thread';
import { E } from '../../abi/errno';
import {
  AF_INET,
  IFREQ_SIZE,
  SIOCGIFADDR,
  SIOCGIFBRDADDR,
  SIOCGIFCONF,
  SIOCGIFFLAGS,
  SIOCGIFHWADDR,
  SIOCGIFINDEX,
  SIOCGIFMTU,
  SIOCGIFNAME,
  SIOCGIFNETMASK,
} from '../../abi/socket';
import type { Kernel } from '../../kernel/kernel';
import { hostLinks, type HostLink } from '../netlink';
import { layerOf } from './layer';

function ifName(k: Kernel, t: Thread, argAddr: number): string | null {
  if (k.mem.read(t.process.nativePid, argAddr, IFREQ_SIZE) !== IFREQ_SIZE) return null;
  const s = k.mem.scratch;
  let end = 0;
  while (end < 16 && s[end] !== 0) end++;
  return s.toString('latin1', 0, end);
}

/** SIOCGIF*: the host's lo and eth0, as getifaddrs sees them. */
export function interfaceIoctl(k: Kernel, t: Thread, hostIp: number, request: number, argAddr: number): number {
  const pid = t.process.nativePid;
  const stack = layerOf(k).stack(t.process.host.id);
  let ip6: Uint8Array | null = null;
  if (stack.ip6 !== 0) stack.ip6Table.write(stack.ip6, (ip6 = new Uint8Array(16)), 0);
  const links = hostLinks(hostIp, ip6);
  if (request === SIOCGIFCONF) {
    if (k.mem.read(pid, argAddr, 16) !== 16) return -E.EFAULT;
    const dv = k.mem.view();
    const cap = dv.getInt32(0, true);
    const buf = dv.getUint32(12, true) * 4294967296 + dv.getUint32(8, true);
    if (buf === 0)
      return k.mem.writeI32(pid, argAddr, links.filter((l) => l.ip !== 0).length * IFREQ_SIZE) ? 0 : -E.EFAULT;
    let n = 0;
    for (const l of links) {
      if (l.ip === 0) continue; // SIOCGIFCONF lists IPv4 addresses: an IPv6-only host's eth0 has none
      if ((n + 1) * IFREQ_SIZE > cap) break;
      const s = k.mem.scratch;
      s.fill(0, 0, IFREQ_SIZE);
      s.write(l.name, 0, 'latin1');
      s.writeUInt16LE(AF_INET, 16);
      s.writeUInt32BE(l.ip >>> 0, 20);
      if (k.mem.writeScratch(pid, buf + n * IFREQ_SIZE, IFREQ_SIZE) !== IFREQ_SIZE) return -E.EFAULT;
      n++;
    }
    return k.mem.writeI32(pid, argAddr, n * IFREQ_SIZE) ? 0 : -E.EFAULT;
  }
  let link: HostLink | undefined;
  if (request === SIOCGIFNAME) {
    if (k.mem.read(pid, argAddr, IFREQ_SIZE) !== IFREQ_SIZE) return -E.EFAULT;
    const index = k.mem.view().getInt32(16, true);
    link = links.find((l) => l.index === index);
    if (!link) return -E.ENODEV;
  } else if (
    request === SIOCGIFFLAGS ||
    request === SIOCGIFADDR ||
    request === SIOCGIFBRDADDR ||
    request === SIOCGIFNETMASK ||
    request === SIOCGIFMTU ||
    request === SIOCGIFHWADDR ||
    request === SIOCGIFINDEX
  ) {
    const name = ifName(k, t, argAddr);
    if (name === null) return -E.EFAULT;
    link = links.find((l) => l.name === name);
    if (!link) return -E.ENODEV;
    const v4Query = request === SIOCGIFADDR || request === SIOCGIFBRDADDR || request === SIOCGIFNETMASK;
    if (v4Query && link.ip === 0) return -E.EADDRNOTAVAIL; // as Linux says for an interface without IPv4
  } else {
    return -E.ENOTTY;
  }
  const s = k.mem.scratch;
  s.fill(0, 0, IFREQ_SIZE);
  s.write(link.name, 0, 'latin1');
  const addr = (ip: number): void => {
    s.writeUInt16LE(AF_INET, 16);
    s.writeUInt32BE(ip >>> 0, 20);
  };
  switch (request) {
    case SIOCGIFNAME:
    case SIOCGIFINDEX:
      s.writeInt32LE(link.index, 16);
      break;
    case SIOCGIFFLAGS:
      s.writeUInt16LE(link.flags & 0xffff, 16);
      break;
    case SIOCGIFADDR:
      addr(link.ip);
      break;
    case SIOCGIFBRDADDR:
      addr(link.broadcast ?? 0);
      break;
    case SIOCGIFNETMASK:
      addr(link.prefixLen === 0 ? 0 : (0xffffffff << (32 - link.prefixLen)) >>> 0);
      break;
    case SIOCGIFMTU:
      s.writeInt32LE(link.mtu, 16);
      break;
    case SIOCGIFHWADDR:
      s.writeUInt16LE(link.type, 16);
      s.set(link.mac, 18);
      break;
  }
  return k.mem.writeScratch(pid, argAddr, IFREQ_SIZE) === IFREQ_SIZE ? 0 : -E.EFAULT;
}
