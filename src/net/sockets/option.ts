// A setsockopt value as the syscall layer hands it to a socket: the caller's
// optlen and the first bytes of optval, read before the socket decides (the
// socket checks sizes first and only then reports a bad pointer, like Linux).

import { E } from '../../abi/errno';

/** Bytes of optval read up front: the largest value any option here looks at (IP_OPTIONS). */
export const OPTVAL_BYTES = 40;

/** Linux's limit on a socket's IP options (MAX_IPOPTLEN). */
const MAX_IPOPTLEN = 40;

export class OptValue {
  /** optlen as passed (may be negative or larger than what was read). */
  len = 0;
  /** optval was NULL. */
  isNull = false;
  /** optval could not be read (NULL included): EFAULT once the option's size rules pass. */
  fault = false;
  /** The first min(len, OPTVAL_BYTES) bytes of optval, when not `fault`. */
  readonly bytes = Buffer.alloc(OPTVAL_BYTES);

  /** The value as a C int (the option's size was checked to be at least 4). */
  int(): number {
    return this.bytes.readInt32LE(0);
  }

  /**
   * The value of a short integer option of another level: an int when optlen
   * is at least 4, else a 16-bit or 8-bit value (0 for an empty or NULL value).
   */
  smallInt(): number {
    if (this.len <= 0 || this.isNull) return 0;
    const n = Math.min(this.len, 4);
    return n === 4 ? this.bytes.readInt32LE(0) : n >= 2 ? this.bytes.readInt16LE(0) : this.bytes.readUInt8(0);
  }

  /** A signed 64-bit field at byte `off` (exact below 2^53). */
  i64(off: number): number {
    return this.bytes.readInt32LE(off + 4) * 4294967296 + this.bytes.readUInt32LE(off);
  }
}

/**
 * IP_OPTIONS of a TCP or UDP socket. None set (the usual case) reads back with
 * optlen 0, which sshd checks to refuse source-routed connections; set ones are
 * padded to 4 bytes with IPOPT_END (0) as Linux stores them, and are never put
 * in packets (the simulated network has no IP options).
 */
export class IpOptions {
  private bytes: Buffer | null = null;

  /** setsockopt(IP_OPTIONS): an empty value clears them. Returns 0 or -errno. */
  set(val: OptValue): number {
    if (val.len > MAX_IPOPTLEN) return -E.EINVAL;
    if (val.len <= 0) {
      this.bytes = null;
      return 0;
    }
    if (val.fault) return -E.EFAULT;
    const padded = (val.len + 3) & ~3;
    const b = Buffer.alloc(padded);
    val.bytes.copy(b, 0, 0, val.len);
    this.bytes = b;
    return 0;
  }

  /** getsockopt(IP_OPTIONS): writes them at the start of out and returns their length (0: none). */
  get(out: DataView): number {
    const b = this.bytes;
    if (b === null) return 0;
    for (let i = 0; i < b.length; i++) out.setUint8(i, b[i]);
    return b.length;
  }
}
