// 32-bit TCP sequence-number arithmetic (RFC 9293 §3.4). The state machine
// keeps absolute 53-bit stream positions internally and converts to and from
// wire sequence numbers only here, so wraparound lives in one place.

const TWO_POW_32 = 0x1_0000_0000;

/** Adds n to a 32-bit sequence number, wrapping modulo 2^32. */
export function seqAdd(seq: number, n: number): number {
  return (seq + n) >>> 0;
}

/** Signed distance a - b in (-2^31, 2^31], the basis of every comparison. */
export function seqDiff(a: number, b: number): number {
  return (a - b) | 0;
}

export function seqLt(a: number, b: number): boolean {
  return seqDiff(a, b) < 0;
}
export function seqLe(a: number, b: number): boolean {
  return seqDiff(a, b) <= 0;
}
export function seqGt(a: number, b: number): boolean {
  return seqDiff(a, b) > 0;
}
export function seqGe(a: number, b: number): boolean {
  return seqDiff(a, b) >= 0;
}

/**
 * Maps a wire sequence number to the absolute stream position nearest to a
 * reference point whose position and wire value are both known. Valid as long
 * as the true position is within 2^31 of the reference, which TCP's window
 * limits guarantee.
 */
export function seqToPos(seq: number, refSeq: number, refPos: number): number {
  return refPos + seqDiff(seq, refSeq);
}

/** Wire sequence number of an absolute position, given the initial number. */
export function posToSeq(initialSeq: number, pos: number): number {
  return (initialSeq + (pos % TWO_POW_32)) >>> 0;
}

export function isUint32(n: number): boolean {
  return Number.isInteger(n) && n >= 0 && n < TWO_POW_32;
}
