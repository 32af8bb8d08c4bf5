// One TCP connection on a host: the pure state machine (connection.ts) plus
// its addresses and port claim, one lazily re-armed timer, the socket that
// owns it, and the readiness bookkeeping that decides when to wake readers.
import { TxSource } from '../interface';
import type { TcpConnection } from './connection';
import type { TcpSocket } from './socket';
import type { TcpPortHold, TcpStack } from './stack';
import type { TcpState } from './types';

/** One connection on a host: the state machine plus addressing, timer, owner and readiness bookkeeping. */
export class TcpEndpoint {
  readonly tx = new TxSource();
  /** The open socket that reports this connection's readiness (null: orphaned or not yet accepted). */
  owner: TcpSocket | null = null;
  /** The listening socket until the connection is accepted. */
  parent: TcpSocket | null = null;
  removed = false;
  /** The handshake completed at some point (a listener's child then waits in the accept queue until accepted). */
  established = false;
  private timerGen = 0;
  /** Time of the live scheduled timer event, or -1. */
  private timerAt = -1;
  private lastState: TcpState;
  private lastReadable = 0;
  private lastError = 0;
  private lastPeerClosed = false;
  /** A writer found no room (Linux SOCK_NOSPACE): wake writers when room comes back. */
  noSpace = false;
  /** Queued in the stack's deferred wake-ups. */
  wakeDeferred = false;
  private readonly fireFn: (gen: number) => void;

  constructor(
    readonly tcp: TcpStack,
    readonly conn: TcpConnection,
    readonly localIp: number,
    readonly localPort: number,
    readonly remoteIp: number,
    readonly remotePort: number,
    readonly hold: TcpPortHold,
  ) {
    this.lastState = conn.state;
    this.fireFn = (gen) => this.fire(gen);
  }

  /** After any call into the connection: send its output, re-arm its timer, report readiness, drop it once closed. */
  settle(): void {
    const c = this.conn;
    if (c.hasOutput) {
      const out = c.takeOutput();
      for (let i = 0; i < out.length; i++) this.tcp.transmit(out[i], this.localIp, this.remoteIp, this.tx);
    }
    const st = c.state;
    const readable = c.readableBytes;
    const err = c.errno;
    const peerClosed = c.peerClosed;
    let wake =
      st !== this.lastState ||
      readable > this.lastReadable ||
      (err !== 0 && err !== this.lastError) ||
      peerClosed !== this.lastPeerClosed;
    if (this.noSpace && c.isWritable) {
      this.noSpace = false;
      wake = true;
    }
    const stateChanged = st !== this.lastState;
    if (st !== 'SYN_SENT' && st !== 'SYN_RECEIVED' && st !== 'CLOSED' && st !== 'LISTEN') this.established = true;
    this.lastState = st;
    this.lastReadable = readable;
    this.lastError = err;
    this.lastPeerClosed = peerClosed;
    if (st === 'CLOSED') {
      this.tcp.remove(this);
    } else {
      this.rearm();
    }
    if (wake && this.owner !== null) {
      if (this.tcp.deferring) this.tcp.deferWake(this);
      else this.owner.notifier.notify();
    }
    if (stateChanged && this.parent !== null) this.parent.childChanged(this);
  }

  /** A wake-up deferred to the end of a batch of arrivals is due. */
  wakeOwner(): void {
    this.wakeDeferred = false;
    if (this.owner !== null) this.owner.notifier.notify();
  }

  /**
   * Keeps one scheduler event at or before the connection's next deadline.
   * A later deadline keeps the earlier event (it re-arms when it fires), so
   * the bulk path's ever-moving retransmission deadline costs no events.
   */
  private rearm(): void {
    const d = this.conn.nextDeadlineNs();
    if (d === null) return;
    if (this.timerAt >= 0 && this.timerAt <= d) return;
    const gen = ++this.timerGen;
    const now = this.tcp.now;
    const at = d > now ? d : now;
    this.timerAt = at;
    this.tcp.stack.clock.at(at, this.tcp.stack.host.id, () => this.fireFn(gen));
  }

  private fire(gen: number): void {
    if (gen !== this.timerGen || this.removed) return;
    this.timerAt = -1;
    const now = this.tcp.now;
    const d = this.conn.nextDeadlineNs();
    if (d === null) return;
    if (d > now) {
      this.rearm();
      return;
    }
    const outer = this.tcp.enter();
    try {
      this.conn.onTimer(now);
      this.settle();
    } finally {
      this.tcp.leave(outer);
    }
  }

  /** Stops the timer for good (the connection left the host's tables). */
  cancelTimer(): void {
    this.timerGen++;
    this.timerAt = -1;
  }
}
