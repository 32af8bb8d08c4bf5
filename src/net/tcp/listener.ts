// A listening socket: answers SYNs with embryonic connections (the SYN
// queue), moves them to the accept queue when the handshake completes, and
// applies the backlog the way Linux does (drop, never refuse).

import { AcceptHooks, TcpConnection, resetFor } from './connection';
import { Segment, TcpFlags } from './segment';
import { TcpConfig } from './types';

export interface TcpListenerConfig {
  localPort: number;
  /** listen(2) backlog. Like Linux, up to backlog + 1 connections wait in the accept queue. */
  backlog: number;
  /** Embryonic connections allowed at once (Linux tcp_max_syn_backlog). */
  maxSynBacklog?: number;
  /** Settings for accepted connections (inherited socket options). */
  connection?: Omit<TcpConfig, 'localPort' | 'remotePort' | 'isn'>;
  /** Deterministic initial sequence number for the connection a SYN opens. */
  isnFor: (syn: Segment) => number;
}

/** What the owner must do with a segment the listener handled. */
export interface ListenerResult {
  /** A new connection in SYN_RECEIVED: route this peer's further segments to it and drain its output. */
  connection: TcpConnection | null;
  /** A segment to send back to the segment's source (a reset). */
  reply: Segment | null;
}

export class TcpListener {
  readonly localPort: number;
  private backlogValue: number;
  private readonly maxSynBacklog: number;
  private readonly synQueue = new Set<TcpConnection>();
  private readonly acceptQueue: TcpConnection[] = [];
  private closed = false;
  private readonly hooks: AcceptHooks;
  /** SYNs dropped because a queue was full (Linux ListenDrops). */
  droppedSyns = 0;

  constructor(private readonly config: TcpListenerConfig) {
    this.localPort = config.localPort;
    this.backlogValue = clampBacklog(config.backlog);
    this.maxSynBacklog = config.maxSynBacklog ?? 4096;
    this.hooks = {
      admit: (conn) => {
        if (this.closed || this.acceptQueue.length > this.backlogValue) return false;
        this.synQueue.delete(conn);
        this.acceptQueue.push(conn);
        return true;
      },
      dropped: (conn) => {
        this.synQueue.delete(conn);
      },
    };
  }

  get state(): 'LISTEN' | 'CLOSED' {
    return this.closed ? 'CLOSED' : 'LISTEN';
  }
  get backlog(): number {
    return this.backlogValue;
  }
  /** listen() again on a listening socket changes only the backlog. */
  setBacklog(backlog: number): void {
    this.backlogValue = clampBacklog(backlog);
  }
  get synQueueLength(): number {
    return this.synQueue.size;
  }
  get acceptQueueLength(): number {
    return this.acceptQueue.length;
  }
  /** poll(POLLIN) on a listener: a connection is ready for accept(). */
  get isReadable(): boolean {
    return this.acceptQueue.length > 0;
  }

  /** Handles a segment that matched no connection but this listener's port. */
  onSegment(seg: Segment, nowNs: number): ListenerResult {
    if (this.closed) return { connection: null, reply: resetFor(seg) };
    if (seg.flags & TcpFlags.RST) return { connection: null, reply: null };
    if (seg.flags & TcpFlags.ACK) return { connection: null, reply: resetFor(seg) };
    if (!(seg.flags & TcpFlags.SYN)) return { connection: null, reply: null };
    if (this.acceptQueue.length > this.backlogValue || this.synQueue.size >= this.maxSynBacklog) {
      // Linux drops rather than refuses, so the client's SYN retries may succeed later.
      this.droppedSyns += 1;
      return { connection: null, reply: null };
    }
    const conn = TcpConnection.acceptSyn(
      {
        ...(this.config.connection ?? {}),
        localPort: this.localPort,
        remotePort: seg.srcPort,
        isn: this.config.isnFor(seg) >>> 0,
      },
      seg,
      nowNs,
      this.hooks,
    );
    this.synQueue.add(conn);
    return { connection: conn, reply: null };
  }

  /** accept(): the oldest established connection, or null. */
  accept(): TcpConnection | null {
    const conn = this.acceptQueue.shift() ?? null;
    if (conn) conn.detachFromListener();
    return conn;
  }

  /**
   * close() on the listener: connections not yet accepted are reset. Returns
   * them so the owner can drain their output and forget them.
   */
  close(nowNs: number): TcpConnection[] {
    this.closed = true;
    const victims = [...this.synQueue, ...this.acceptQueue];
    this.synQueue.clear();
    this.acceptQueue.length = 0;
    for (const c of victims) {
      c.detachFromListener();
      c.abort(nowNs);
    }
    return victims;
  }
}

function clampBacklog(backlog: number): number {
  // Linux clamps to somaxconn (4096) and treats negatives as 0.
  return Math.min(Math.max(Math.floor(backlog), 0), 4096);
}
