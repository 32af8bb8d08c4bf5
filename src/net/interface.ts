// A host's network interface (eth0): the upstream queue discipline and token
// bucket packets wait in before leaving, and the inbound router queue and
// downstream token bucket they pass before reaching the host's sockets.
// Loopback traffic never comes here (the stack delivers it directly).
import { ArrayQueue } from '../core/array-queue';
import { MTU_BYTES, type Packet } from './packet';
import { CodelQueue } from './router-queue';
import { TokenBucket } from './token-bucket';

/** The part of the scheduler the network needs (core's Scheduler fits). */
export interface Clock {
  readonly nowNs: number;
  /**
   * klass 0 marks a packet arrival (runs before other events at the same
   * instant); owner: the host the event touches (default srcHostId).
   */
  at(timeNs: number, srcHostId: number, run: () => void, klass?: number, owner?: number): unknown;
}

export type Qdisc = 'fifo' | 'round-robin';

/**
 * A sender's own queue at the interface (one per socket). FIFO ignores it;
 * round-robin takes one packet from each sender with something queued in turn.
 */
export class TxSource {
  readonly queue = new ArrayQueue<Packet>();
  active = false;
}

/**
 * Serialises packets through a token bucket: takes the next packet from
 * `next`, waits until the bucket has tokens for each of its frames (a packet
 * larger than the MTU pays frame by frame, as IP fragments would), then hands
 * it to `done`. One pending event at most, and none while idle.
 */
class Shaper {
  private current: Packet | null = null;
  private remaining = 0;
  private scheduled = false;
  private running = false;
  private readonly runFn = (): void => this.run();

  constructor(
    private readonly bucket: TokenBucket,
    private readonly clock: Clock,
    private readonly hostId: number,
    private readonly enforceFromNs: number,
    private readonly next: (nowNs: number) => Packet | null,
    private readonly done: (p: Packet, nowNs: number) => void,
  ) {}

  /** New work may be available: start now unless already busy or waiting for tokens. */
  kick(): void {
    if (!this.scheduled && !this.running) this.run();
  }

  private run(): void {
    this.scheduled = false;
    this.running = true;
    const now = this.clock.nowNs;
    try {
      for (;;) {
        if (this.current === null) {
          this.current = this.next(now);
          if (this.current === null) return;
          this.remaining = this.current.wireBytes;
        }
        // Bandwidth is not enforced during the bootstrap period (reference §8).
        if (now >= this.enforceFromNs) {
          while (this.remaining > 0) {
            const frame = this.remaining < MTU_BYTES ? this.remaining : MTU_BYTES;
            const ready = this.bucket.readyAtNs(frame, now);
            if (ready > now) {
              this.scheduled = true;
              this.clock.at(ready, this.hostId, this.runFn);
              return;
            }
            this.bucket.consume(frame, now);
            this.remaining -= frame;
          }
        }
        const p = this.current;
        this.current = null;
        this.done(p, now);
      }
    } finally {
      this.running = false;
    }
  }
}

export interface InterfaceOptions {
  upBytesPerSec: number;
  downBytesPerSec: number;
  /** Bandwidth limits apply from this time on (general.bootstrap_end_time). */
  bootstrapEndNs: number;
  qdisc: Qdisc;
}

export class Interface {
  private readonly fifo = new ArrayQueue<Packet>();
  private readonly active = new ArrayQueue<TxSource>();
  private readonly tx: Shaper;
  private readonly rx: Shaper;
  private readonly routerQueue: CodelQueue<Packet>;
  /** Packets the router queue dropped (CoDel or tail). */
  inboundDrops = 0;
  // --- traffic counters (the run report samples them): packets and wire bytes that left and arrived
  sentPackets = 0;
  sentBytes = 0;
  receivedPackets = 0;
  receivedBytes = 0;

  constructor(
    readonly hostId: number,
    clock: Clock,
    private readonly opts: InterfaceOptions,
    /** A packet has left the upstream link (time = clock now). */
    depart: (p: Packet) => void,
    /** A packet made it through the downstream link to the host. */
    arrive: (p: Packet) => void,
  ) {
    this.routerQueue = new CodelQueue<Packet>(() => {
      this.inboundDrops++;
    });
    this.tx = new Shaper(
      new TokenBucket(opts.upBytesPerSec),
      clock,
      hostId,
      opts.bootstrapEndNs,
      () => this.nextOutbound(),
      (p) => {
        if (p.onDepart !== null) p.onDepart(p); // the sender's buffer space comes back
        this.sentPackets++;
        this.sentBytes += p.wireBytes;
        depart(p);
      },
    );
    this.rx = new Shaper(
      new TokenBucket(opts.downBytesPerSec),
      clock,
      hostId,
      opts.bootstrapEndNs,
      (now) => this.routerQueue.dequeue(now),
      (p) => {
        this.receivedPackets++;
        this.receivedBytes += p.wireBytes;
        arrive(p);
      },
    );
  }

  /** Queues an outbound packet from `source` (its sending socket). */
  send(p: Packet, source: TxSource): void {
    if (this.opts.qdisc === 'fifo') {
      this.fifo.push(p);
    } else {
      source.queue.push(p);
      if (!source.active) {
        source.active = true;
        this.active.push(source);
      }
    }
    this.tx.kick();
  }

  /** A packet from the network reaches this host's router queue. */
  receive(p: Packet, nowNs: number): void {
    if (this.routerQueue.enqueue(p, nowNs)) this.rx.kick();
  }

  private nextOutbound(): Packet | null {
    if (this.opts.qdisc === 'fifo') return this.fifo.shift() ?? null;
    const src = this.active.shift();
    if (src === undefined) return null;
    const p = src.queue.shift() as Packet;
    if (src.queue.length > 0) this.active.push(src);
    else src.active = false;
    return p;
  }
}
