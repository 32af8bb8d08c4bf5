// Seeded per-host random numbers (xoshiro128++ over 32-bit words, seeded with
// splitmix32), so getrandom, /dev/urandom, ports and packet loss are the same
// for the same seed and host name, and differ between hosts. The shim runs the
// same generator on the same state for getrandom (native/shim/random.c).

function splitmix32(state: { s: number }): number {
  state.s = (state.s + 0x9e3779b9) | 0;
  let z = state.s;
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
  return (z ^ (z >>> 16)) >>> 0;
}

/** FNV-1a over UTF-8 bytes: a stable 32-bit hash of a host name. */
export function hashName(name: string): number {
  let h = 0x811c9dc5;
  for (const b of Buffer.from(name, 'utf8')) {
    h ^= b;
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

export class Rng {
  /**
   * xoshiro128++ state words a, b, c, d. Private at first; shareState moves
   * them into the host's block of the shared region, where the shim advances
   * the same stream for getrandom (native/shim/random.c, the same algorithm).
   */
  private s: Uint32Array = new Uint32Array(4);

  constructor(seed: number) {
    const st = { s: seed | 0 };
    const s = this.s;
    for (let i = 0; i < 4; i++) s[i] = splitmix32(st);
    if ((s[0] | s[1] | s[2] | s[3]) === 0) s[0] = 1;
  }

  /**
   * From now on the state lives in `words` (4 words of the shared region),
   * continuing the stream where it was. Any value a program writes there is a
   * valid state (all zeros included, which yields zeros): nothing to check.
   */
  shareState(words: Uint32Array): void {
    words.set(this.s);
    this.s = words;
  }

  /** Uniform 32-bit unsigned integer. */
  nextU32(): number {
    const s = this.s;
    const a = s[0];
    const b = s[1];
    const result = (rotl((a + s[3]) | 0, 7) + a) | 0;
    const t = b << 9;
    s[2] ^= a;
    s[3] ^= b;
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 11);
    return result >>> 0;
  }

  /** Uniform in [0, 1). */
  nextFloat(): number {
    return this.nextU32() / 4294967296;
  }

  /** Uniform integer in [lo, hi]. */
  nextInt(lo: number, hi: number): number {
    return lo + Math.floor(this.nextFloat() * (hi - lo + 1));
  }

  fill(buf: Uint8Array, offset: number, len: number): void {
    let i = offset;
    const end = offset + len;
    while (i + 4 <= end) {
      const v = this.nextU32();
      buf[i] = v & 0xff;
      buf[i + 1] = (v >>> 8) & 0xff;
      buf[i + 2] = (v >>> 16) & 0xff;
      buf[i + 3] = v >>> 24;
      i += 4;
    }
    if (i < end) {
      let v = this.nextU32();
      while (i < end) {
        buf[i++] = v & 0xff;
        v >>>= 8;
      }
    }
  }
}

function rotl(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k));
}

/** Each host's seed: the master generator's first draw mixed with the host's name. */
export function hostSeed(masterSeed: number, hostName: string): number {
  const master = new Rng(masterSeed);
  return (master.nextU32() ^ hashName(hostName)) >>> 0;
}
