// The simulated Internet's resolver: answers UDP DNS queries sent to an
// address no host owns (the nameserver of the real /etc/resolv.conf) from the
// simulation's hosts table, and says NXDOMAIN for every other name.
//
// Why it exists (Shadow has none): umbra does not interpose getaddrinfo, and
// glibc asks DNS after /etc/hosts ("hosts: files dns"). Without an answer a
// lookup of an unknown name would wait out the resolver's timeouts (10 s of
// simulated time) and fail with EAI_AGAIN; with it the program sees what it
// would on a Linux machine with working DNS: EAI_NONAME at once.

export const DNS_PORT = 53;

const TYPE_A = 1;
const TYPE_AAAA = 28;
const CLASS_IN = 1;
const RCODE_NXDOMAIN = 3;
const RCODE_FORMERR = 1;
const RCODE_NOTIMP = 4;

/**
 * The response to a DNS query, or null when `query` is not one (it is then
 * dropped like any packet to an address nobody owns). `lookup` maps a
 * lower-case name without the trailing dot to its IPv4 address (an A query)
 * or its 16 IPv6 bytes (`aaaa`): null when the name exists without such a
 * record, undefined when it does not exist.
 */
export function answerDnsQuery(
  query: Uint8Array,
  lookup: (name: string, aaaa: boolean) => number | Uint8Array | null | undefined,
): Uint8Array | null {
  if (query.length < 12) return null;
  const flags = (query[2] << 8) | query[3];
  if ((flags & 0x8000) !== 0) return null; // a response, not a query
  const opcode = (flags >> 11) & 0xf;
  const qdcount = (query[4] << 8) | query[5];
  const rd = flags & 0x0100;
  if (opcode !== 0 || qdcount !== 1)
    return header(query, 12, opcode, rd, opcode !== 0 ? RCODE_NOTIMP : RCODE_FORMERR, 0, 0);
  // The question: labels up to a zero byte, then type and class.
  const labels: string[] = [];
  let i = 12;
  for (;;) {
    if (i >= query.length) return header(query, 12, opcode, rd, RCODE_FORMERR, 0, 0);
    const len = query[i];
    if (len === 0) break;
    if (len > 63 || i + 1 + len > query.length) return header(query, 12, opcode, rd, RCODE_FORMERR, 0, 0);
    labels.push(
      Buffer.from(query.subarray(i + 1, i + 1 + len))
        .toString('latin1')
        .toLowerCase(),
    );
    i += 1 + len;
  }
  const qEnd = i + 5;
  if (qEnd > query.length) return header(query, 12, opcode, rd, RCODE_FORMERR, 0, 0);
  const qtype = (query[i + 1] << 8) | query[i + 2];
  const qclass = (query[i + 3] << 8) | query[i + 4];
  const aaaa = qtype === TYPE_AAAA;
  const ip = labels.length > 0 ? lookup(labels.join('.'), aaaa) : undefined;
  if (ip === undefined) return header(query, qEnd, opcode, rd, RCODE_NXDOMAIN, 1, 0);
  // The name exists but has no such record (a lookup answering an AAAA query with IPv4 has none either).
  if ((qtype !== TYPE_A && !aaaa) || qclass !== CLASS_IN || ip === null || aaaa !== (typeof ip !== 'number')) {
    return header(query, qEnd, opcode, rd, 0, 1, 0);
  }
  const rdLength = typeof ip === 'number' ? 4 : 16;
  const out = header(query, qEnd, opcode, rd, 0, 1, 1, 12 + rdLength);
  let o = qEnd;
  out[o++] = 0xc0; // name: pointer to the question's name at offset 12
  out[o++] = 12;
  out[o++] = 0;
  out[o++] = qtype;
  out[o++] = 0;
  out[o++] = CLASS_IN;
  o += 4; // TTL 0: every run re-resolves, as a hosts-file answer would
  out[o++] = 0;
  out[o++] = rdLength;
  if (typeof ip !== 'number') {
    out.set(ip, o);
    return out;
  }
  out[o++] = (ip >>> 24) & 255;
  out[o++] = (ip >>> 16) & 255;
  out[o++] = (ip >>> 8) & 255;
  out[o] = ip & 255;
  return out;
}

/** A response carrying the query's first `copy` bytes (header + question) with new flags and counts. */
function header(
  query: Uint8Array,
  copy: number,
  opcode: number,
  rd: number,
  rcode: number,
  qd: number,
  an: number,
  extra = 0,
): Uint8Array {
  const out = new Uint8Array(copy + extra);
  out.set(query.subarray(0, copy));
  // QR=1, AA=1 (we are the authority for the simulated world), RA=1.
  const flags = 0x8000 | (opcode << 11) | 0x0400 | rd | 0x0080 | rcode;
  out[2] = flags >> 8;
  out[3] = flags & 0xff;
  out[4] = 0;
  out[5] = qd;
  out[6] = 0;
  out[7] = an;
  out.fill(0, 8, 12);
  return out;
}
