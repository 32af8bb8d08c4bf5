// IPv6 addresses inside umbra. IPv4 addresses stay uint32 numbers; an IPv6
// address is a negative number, an id into the run's Ip6Table (which holds its
// 16 bytes), so every map, comparison and packet field keeps taking one number.
// A v4-mapped address (::ffff:a.b.c.d) is the IPv4 number itself: that is what
// travels on the wire. `::` is 0, the wildcard of both families.

/** ::1, the first entry of every table. */
export const IN6ADDR_LOOPBACK = -1;

/** The automatic prefix (a ULA, "umbra" in ASCII after fd): hosts get fd75:6d62:7261::1, ::2… by name order. */
export const AUTO_PREFIX6 = 'fd75:6d62:7261::';
const AUTO_PREFIX6_BYTES = [0xfd, 0x75, 0x6d, 0x62, 0x72, 0x61];

/** Address family bits of a socket's wildcard binding: which packets `0.0.0.0` / `::` takes. */
export const FAM_V4 = 1,
  FAM_V6 = 2;

export function isV6(ip: number): boolean {
  return ip < 0;
}

/** The family bit of a (non-wildcard) address. */
export function familyOf(ip: number): number {
  return ip < 0 ? FAM_V6 : FAM_V4;
}

/** Parses IPv6 text ("fd00::1", "::ffff:1.2.3.4"); 16 bytes or null. No zone ids, no brackets. */
export function parseIp6(text: string): Uint8Array | null {
  if (text.length === 0 || text.length > 45 || !/^[0-9A-Fa-f:.]+$/.test(text)) return null;
  const halves = text.split('::');
  if (halves.length > 2) return null;
  const groups = (part: string): number[] | null => {
    if (part === '') return [];
    const out: number[] = [];
    const items = part.split(':');
    for (let i = 0; i < items.length; i++) {
      const item = items[i];
      if (i === items.length - 1 && item.includes('.')) {
        const q = item.split('.');
        if (q.length !== 4 || !q.every((o) => /^(0|[1-9][0-9]{0,2})$/.test(o) && Number(o) <= 255)) return null;
        out.push(Number(q[0]) * 256 + Number(q[1]), Number(q[2]) * 256 + Number(q[3]));
      } else {
        if (!/^[0-9A-Fa-f]{1,4}$/.test(item)) return null;
        out.push(parseInt(item, 16));
      }
    }
    return out;
  };
  const head = groups(halves[0]);
  const tail = halves.length === 2 ? groups(halves[1]) : [];
  if (head === null || tail === null) return null;
  const n = head.length + tail.length;
  if (halves.length === 2 ? n > 7 : n !== 8) return null;
  const all = [...head, ...new Array<number>(8 - n).fill(0), ...tail];
  const b = new Uint8Array(16);
  all.forEach((g, i) => {
    b[2 * i] = g >> 8;
    b[2 * i + 1] = g & 255;
  });
  return b;
}

/** RFC 5952 text: lower case, the longest run of two or more zero groups as `::`, v4-mapped as ::ffff:a.b.c.d. */
export function formatIp6(b: Uint8Array, off = 0): string {
  let mapped = true;
  for (let i = 0; i < 10; i++) if (b[off + i] !== 0) mapped = false;
  if (mapped && b[off + 10] === 255 && b[off + 11] === 255) {
    return `::ffff:${b[off + 12]}.${b[off + 13]}.${b[off + 14]}.${b[off + 15]}`;
  }
  const g: number[] = [];
  for (let i = 0; i < 8; i++) g.push((b[off + 2 * i] << 8) | b[off + 2 * i + 1]);
  let bestAt = -1,
    bestLen = 1;
  for (let i = 0; i < 8;) {
    if (g[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && g[j] === 0) j++;
    if (j - i > bestLen) {
      bestAt = i;
      bestLen = j - i;
    }
    i = j;
  }
  const hex = (list: number[]): string => list.map((x) => x.toString(16)).join(':');
  if (bestAt < 0) return hex(g);
  return `${hex(g.slice(0, bestAt))}::${hex(g.slice(bestAt + bestLen))}`;
}

/** The IPv6 addresses of one run, by id; ids depend only on the order addresses were first seen. */
export class Ip6Table {
  private readonly byKey = new Map<string, number>();
  private readonly addrs: Uint8Array[] = [];
  private lastId = IN6ADDR_LOOPBACK;

  constructor() {
    const lo = new Uint8Array(16);
    lo[15] = 1;
    this.addrs.push(lo);
    this.byKey.set(String.fromCharCode(...lo), IN6ADDR_LOOPBACK);
  }

  /**
   * The number for 16 address bytes at `off`: 0 for `::`, the IPv4 number for
   * a v4-mapped address, else the (possibly new) negative id.
   */
  idOf(b: Uint8Array, off = 0): number {
    let zeros = 0;
    while (zeros < 10 && b[off + zeros] === 0) zeros++;
    if (zeros === 10) {
      if (b[off + 10] === 255 && b[off + 11] === 255) {
        return ((b[off + 12] << 24) | (b[off + 13] << 16) | (b[off + 14] << 8) | b[off + 15]) >>> 0;
      }
      if ((b[off + 10] | b[off + 11] | b[off + 12] | b[off + 13] | b[off + 14] | b[off + 15]) === 0) return 0;
    }
    return this.intern(b, off);
  }

  private intern(b: Uint8Array, off: number): number {
    // A program sends to the same few peers: the last address found skips building a key.
    const last = this.addrs[-this.lastId - 1];
    let same = true;
    for (let i = 0; i < 16 && same; i++) same = last[i] === b[off + i];
    if (same) return this.lastId;
    let key = '';
    for (let i = 0; i < 16; i++) key += String.fromCharCode(b[off + i]);
    let id = this.byKey.get(key);
    if (id === undefined) {
      this.addrs.push(b.slice(off, off + 16));
      id = -this.addrs.length;
      this.byKey.set(key, id);
    }
    this.lastId = id;
    return id;
  }

  /** Writes the 16 bytes of `ip` (a v6 id, or IPv4 as v4-mapped, 0 as `::`) at `off`. */
  write(ip: number, out: Uint8Array, off: number): void {
    if (ip < 0) {
      out.set(this.addrs[-ip - 1], off);
      return;
    }
    out.fill(0, off, off + 16);
    if (ip === 0) return;
    out[off + 10] = 255;
    out[off + 11] = 255;
    out[off + 12] = (ip >>> 24) & 255;
    out[off + 13] = (ip >>> 16) & 255;
    out[off + 14] = (ip >>> 8) & 255;
    out[off + 15] = ip & 255;
  }

  /** Whether `ip` is a link-local IPv6 address (sockaddr_in6 then carries eth0's scope id). */
  isLinkLocal(ip: number): boolean {
    return ip < 0 && isLinkLocalBytes(this.addrs[-ip - 1]);
  }

  toString(ip: number): string {
    const b = new Uint8Array(16);
    this.write(ip, b, 0);
    return formatIp6(b);
  }
}

/** fe80::/10. */
export function isLinkLocalBytes(b: Uint8Array, off = 0): boolean {
  return b[off] === 0xfe && (b[off + 1] & 0xc0) === 0x80;
}

/**
 * A host's link-local address as Linux's SLAAC forms it from the MAC (EUI-64:
 * ff:fe in the middle, the universal/local bit flipped). umbra's MAC is
 * 02:00 and four bytes: the IPv4 address, or an IPv6-only host's last four.
 */
export function linkLocalFor(ip: number, ip6Bytes: Uint8Array): Uint8Array {
  const b = new Uint8Array(16);
  b[0] = 0xfe;
  b[1] = 0x80;
  const mac = hostMac(ip, ip6Bytes);
  b[8] = mac[0] ^ 2;
  b[9] = mac[1];
  b[10] = mac[2];
  b[11] = 0xff;
  b[12] = 0xfe;
  b[13] = mac[3];
  b[14] = mac[4];
  b[15] = mac[5];
  return b;
}

/** eth0's MAC: 02:00 and the IPv4 address, or (IPv6-only host, ip 0) the IPv6 address's last four bytes. */
export function hostMac(ip: number, ip6Bytes: Uint8Array | null): Uint8Array {
  if (ip === 0 && ip6Bytes !== null)
    return new Uint8Array([2, 0, ip6Bytes[12], ip6Bytes[13], ip6Bytes[14], ip6Bytes[15]]);
  return new Uint8Array([2, 0, (ip >>> 24) & 255, (ip >>> 16) & 255, (ip >>> 8) & 255, ip & 255]);
}

/** Why an explicit IPv6 address cannot be a host's, or null if it can. */
export function reservedReason6(b: Uint8Array): string | null {
  let lead = 0;
  while (lead < 16 && b[lead] === 0) lead++;
  if (lead === 16) return 'the unspecified address ::';
  if (lead === 15 && b[15] === 1) return 'the loopback address ::1';
  if (lead >= 10 && b[10] === 255 && b[11] === 255) return 'an IPv4-mapped address';
  if (b[0] === 0xff) return 'in the multicast range ff00::/8';
  if (b[0] === 0xfe && (b[1] & 0xc0) === 0x80) return 'in the link-local range fe80::/10';
  return null;
}

/**
 * Gives every host that has IPv6 an address: explicit `ip6Addr`s first (already
 * checked by the config loader), then the rest in byte-wise name order from
 * AUTO_PREFIX6 + 1 upward, skipping taken ones. Returns text by host name.
 */
export function assignAddresses6(
  hosts: ReadonlyArray<{ name: string; ip6Addr: string | null; hasIp6: boolean }>,
  compareNames: (a: string, b: string) => number,
): Map<string, Uint8Array> {
  const ordered = [...hosts].filter((h) => h.hasIp6).sort((a, b) => compareNames(a.name, b.name));
  const byName = new Map<string, Uint8Array>();
  const taken = new Set<string>();
  for (const h of ordered) {
    if (h.ip6Addr === null) continue;
    const b = parseIp6(h.ip6Addr);
    if (b === null) throw new Error(`assignAddresses6: '${h.ip6Addr}' was not checked`);
    byName.set(h.name, b);
    taken.add(formatIp6(b));
  }
  let next = 1;
  for (const h of ordered) {
    if (h.ip6Addr !== null) continue;
    let b: Uint8Array;
    for (;;) {
      b = new Uint8Array(16);
      b.set(AUTO_PREFIX6_BYTES, 0);
      for (let i = 0; i < 6; i++) b[15 - i] = Math.floor(next / 256 ** i) & 255;
      next++;
      if (!taken.has(formatIp6(b))) break;
    }
    byName.set(h.name, b);
    taken.add(formatIp6(b));
  }
  return byName;
}
