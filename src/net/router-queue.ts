// The inbound router queue in front of a host's downstream link: CoDel
// active queue management (RFC 8289; target 10 ms, interval 100 ms as in the
// network reference §7) with a hard tail-drop limit so memory stays bounded.
//
// Choice: CoDel keeps Shadow's behaviour (drops come from standing queues,
// not from a size limit) so long flows see realistic delay-based loss. Shadow's
// queue has no length limit; umbra adds one of 10240 packets (Linux fq_codel's
// default) that only a pathological many-to-one burst can reach.

export const CODEL_TARGET_NS = 10_000_000;
export const CODEL_INTERVAL_NS = 100_000_000;
export const ROUTER_QUEUE_LIMIT_PACKETS = 10240;

interface Queued {
  wireBytes: number;
  enqueuedNs: number;
}

/** FIFO ring of packets with CoDel applied at dequeue time. */
export class CodelQueue<P extends Queued> {
  private ring: (P | undefined)[] = new Array(64);
  private head = 0;
  private count = 0;
  private bytes = 0;
  // CoDel state (RFC 8289 §5).
  private firstAboveNs = 0;
  private dropNextNs = 0;
  private dropCount = 0;
  private lastDropCount = 0;
  private dropping = false;
  /** Packets dropped by CoDel / by the tail limit (statistics). */
  codelDrops = 0;
  tailDrops = 0;

  constructor(
    private readonly onDrop: (p: P) => void,
    private readonly limitPackets = ROUTER_QUEUE_LIMIT_PACKETS,
    private readonly mtuBytes = 1500,
  ) {}

  get length(): number {
    return this.count;
  }

  get byteLength(): number {
    return this.bytes;
  }

  /** Appends p (stamped with nowNs); false when the tail limit dropped it. */
  enqueue(p: P, nowNs: number): boolean {
    if (this.count >= this.limitPackets) {
      this.tailDrops++;
      this.onDrop(p);
      return false;
    }
    if (this.count === this.ring.length) this.grow();
    p.enqueuedNs = nowNs;
    this.ring[(this.head + this.count) % this.ring.length] = p;
    this.count++;
    this.bytes += p.wireBytes;
    return true;
  }

  /** The next packet to send at nowNs, after any drops CoDel decides; null if empty. */
  dequeue(nowNs: number): P | null {
    let p = this.pop();
    let okToDrop = this.judge(p, nowNs);
    if (p === null) {
      this.dropping = false;
      return null;
    }
    if (this.dropping) {
      if (!okToDrop) {
        this.dropping = false;
      } else {
        while (nowNs >= this.dropNextNs && this.dropping) {
          this.drop(p as P);
          this.dropCount++;
          p = this.pop();
          okToDrop = this.judge(p, nowNs);
          if (!okToDrop) this.dropping = false;
          else this.dropNextNs = this.controlLaw(this.dropNextNs);
        }
      }
    } else if (okToDrop) {
      this.drop(p);
      p = this.pop();
      okToDrop = this.judge(p, nowNs);
      this.dropping = true;
      // Re-enter drop state near the previous rate if we left it recently.
      const delta = this.dropCount - this.lastDropCount;
      this.dropCount = delta > 1 && nowNs - this.dropNextNs < 16 * CODEL_INTERVAL_NS ? delta : 1;
      this.dropNextNs = this.controlLaw(nowNs);
      this.lastDropCount = this.dropCount;
    }
    return p;
  }

  private pop(): P | null {
    if (this.count === 0) return null;
    const p = this.ring[this.head] as P;
    this.ring[this.head] = undefined;
    this.head = (this.head + 1) % this.ring.length;
    this.count--;
    this.bytes -= p.wireBytes;
    return p;
  }

  /** RFC 8289's dodequeue verdict for a popped packet: may it be dropped? */
  private judge(p: P | null, nowNs: number): boolean {
    if (p === null) {
      this.firstAboveNs = 0;
      return false;
    }
    const sojourn = nowNs - p.enqueuedNs;
    // A queue of at most one MTU cannot be a standing queue worth dropping from.
    if (sojourn < CODEL_TARGET_NS || this.bytes <= this.mtuBytes) {
      this.firstAboveNs = 0;
      return false;
    }
    if (this.firstAboveNs === 0) {
      this.firstAboveNs = nowNs + CODEL_INTERVAL_NS;
      return false;
    }
    return nowNs >= this.firstAboveNs;
  }

  private drop(p: P): void {
    this.codelDrops++;
    this.onDrop(p);
  }

  private controlLaw(t: number): number {
    // Integer nanoseconds keep the schedule exact; Math.sqrt is correctly rounded, so deterministic.
    return t + Math.floor(CODEL_INTERVAL_NS / Math.sqrt(this.dropCount));
  }

  private grow(): void {
    const old = this.ring;
    const next: (P | undefined)[] = new Array(old.length * 2);
    for (let i = 0; i < this.count; i++) next[i] = old[(this.head + i) % old.length];
    this.ring = next;
    this.head = 0;
  }
}
