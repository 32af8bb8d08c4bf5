// One TCP connection as a pure state machine: it is fed segments and an
// explicit clock, and emits segments plus the next timer deadline. No I/O,
// no scheduler, no timers of its own. See index.ts for the API overview.

import { Errno } from './errno';
import { ReceiveQueue, OutOfOrderQueue, SendBuffer } from './buffers';
import { CongestionControl } from './congestion';
import { retransmitGiveUpNs, RttEstimator, SECOND } from './rtt';
import { Segment, SackBlock, TcpFlags, TcpOptions, segmentSeqLength } from './segment';
import { isUint32, posToSeq, seqToPos } from './seq';
import {
  DEFAULT_TCP_SETTINGS,
  KeepaliveOptions,
  LINUX_TCP_STATE,
  LingerOption,
  SHUT_RD,
  SHUT_RDWR,
  SHUT_WR,
  ShutdownHow,
  TcpConfig,
  TcpSettings,
  TcpState,
} from './types';

/** Linux's congestion-avoidance states, as tcp_info reports them. */
export type CaState = 'open' | 'disorder' | 'recovery' | 'loss';
const CA_STATE_NUMBER: Readonly<Record<CaState, number>> = { open: 0, disorder: 1, recovery: 3, loss: 4 };

const DUP_THRESH = 3;
/** Peer MSS assumed when its SYN carries none (RFC 9293 §3.7.1). */
const DEFAULT_PEER_MSS = 536;
const TIMESTAMP_OPTION_BYTES = 12;
const MAX_WSCALE = 14;
/** RFC 6298 §5.7: RTO once established after a retransmitted SYN without an RTT sample. */
const RTO_AFTER_SYN_LOSS_NS = 3 * SECOND;
const NS_PER_MS = 1_000_000;
const NS_PER_US = 1_000;

/** Called by a TcpListener-owned connection so the listener can keep its queues. */
export interface AcceptHooks {
  /** The handshake completed; return false to drop the ACK (accept queue full). */
  admit(conn: TcpConnection): boolean;
  /** The embryonic connection died before completing the handshake. */
  dropped(conn: TcpConnection): void;
}

/** One transmitted segment kept for retransmission and loss accounting. */
interface TxRecord {
  /** Absolute positions [start, end); end includes the FIN's unit. */
  start: number;
  end: number;
  fin: boolean;
  firstSentNs: number;
  lastSentNs: number;
  retransmits: number;
  sacked: boolean;
  /** Considered lost (needs or had a retransmission). */
  lost: boolean;
  /** Retransmitted while lost; counts in flight again. */
  rtxOut: boolean;
}

/** The fields programs read from getsockopt(TCP_INFO), in Linux's units (µs, segments). */
export interface TcpInfo {
  state: TcpState;
  stateNumber: number;
  caState: number;
  retransmits: number;
  probes: number;
  backoff: number;
  /** TCPI_OPT_* bitmask: 1 timestamps, 2 SACK, 4 window scaling. */
  options: number;
  sndWscale: number;
  rcvWscale: number;
  rtoUs: number;
  atoUs: number;
  sndMss: number;
  rcvMss: number;
  unacked: number;
  sacked: number;
  lost: number;
  retrans: number;
  lastDataSentMs: number;
  lastDataRecvMs: number;
  lastAckRecvMs: number;
  pmtu: number;
  rcvSsthresh: number;
  rttUs: number;
  rttvarUs: number;
  sndSsthresh: number;
  sndCwnd: number;
  advmss: number;
  reordering: number;
  rcvSpace: number;
  totalRetrans: number;
  bytesAcked: number;
  bytesReceived: number;
  bytesSent: number;
  bytesRetrans: number;
  segsOut: number;
  segsIn: number;
  dataSegsOut: number;
  dataSegsIn: number;
  notsentBytes: number;
  minRttUs: number;
  sndWnd: number;
  rcvWnd: number;
  sndBufBytes: number;
  rcvBufBytes: number;
  congestion: string;
}

export class TcpConnection {
  readonly localPort: number;
  private remotePortValue: number;
  private readonly s: TcpSettings;
  private stateValue: TcpState = 'CLOSED';
  private nowNs = 0;
  private out: Segment[] = [];
  private hooks: AcceptHooks | null = null;
  /** Opened by a passive open (listener or openPassive), which decides how a reset in SYN_RECEIVED is reported. */
  private passive = false;
  private everEstablished = false;
  private pendingError = 0;
  /** The application called close(): the socket is orphaned and some limits change. */
  private orphaned = false;
  private rdShutdown = false;
  private wrShutdown = false;

  // --- send side: absolute positions, 0 = our SYN, data byte k at k + 1 ---
  private readonly iss: number;
  private sndUna = 0;
  private sndNxt = 0;
  private sndWnd = 0;
  private sndWl1 = 0;
  private sndWl2 = 0;
  private maxSndWnd = 0;
  private sndWscale = 0;
  private sndMss = DEFAULT_PEER_MSS;
  private sendBuf = new SendBuffer();
  private sndBufBytes: number;
  private sndBufLocked = false;
  private finQueued = false;
  private finSent = false;
  private ourFinAcked = false;
  /** End of the last sub-MSS segment sent (Minshall's Nagle variant, as in Linux). */
  private sndSml = 0;
  private recs: TxRecord[] = [];
  private recHead = 0;
  private sackedBytes = 0;
  private lostBytes = 0;
  private rtxOutBytes = 0;
  private highestSackedEnd = 0;
  private lossMarkPos = 0;
  private rtxScanPos = 0;
  private dupAcks = 0;
  private caStateValue: CaState = 'open';
  private recoveryPoint = 0;
  private forceRetransmit = false;
  private cc: CongestionControl;
  private readonly rtt: RttEstimator;
  /** Original send time of the segment whose retransmissions are being timed (Linux retrans_stamp). */
  private retransStampNs: number | null = null;
  private synFirstSentNs = 0;
  private synRetransmitted = false;
  private maxPipeInWindow = 0;
  private cwndBlocked = false;
  private cwndWindowEnd = 0;
  private lastDataSentNs: number | null = null;

  // --- receive side: absolute positions, 0 = peer's SYN ---
  private irs = 0;
  private rcvNxt = 0;
  /** Right edge of the window we last advertised; never moves left. */
  private rcvAdvEnd = 0;
  private rcvWscale = 0;
  private readonly ourWscale: number;
  private rcvMss = DEFAULT_PEER_MSS;
  private rcvQueue = new ReceiveQueue();
  private ooo = new OutOfOrderQueue();
  private rcvBufBytes: number;
  private rcvBufLocked = false;
  private peerFinPos: number | null = null;
  private finReceived = false;
  private lastAckSentPos = 0;
  private ackNow = false;
  private ackPending = false;
  private quickAcks = 0;
  private receivedData = false;
  private lastRecvNs = 0;
  private lastDataRecvNs: number | null = null;
  private lastAckRecvNs: number | null = null;
  // receive-buffer autotuning (Linux tcp_rcv_space_adjust)
  private rcvSpaceBytes = 0;
  private rcvSpaceMarkNs = 0;
  private rcvSpaceCopied = 0;
  private bytesRead = 0;

  // --- negotiated options ---
  private sackOk = false;
  private tsOk = false;
  private wsOk = false;
  private tsRecent = 0;

  // --- timers (absolute ns, null = not armed) ---
  private rtxDeadline: number | null = null;
  private persistDeadline: number | null = null;
  private delackDeadline: number | null = null;
  private keepaliveDeadline: number | null = null;
  private timeWaitDeadline: number | null = null;
  private finWait2Deadline: number | null = null;
  private probesOut = 0;
  private persistBackoff = 0;
  private keepaliveProbes = 0;

  // --- statistics ---
  private totalRetrans = 0;
  private bytesAcked = 0;
  private bytesReceived = 0;
  private bytesSent = 0;
  private bytesRetrans = 0;
  private segsOut = 0;
  private segsIn = 0;
  private dataSegsOut = 0;
  private dataSegsIn = 0;
  /** Set when a SYN arrives in TIME_WAIT: the owner may hand that SYN to its listener. */
  timeWaitRecycled = false;

  constructor(config: TcpConfig) {
    if (!isUint32(config.isn)) throw new Error(`tcp: ISN ${config.isn} is not a uint32`);
    if (!isPort(config.localPort) || !(isPort(config.remotePort) || config.remotePort === 0)) {
      throw new Error(`tcp: bad ports ${config.localPort} -> ${config.remotePort}`);
    }
    const { localPort: _l, remotePort: _r, isn: _i, keepalive, linger, ...overrides } = config;
    this.s = {
      ...DEFAULT_TCP_SETTINGS,
      ...stripUndefined(overrides),
      keepalive: { ...DEFAULT_TCP_SETTINGS.keepalive, ...stripUndefined(keepalive ?? {}) },
      linger: { ...DEFAULT_TCP_SETTINGS.linger, ...(linger ?? {}) },
    };
    if (!(this.s.mssBytes >= 88 && this.s.mssBytes <= 65495)) throw new Error(`tcp: bad MSS ${this.s.mssBytes}`);
    this.localPort = config.localPort;
    this.remotePortValue = config.remotePort;
    this.iss = config.isn;
    this.sndBufBytes = this.s.sndBufBytes;
    this.rcvBufBytes = this.s.rcvBufBytes;
    this.rtt = new RttEstimator({ initialNs: this.s.rtoInitialNs, minNs: this.s.rtoMinNs, maxNs: this.s.rtoMaxNs });
    this.ourWscale = this.s.windowScaling
      ? chooseWscale(this.s.autotune ? Math.max(this.s.rcvBufMaxBytes, this.rcvBufBytes) : this.rcvBufBytes)
      : 0;
    // Until the handshake tells us the peer's MSS, assume our own (only tcp_info sees this).
    this.sndMss = this.s.mssBytes;
    this.rcvMss = this.s.mssBytes;
    this.cc = this.s.congestion(this.sndMss, this.s.initialCwndSegments * this.sndMss);
  }

  /** Creates a connection in SYN_RECEIVED answering `syn`; used by TcpListener. */
  static acceptSyn(config: TcpConfig, syn: Segment, nowNs: number, hooks: AcceptHooks | null): TcpConnection {
    const conn = new TcpConnection(config);
    conn.hooks = hooks;
    conn.clock(nowNs);
    conn.passive = true;
    conn.stateValue = 'LISTEN';
    conn.onSegment(syn, nowNs);
    if (conn.state !== 'SYN_RECEIVED')
      throw new Error('tcp: acceptSyn was given a segment that is not an acceptable SYN');
    return conn;
  }

  // =========================================================================
  // Public API: queries

  get state(): TcpState {
    return this.stateValue;
  }
  get remotePort(): number {
    return this.remotePortValue;
  }
  get caState(): CaState {
    return this.caStateValue;
  }
  /** Bytes recv() would return now. */
  get readableBytes(): number {
    return this.rcvQueue.length;
  }
  /** Bytes send() would accept now. */
  get writableBytes(): number {
    if (!this.canSendState() || this.wrShutdown) return 0;
    return Math.max(0, this.sndBufBytes - this.sendBuf.length);
  }
  /** poll(POLLIN): data, end of stream, or an error. */
  get isReadable(): boolean {
    return (
      this.rcvQueue.length > 0 ||
      this.peerClosed ||
      this.pendingError !== 0 ||
      this.rdShutdown ||
      this.isDeadAfterConnect()
    );
  }
  /** poll(POLLOUT): room worth writing (Linux wakes writers at a third of the buffer free), or an error. */
  get isWritable(): boolean {
    if (this.pendingError !== 0) return true;
    if (!this.canSendState() || this.wrShutdown) return this.isDeadAfterConnect();
    const free = this.sndBufBytes - this.sendBuf.length;
    return free > 0 && free >= Math.floor(this.sendBuf.length / 2);
  }
  get hasError(): boolean {
    return this.pendingError !== 0;
  }
  /** The peer's FIN has been received (recv returns 0 once the queue drains). */
  get peerClosed(): boolean {
    return this.finReceived;
  }
  /** Pending error without clearing it. */
  get errno(): number {
    return this.pendingError;
  }
  /** SO_ERROR: returns the pending error (0 if none) and clears it. */
  takeErrno(): number {
    const e = this.pendingError;
    this.pendingError = 0;
    return e;
  }
  /** Data queued but not yet sent (SIOCOUTQNSD / tcpi_notsent_bytes). */
  get unsentBytes(): number {
    return Math.max(0, this.dataEndPos() - Math.min(this.sndNxt, this.dataEndPos()));
  }
  /** Bytes in the send queue, sent or not (SIOCOUTQ). */
  get sendQueueBytes(): number {
    return this.sendBuf.length;
  }
  get cwndBytes(): number {
    return this.cc.cwndBytes;
  }
  get ssthreshBytes(): number {
    return this.cc.ssthreshBytes;
  }
  get mssBytes(): number {
    return this.sndMss;
  }
  get rtoNs(): number {
    return this.rtt.rtoNs;
  }
  get srttNs(): number | null {
    return this.rtt.srttNs;
  }
  get sendBufferBytes(): number {
    return this.sndBufBytes;
  }
  get receiveBufferBytes(): number {
    return this.rcvBufBytes;
  }
  /** Peer's current receive window in bytes (scaled). */
  get peerWindowBytes(): number {
    return this.sndWnd;
  }
  get congestionControl(): CongestionControl {
    return this.cc;
  }
  get hasOutput(): boolean {
    return this.out.length > 0;
  }

  /** Segments produced since the last call, in order. */
  takeOutput(): Segment[] {
    const o = this.out;
    this.out = [];
    return o;
  }

  /** The earliest armed timer, or null. The owner calls onTimer() at (or after) that time. */
  nextDeadlineNs(): number | null {
    let d: number | null = null;
    for (const t of [
      this.rtxDeadline,
      this.persistDeadline,
      this.delackDeadline,
      this.keepaliveDeadline,
      this.timeWaitDeadline,
      this.finWait2Deadline,
    ]) {
      if (t !== null && (d === null || t < d)) d = t;
    }
    return d;
  }

  // =========================================================================
  // Public API: opening

  /** connect(): sends a SYN. */
  openActive(nowNs: number): void {
    this.clock(nowNs);
    if (this.stateValue !== 'CLOSED' || this.everEstablished || this.sndNxt !== 0) {
      throw new Error(`tcp: openActive in state ${this.stateValue}`);
    }
    if (!isPort(this.remotePortValue)) throw new Error('tcp: openActive needs a remote port');
    this.setState('SYN_SENT');
    this.synFirstSentNs = this.nowNs;
    this.sendSyn();
    this.sndNxt = 1;
    this.rtxDeadline = this.nowNs + this.rtt.rtoNs;
  }

  /** A single-connection passive open (RFC 9293 LISTEN); a real server uses TcpListener. */
  openPassive(nowNs: number): void {
    this.clock(nowNs);
    if (this.stateValue !== 'CLOSED' || this.sndNxt !== 0)
      throw new Error(`tcp: openPassive in state ${this.stateValue}`);
    this.passive = true;
    this.setState('LISTEN');
  }

  // =========================================================================
  // Public API: data

  /**
   * Queues bytes for sending. Returns how many were accepted (bounded by the
   * free send buffer), or -errno: EAGAIN (no room, or connect in progress),
   * EPIPE (shut down for writing), or a pending error (consumed).
   */
  send(data: Uint8Array, nowNs?: number): number {
    const n = this.acceptableBytes(data.length, nowNs);
    if (n <= 0) return n;
    this.sendBuf.append(n === data.length ? data : data.subarray(0, n));
    this.transmit();
    return n;
  }

  /** How many of `want` bytes a send may queue now (at most the free send buffer), or 0 or -errno as send(). */
  private acceptableBytes(want: number, nowNs?: number): number {
    this.clock(nowNs);
    if (this.pendingError !== 0) return -this.takeErrno();
    if (this.wrShutdown || !(this.canSendState() || this.isConnecting())) return -Errno.EPIPE;
    if (this.isConnecting()) return -Errno.EAGAIN;
    if (want === 0) return 0;
    const n = Math.min(want, this.sndBufBytes - this.sendBuf.length);
    return n <= 0 ? -Errno.EAGAIN : n;
  }

  /**
   * send() in two steps, for a caller that copies the bytes straight into the
   * send buffer: returns how many bytes may be written at sendRoom from
   * sendRoomAt (at most max; or -errno as send() answers), after which
   * commitSend says how many were.
   */
  reserveSend(max: number, nowNs?: number): number {
    const n = this.acceptableBytes(max, nowNs);
    return n <= 0 ? n : this.sendBuf.reserve(n);
  }
  get sendRoom(): Uint8Array {
    return this.sendBuf.reservedChunk;
  }
  get sendRoomAt(): number {
    return this.sendBuf.reservedAt;
  }
  /** The second step of reserveSend: queues the n bytes written and sends what may go. */
  commitSend(n: number): void {
    this.sendBuf.commit(n);
    this.transmit();
  }

  /**
   * Copies received bytes into `into`. Returns the count, 0 at end of stream
   * (peer FIN, SHUT_RD, or after a reported reset), or -errno: EAGAIN (nothing
   * yet), ENOTCONN (never connected), or a pending error (consumed).
   */
  recv(into: Uint8Array, nowNs?: number): number {
    this.clock(nowNs);
    if (this.rcvQueue.length > 0 && into.length > 0) {
      const n = this.rcvQueue.read(into, true);
      this.bytesRead += n;
      this.afterRead();
      return n;
    }
    if (this.pendingError !== 0) return -this.takeErrno();
    if (into.length === 0) return 0;
    if (this.finReceived || this.rdShutdown) return 0;
    if (this.stateValue === 'CLOSED' || this.stateValue === 'LISTEN') return this.everEstablished ? 0 : -Errno.ENOTCONN;
    return -Errno.EAGAIN;
  }

  /** MSG_PEEK: like recv() but leaves the bytes queued. */
  peek(into: Uint8Array): number {
    if (this.rcvQueue.length > 0) return this.rcvQueue.read(into, false);
    if (this.pendingError !== 0) return -this.pendingError;
    if (this.finReceived || this.rdShutdown) return 0;
    if (this.stateValue === 'CLOSED') return this.everEstablished ? 0 : -Errno.ENOTCONN;
    return -Errno.EAGAIN;
  }

  // =========================================================================
  // Public API: closing

  /**
   * close(): the application lets go. Unread data or SO_LINGER 0 reset the
   * connection (as Linux does); otherwise a FIN follows the queued data and
   * the connection finishes on its own (the owner keeps feeding it until CLOSED).
   */
  close(nowNs?: number): void {
    this.clock(nowNs);
    this.orphaned = true;
    this.rdShutdown = true;
    switch (this.stateValue) {
      case 'CLOSED':
      case 'LISTEN':
      case 'SYN_SENT':
        this.enterClosed(0);
        return;
      case 'TIME_WAIT':
      case 'CLOSING':
      case 'LAST_ACK':
        return;
      default:
        break;
    }
    if (this.rcvQueue.length > 0 || (this.s.linger.enabled && this.s.linger.seconds === 0)) {
      this.sendReset();
      this.enterClosed(0);
      return;
    }
    if (this.stateValue === 'FIN_WAIT_2') {
      this.finWait2Deadline = this.nowNs + this.s.finTimeoutNs;
      return;
    }
    this.shutdownWrite();
    this.transmit();
  }

  /** shutdown(2). Returns 0 or -ENOTCONN. */
  shutdown(how: ShutdownHow, nowNs?: number): number {
    this.clock(nowNs);
    if (how !== SHUT_RD && how !== SHUT_WR && how !== SHUT_RDWR) return -Errno.EINVAL;
    if (this.stateValue === 'CLOSED' || this.stateValue === 'LISTEN') return -Errno.ENOTCONN;
    if (how === SHUT_RD || how === SHUT_RDWR) this.rdShutdown = true;
    if (how === SHUT_WR || how === SHUT_RDWR) {
      if (this.stateValue === 'SYN_SENT') {
        this.enterClosed(0);
        return 0;
      }
      this.shutdownWrite();
      this.transmit();
    }
    return 0;
  }

  /** Resets the connection (RST if synchronized) and closes it, reporting no error locally. */
  abort(nowNs?: number): void {
    this.clock(nowNs);
    if (this.isSynchronized() || this.stateValue === 'SYN_RECEIVED') this.sendReset();
    this.enterClosed(0);
  }

  // =========================================================================
  // Public API: options

  setNoDelay(on: boolean, nowNs?: number): void {
    this.clock(nowNs);
    this.s.noDelay = on;
    if (on) this.transmit();
  }
  setCork(on: boolean, nowNs?: number): void {
    this.clock(nowNs);
    this.s.cork = on;
    if (!on) this.transmit();
  }
  setKeepalive(options: Partial<KeepaliveOptions>, nowNs?: number): void {
    this.clock(nowNs);
    this.s.keepalive = { ...this.s.keepalive, ...options };
    this.keepaliveProbes = 0;
    this.armKeepalive();
  }
  setLinger(linger: LingerOption): void {
    this.s.linger = { ...linger };
  }
  setUserTimeout(timeoutNs: number): void {
    this.s.userTimeoutNs = timeoutNs;
  }
  /** SO_SNDBUF in payload bytes; disables send-buffer autotuning. */
  setSendBufferBytes(bytes: number, nowNs?: number): void {
    this.clock(nowNs);
    this.sndBufBytes = Math.max(bytes, 2 * this.sndMss);
    this.sndBufLocked = true;
  }
  /** SO_RCVBUF in payload bytes; disables receive-buffer autotuning. The advertised window never shrinks. */
  setReceiveBufferBytes(bytes: number, nowNs?: number): void {
    this.clock(nowNs);
    this.rcvBufBytes = Math.max(bytes, 2 * this.rcvMss);
    this.rcvBufLocked = true;
  }
  get noDelay(): boolean {
    return this.s.noDelay;
  }
  get cork(): boolean {
    return this.s.cork;
  }
  get keepalive(): Readonly<KeepaliveOptions> {
    return this.s.keepalive;
  }
  get linger(): Readonly<LingerOption> {
    return this.s.linger;
  }

  tcpInfo(): TcpInfo {
    const ms = (t: number | null): number => (t === null ? 0 : Math.floor((this.nowNs - t) / NS_PER_MS));
    let unacked = 0;
    let sacked = 0;
    let lost = 0;
    let retrans = 0;
    for (let i = this.recHead; i < this.recs.length; i++) {
      const r = this.recs[i]!;
      unacked += 1;
      if (r.sacked) sacked += 1;
      if (r.lost) lost += 1;
      if (r.rtxOut) retrans += 1;
    }
    const head = this.recs[this.recHead];
    return {
      state: this.stateValue,
      stateNumber: LINUX_TCP_STATE[this.stateValue],
      caState: CA_STATE_NUMBER[this.caStateValue],
      retransmits: head?.retransmits ?? 0,
      probes: Math.max(this.probesOut, this.keepaliveProbes),
      backoff: this.rtt.backoff,
      options: (this.tsOk ? 1 : 0) | (this.sackOk ? 2 : 0) | (this.wsOk ? 4 : 0),
      sndWscale: this.sndWscale,
      rcvWscale: this.rcvWscale,
      rtoUs: Math.floor(this.rtt.rtoNs / NS_PER_US),
      atoUs: Math.floor(this.s.delayedAckNs / NS_PER_US),
      sndMss: this.sndMss,
      rcvMss: this.rcvMss,
      unacked,
      sacked: this.sackOk ? sacked : Math.min(this.dupAcks, unacked),
      lost,
      retrans,
      lastDataSentMs: ms(this.lastDataSentNs),
      lastDataRecvMs: ms(this.lastDataRecvNs),
      lastAckRecvMs: ms(this.lastAckRecvNs),
      pmtu: this.s.mssBytes + 40,
      rcvSsthresh: this.rcvBufBytes,
      rttUs: Math.floor((this.rtt.srttNs ?? 0) / NS_PER_US),
      rttvarUs: Math.floor(this.rtt.rttvarNs / NS_PER_US),
      sndSsthresh: this.cc.ssthreshBytes === Infinity ? 0x7fffffff : Math.floor(this.cc.ssthreshBytes / this.sndMss),
      sndCwnd: Math.floor(this.cc.cwndBytes / this.sndMss),
      advmss: this.s.mssBytes - (this.tsOk ? TIMESTAMP_OPTION_BYTES : 0),
      reordering: DUP_THRESH,
      rcvSpace: this.rcvSpaceBytes,
      totalRetrans: this.totalRetrans,
      bytesAcked: this.bytesAcked,
      bytesReceived: this.bytesReceived,
      bytesSent: this.bytesSent,
      bytesRetrans: this.bytesRetrans,
      segsOut: this.segsOut,
      segsIn: this.segsIn,
      dataSegsOut: this.dataSegsOut,
      dataSegsIn: this.dataSegsIn,
      notsentBytes: this.unsentBytes,
      minRttUs: Math.floor((this.rtt.minRttNs ?? 0) / NS_PER_US),
      sndWnd: this.sndWnd,
      rcvWnd: Math.max(0, this.rcvAdvEnd - this.rcvNxt),
      sndBufBytes: this.sndBufBytes,
      rcvBufBytes: this.rcvBufBytes,
      congestion: this.cc.name,
    };
  }

  // =========================================================================
  // Segment arrival (RFC 9293 §3.10.7)

  onSegment(seg: Segment, nowNs: number): void {
    this.clock(nowNs);
    if (seg.dstPort !== this.localPort || (this.stateValue !== 'LISTEN' && seg.srcPort !== this.remotePortValue)) {
      throw new Error(
        `tcp: segment ${seg.srcPort}->${seg.dstPort} delivered to connection ${this.localPort}->${this.remotePortValue}`,
      );
    }
    this.segsIn += 1;
    if (seg.payload.length > 0) this.dataSegsIn += 1;
    switch (this.stateValue) {
      case 'CLOSED':
        this.replyReset(seg);
        return;
      case 'LISTEN':
        this.onSegmentListen(seg);
        break;
      case 'SYN_SENT':
        this.onSegmentSynSent(seg);
        break;
      default:
        this.onSegmentSynchronized(seg);
        break;
    }
    this.transmit();
  }

  private onSegmentListen(seg: Segment): void {
    if (seg.flags & TcpFlags.RST) return;
    if (seg.flags & TcpFlags.ACK) {
      this.replyReset(seg);
      return;
    }
    if (!(seg.flags & TcpFlags.SYN)) return;
    this.remotePortValue = seg.srcPort;
    this.irs = seg.seq;
    this.rcvNxt = 1;
    this.lastAckSentPos = 1;
    this.applyPeerSyn(seg);
    this.sndWnd = seg.window; // never scaled in a SYN
    this.maxSndWnd = this.sndWnd;
    this.setState('SYN_RECEIVED');
    this.synFirstSentNs = this.nowNs;
    this.sendSyn();
    this.sndNxt = 1;
    this.rtxDeadline = this.nowNs + this.rtt.rtoNs;
  }

  private onSegmentSynSent(seg: Segment): void {
    const hasAck = (seg.flags & TcpFlags.ACK) !== 0;
    if (hasAck) {
      const ackPos = seqToPos(seg.ack, this.iss, 0);
      if (ackPos <= 0 || ackPos > this.sndNxt) {
        if (!(seg.flags & TcpFlags.RST)) this.replyReset(seg);
        return;
      }
    }
    if (seg.flags & TcpFlags.RST) {
      if (hasAck) this.enterClosed(Errno.ECONNREFUSED);
      return;
    }
    if (!(seg.flags & TcpFlags.SYN)) return;
    this.irs = seg.seq;
    this.rcvNxt = 1;
    this.lastAckSentPos = 0;
    this.applyPeerSyn(seg);
    this.rcvAdvEnd = this.rcvNxt + this.initialWindowBytes();
    this.sndWnd = seg.window;
    this.maxSndWnd = this.sndWnd;
    this.sndWl1 = 0;
    if (hasAck) {
      this.sndWl2 = 1;
      this.sndUna = 1;
      if (!this.synRetransmitted) this.rtt.sample(this.nowNs - this.synFirstSentNs);
      this.rtxDeadline = null;
      this.establish();
      this.ackNow = true;
    } else {
      // Simultaneous open: answer with SYN-ACK re-using our ISN.
      this.setState('SYN_RECEIVED');
      this.sendSyn();
    }
  }

  private onSegmentSynchronized(seg: Segment): void {
    let flags = seg.flags;
    let startPos = seqToPos(seg.seq, posToSeq(this.irs, this.rcvNxt), this.rcvNxt);
    if (flags & TcpFlags.SYN && startPos === 0) {
      if (this.stateValue === 'SYN_RECEIVED' && !(flags & TcpFlags.ACK)) {
        // The peer never saw our SYN-ACK and retransmitted its SYN.
        this.sendSyn();
        return;
      }
      // An old SYN (retransmitted SYN-ACK, or the crossing SYN-ACK of a
      // simultaneous open): trim it and go on with what follows it.
      flags &= ~TcpFlags.SYN;
      startPos = 1;
      if (this.stateValue !== 'SYN_RECEIVED') this.ackNow = true;
    }
    const fin = (flags & TcpFlags.FIN) !== 0;
    const dataLen = seg.payload.length;
    const segLen = dataLen + (flags & TcpFlags.SYN ? 1 : 0) + (fin ? 1 : 0);
    const wnd = Math.max(0, this.rcvAdvEnd - this.rcvNxt);
    const endPos = startPos + segLen;
    const acceptable =
      segLen === 0
        ? startPos >= this.rcvNxt && startPos <= this.rcvNxt + wnd
        : endPos > this.rcvNxt && (startPos < this.rcvNxt + wnd || startPos === this.rcvNxt);
    if (!acceptable) {
      if (flags & TcpFlags.RST) return;
      if (this.stateValue === 'TIME_WAIT' && fin) this.timeWaitDeadline = this.nowNs + this.s.timeWaitNs;
      this.ackNow = true;
      return;
    }
    this.lastRecvNs = this.nowNs;
    this.keepaliveProbes = 0;

    if (flags & TcpFlags.RST) {
      // RFC 5961 §3: only an exact match resets; anything else in the window gets a challenge ACK.
      if (startPos === this.rcvNxt) this.onReset();
      else this.ackNow = true;
      return;
    }
    if (flags & TcpFlags.SYN) {
      if (this.stateValue === 'TIME_WAIT') {
        // A new incarnation of the connection; the owner may give the SYN to its listener.
        this.timeWaitRecycled = true;
        this.enterClosed(0);
        return;
      }
      this.ackNow = true; // RFC 5961 §4 challenge ACK
      return;
    }
    if (!(flags & TcpFlags.ACK)) return;
    if (this.tsOk && seg.options.timestamp && startPos <= this.rcvNxt) this.tsRecent = seg.options.timestamp.value;

    if (this.stateValue === 'SYN_RECEIVED') {
      const ackPos = seqToPos(seg.ack, this.iss, 0);
      if (ackPos !== this.sndNxt) {
        this.replyReset(seg);
        return;
      }
      if (this.hooks && !this.hooks.admit(this)) return; // accept queue full: Linux drops the ACK
      this.sndUna = 1;
      this.rtxDeadline = null;
      if (!this.synRetransmitted) this.rtt.sample(this.nowNs - this.synFirstSentNs);
      this.sndWnd = seg.window * 2 ** this.sndWscale;
      this.maxSndWnd = Math.max(this.maxSndWnd, this.sndWnd);
      this.sndWl1 = startPos;
      this.sndWl2 = ackPos;
      this.establish();
    } else if (!this.processAck(seg, startPos, dataLen)) {
      return;
    }
    if (this.ourFinAcked) {
      if (this.stateValue === 'FIN_WAIT_1') {
        this.setState('FIN_WAIT_2');
        if (this.orphaned) this.finWait2Deadline = this.nowNs + this.s.finTimeoutNs;
      } else if (this.stateValue === 'CLOSING') {
        this.enterTimeWait();
      } else if (this.stateValue === 'LAST_ACK') {
        this.enterClosed(0);
        return;
      }
    }

    if (dataLen > 0) {
      const canReceive =
        this.stateValue === 'ESTABLISHED' || this.stateValue === 'FIN_WAIT_1' || this.stateValue === 'FIN_WAIT_2';
      if (canReceive) {
        if (this.orphaned && startPos + dataLen > this.rcvNxt) {
          // Nobody will ever read this: Linux resets rather than let the peer think it was delivered.
          this.sendReset();
          this.enterClosed(0);
          return;
        }
        this.receiveData(startPos, seg.payload);
      }
    }
    if (
      fin &&
      (this.stateValue === 'ESTABLISHED' || this.stateValue === 'FIN_WAIT_1' || this.stateValue === 'FIN_WAIT_2')
    ) {
      const finPos = startPos + dataLen;
      if (finPos <= this.rcvAdvEnd && this.peerFinPos === null) this.peerFinPos = finPos;
      if (finPos > this.rcvNxt) this.ackNow = true; // out of order: duplicate ACK now
    }
    this.consumeFinIfInOrder();
  }

  /** Processes the ACK field. Returns false when the segment must be dropped. */
  private processAck(seg: Segment, startPos: number, dataLen: number): boolean {
    const ackPos = seqToPos(seg.ack, posToSeq(this.iss, this.sndUna), this.sndUna);
    if (ackPos > this.sndNxt) {
      this.ackNow = true; // acknowledges data never sent
      return false;
    }
    if (ackPos < this.sndUna) return true; // an old duplicate; the rest may still carry data
    this.lastAckRecvNs = this.nowNs;
    this.probesOut = 0;
    const wndBytes = seg.window * 2 ** this.sndWscale;
    let windowChanged = false;
    if (this.sndWl1 < startPos || (this.sndWl1 === startPos && this.sndWl2 <= ackPos)) {
      windowChanged = wndBytes !== this.sndWnd;
      this.sndWnd = wndBytes;
      this.sndWl1 = startPos;
      this.sndWl2 = ackPos;
      this.maxSndWnd = Math.max(this.maxSndWnd, wndBytes);
      if (this.sndWnd > 0 && this.persistDeadline !== null && this.sndUna + this.sndWnd > this.sndNxt) {
        this.persistDeadline = null;
        this.persistBackoff = 0;
      }
    }
    if (this.sackOk && seg.options.sack) this.processSack(seg.options.sack);
    const acked = ackPos - this.sndUna;
    if (acked > 0) {
      this.onNewAck(ackPos, acked, seg);
    } else if (
      dataLen === 0 &&
      !(seg.flags & (TcpFlags.SYN | TcpFlags.FIN)) &&
      !windowChanged &&
      this.sndNxt > this.sndUna
    ) {
      this.dupAcks += 1;
      if (this.caStateValue === 'open') this.caStateValue = 'disorder';
    }
    if (this.sackOk) this.markLostByFack();
    this.maybeEnterRecovery();
    return true;
  }

  private onNewAck(ackPos: number, acked: number, seg: Segment): void {
    let cleanSampleNs: number | null = null;
    // Karn: if this ACK covers any retransmitted segment, it may have been held back
    // waiting for that retransmission, so none of what it covers gives a sample (as Linux).
    let ackedRetransmitted = false;
    let lastRetransmitNs = 0;
    while (this.recHead < this.recs.length) {
      const r = this.recs[this.recHead]!;
      if (r.end <= ackPos) {
        if (r.retransmits === 0) cleanSampleNs = this.nowNs - r.firstSentNs;
        else {
          ackedRetransmitted = true;
          lastRetransmitNs = Math.max(lastRetransmitNs, r.lastSentNs);
        }
        this.forgetRecordCounts(r, r.end - r.start);
        this.recHead += 1;
        continue;
      }
      if (r.start < ackPos) {
        // Partially acknowledged (the peer took part of it): trim it.
        this.forgetRecordCounts(r, ackPos - r.start);
        r.start = ackPos;
      }
      break;
    }
    if (this.recHead > 256 && this.recHead * 2 > this.recs.length) {
      this.recs = this.recs.slice(this.recHead);
      this.recHead = 0;
    }
    const ackedSegs = Math.max(1, Math.ceil(acked / this.sndMss));
    this.sndUna = ackPos;
    const dataEnd = this.dataEndPos();
    this.sendBuf.release(Math.min(ackPos, dataEnd) - 1);
    if (this.finSent && ackPos === dataEnd + 1) this.ourFinAcked = true;
    this.bytesAcked += acked;
    this.retransStampNs = null;
    if (ackedRetransmitted) cleanSampleNs = null;
    if (cleanSampleNs !== null) {
      this.rtt.sample(cleanSampleNs);
    } else if (this.tsOk && seg.options.timestamp && seg.options.timestamp.echo !== 0) {
      // The echo must come from our latest retransmission or later; an older one means
      // the ACK answered a duplicate and would inflate the estimate (RFC 7323 §4.1).
      const echo = seg.options.timestamp.echo;
      const rttMs = (this.tsNow() - echo) >>> 0;
      const fresh = ((echo - this.tsAt(lastRetransmitNs)) | 0) >= 0;
      if (fresh && rttMs >= 1 && rttMs < 0x7fffffff) this.rtt.sample(rttMs * NS_PER_MS);
    }
    const cwndLimited = this.takeCwndLimited();
    switch (this.caStateValue) {
      case 'recovery':
        if (ackPos >= this.recoveryPoint) {
          this.cc.onRecoveryExit(this.nowNs);
          this.caStateValue = 'open';
          this.dupAcks = 0;
        } else {
          // NewReno partial ACK (RFC 6582 §3.2): the next hole is lost too.
          this.dupAcks = Math.max(0, this.dupAcks - (ackedSegs - 1));
          this.markHeadLost();
          this.forceRetransmit = true;
        }
        break;
      case 'loss':
        if (ackPos >= this.recoveryPoint) this.caStateValue = 'open';
        this.dupAcks = 0;
        this.cc.onAck(this.ackEvent(acked, cleanSampleNs, cwndLimited));
        break;
      default:
        this.caStateValue = 'open';
        this.dupAcks = 0;
        this.cc.onAck(this.ackEvent(acked, cleanSampleNs, cwndLimited));
        break;
    }
    if (this.caStateValue === 'open' && this.sackedBytes === 0 && this.highestSackedEnd < this.sndUna)
      this.highestSackedEnd = this.sndUna;
    this.rtxDeadline = this.sndUna < this.sndNxt ? this.nowNs + this.rtt.rtoNs : null;
    this.autotuneSendBuffer();
  }

  private ackEvent(acked: number, rttNs: number | null, cwndLimited: boolean) {
    return {
      nowNs: this.nowNs,
      ackedBytes: acked,
      rttNs,
      minRttNs: this.rtt.minRttNs,
      srttNs: this.rtt.srttNs,
      cwndLimited,
    };
  }

  /** Whether the window just acknowledged was limited by cwnd (RFC 7661 / Linux is_cwnd_limited). */
  private takeCwndLimited(): boolean {
    const cwnd = this.cc.cwndBytes;
    const limited =
      this.cwndBlocked ||
      (this.cc.inSlowStart ? 2 * this.maxPipeInWindow >= cwnd : this.maxPipeInWindow + this.sndMss > cwnd);
    if (this.sndUna >= this.cwndWindowEnd) {
      this.cwndWindowEnd = this.sndNxt;
      this.cwndBlocked = false;
      this.maxPipeInWindow = this.pipe();
    }
    return limited;
  }

  private processSack(blocks: readonly SackBlock[]): void {
    const unaSeq = posToSeq(this.iss, this.sndUna);
    for (const b of blocks) {
      const left = seqToPos(b.left, unaSeq, this.sndUna);
      const right = seqToPos(b.right, unaSeq, this.sndUna);
      if (!(left >= this.sndUna && left < right && right <= this.sndNxt)) continue; // D-SACK or bogus
      for (let i = this.findRecord(left); i < this.recs.length; i++) {
        const r = this.recs[i]!;
        if (r.start >= right) break;
        if (r.start >= left && r.end <= right && !r.sacked) {
          this.markSacked(r);
          if (r.end > this.highestSackedEnd) this.highestSackedEnd = r.end;
        }
      }
    }
  }

  /**
   * Forward-acknowledgement loss marking: an unSACKed segment with DupThresh
   * segments' worth SACKed above it is lost.
   */
  private markLostByFack(): void {
    const threshold = this.highestSackedEnd - DUP_THRESH * this.sndMss;
    if (threshold <= this.lossMarkPos) return;
    for (let i = this.findRecord(Math.max(this.lossMarkPos, this.sndUna)); i < this.recs.length; i++) {
      const r = this.recs[i]!;
      if (r.end > threshold) break;
      if (!r.sacked && !r.lost) this.markLost(r);
      this.lossMarkPos = r.end;
    }
  }

  private maybeEnterRecovery(): void {
    if (this.caStateValue !== 'open' && this.caStateValue !== 'disorder') return;
    if (this.sndNxt <= this.sndUna) return;
    if (this.dupAcks < DUP_THRESH && this.lostBytes === 0) return;
    this.caStateValue = 'recovery';
    this.recoveryPoint = this.sndNxt;
    this.cc.onCongestionEvent(this.nowNs, this.sndNxt - this.sndUna);
    this.markHeadLost();
    this.forceRetransmit = true;
  }

  private markHeadLost(): void {
    const head = this.recs[this.recHead];
    if (head && !head.sacked && !head.rtxOut) {
      this.markLost(head);
      this.rtxScanPos = Math.min(this.rtxScanPos, head.start);
    }
  }

  private markLost(r: TxRecord): void {
    if (r.lost || r.sacked) return;
    r.lost = true;
    this.lostBytes += r.end - r.start;
  }

  private markSacked(r: TxRecord): void {
    const len = r.end - r.start;
    r.sacked = true;
    this.sackedBytes += len;
    if (r.lost) {
      r.lost = false;
      this.lostBytes -= len;
    }
    if (r.rtxOut) {
      r.rtxOut = false;
      this.rtxOutBytes -= len;
    }
  }

  /** Removes `len` bytes of a record from the loss counters (it was cumulatively acknowledged). */
  private forgetRecordCounts(r: TxRecord, len: number): void {
    if (r.sacked) this.sackedBytes -= len;
    if (r.lost) this.lostBytes -= len;
    if (r.rtxOut) this.rtxOutBytes -= len;
    assert(this.sackedBytes >= 0 && this.lostBytes >= 0 && this.rtxOutBytes >= 0, 'negative loss counters');
  }

  /** Index of the first record whose end lies after `pos`. */
  private findRecord(pos: number): number {
    let lo = this.recHead;
    let hi = this.recs.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.recs[mid]!.end <= pos) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** Bytes in flight per RFC 6675's pipe: outstanding, minus SACKed and lost, plus retransmitted. */
  private pipe(): number {
    const outstanding = this.sndNxt - this.sndUna;
    const sacked = this.sackOk
      ? this.sackedBytes
      : Math.min(this.dupAcks * this.sndMss, Math.max(0, outstanding - this.sndMss));
    return Math.max(0, outstanding - sacked - this.lostBytes + this.rtxOutBytes);
  }

  private receiveData(startPos: number, payload: Uint8Array): void {
    let data = payload;
    let start = startPos;
    if (start < this.rcvNxt) {
      data = data.subarray(this.rcvNxt - start);
      start = this.rcvNxt;
    }
    const room = this.rcvAdvEnd - start;
    if (data.length > room) {
      data = data.subarray(0, Math.max(0, room));
      this.ackNow = true; // tell the peer where the window really ends
    }
    if (data.length === 0) return;
    if (payload.length > this.rcvMss) this.rcvMss = Math.min(payload.length, this.s.mssBytes);
    this.lastDataRecvNs = this.nowNs;
    if (!this.receivedData) {
      this.receivedData = true;
      const wnd = Math.max(0, this.rcvAdvEnd - this.rcvNxt);
      // Linux sizes the quick-ACK budget from its initial receive-MSS estimate,
      // which starts at 536 bytes (TCP_MSS_DEFAULT) whatever was negotiated.
      this.quickAcks = Math.min(this.s.maxQuickAcks, Math.floor(wnd / (2 * Math.min(this.rcvMss, 536))));
    }
    if (start === this.rcvNxt) {
      this.rcvQueue.push(data);
      this.rcvNxt += data.length;
      this.bytesReceived += data.length;
      if (!this.ooo.isEmpty) {
        const before = this.rcvNxt;
        const { pieces, next } = this.ooo.takeInOrder(this.rcvNxt);
        this.rcvQueue.pushAll(pieces);
        this.rcvNxt = next;
        this.bytesReceived += next - before;
        this.ackNow = true; // a hole was (partly) filled: tell the sender at once
      }
      if (this.quickAcks > 0 || this.rcvNxt - this.lastAckSentPos > this.rcvMss) {
        this.ackNow = true;
      } else {
        this.ackPending = true;
        if (this.delackDeadline === null) this.delackDeadline = this.nowNs + this.s.delayedAckNs;
      }
    } else {
      this.ooo.insert(start, data);
      this.ackNow = true; // duplicate ACK (with SACK) so the sender can recover fast
    }
  }

  private consumeFinIfInOrder(): void {
    if (this.peerFinPos === null || this.finReceived || this.rcvNxt !== this.peerFinPos) return;
    this.rcvNxt += 1;
    this.finReceived = true;
    this.ackNow = true;
    switch (this.stateValue) {
      case 'ESTABLISHED':
        this.setState('CLOSE_WAIT');
        break;
      case 'FIN_WAIT_1':
        if (this.ourFinAcked) this.enterTimeWait();
        else this.setState('CLOSING');
        break;
      case 'FIN_WAIT_2':
        this.enterTimeWait();
        break;
      default:
        break;
    }
  }

  private onReset(): void {
    switch (this.stateValue) {
      case 'SYN_RECEIVED':
        this.enterClosed(this.passive ? 0 : Errno.ECONNREFUSED);
        break;
      case 'CLOSE_WAIT':
        this.enterClosed(Errno.EPIPE);
        break;
      case 'ESTABLISHED':
      case 'FIN_WAIT_1':
      case 'FIN_WAIT_2':
        this.enterClosed(this.orphaned ? 0 : Errno.ECONNRESET);
        break;
      default:
        this.enterClosed(0);
        break;
    }
  }

  // =========================================================================
  // Timers

  /** Runs every timer due at `nowNs`. */
  onTimer(nowNs: number): void {
    this.clock(nowNs);
    const now = this.nowNs;
    if (this.delackDeadline !== null && this.delackDeadline <= now) {
      this.delackDeadline = null;
      if (this.ackPending || this.rcvNxt > this.lastAckSentPos) this.ackNow = true;
    }
    if (this.rtxDeadline !== null && this.rtxDeadline <= now) {
      this.rtxDeadline = null;
      this.onRetransmitTimer();
    }
    if (this.persistDeadline !== null && this.persistDeadline <= now) {
      this.persistDeadline = null;
      this.onPersistTimer();
    }
    if (this.keepaliveDeadline !== null && this.keepaliveDeadline <= now) {
      this.keepaliveDeadline = null;
      this.onKeepaliveTimer();
    }
    if (this.timeWaitDeadline !== null && this.timeWaitDeadline <= now) {
      this.timeWaitDeadline = null;
      this.enterClosed(0);
    }
    if (this.finWait2Deadline !== null && this.finWait2Deadline <= now) {
      this.finWait2Deadline = null;
      if (this.stateValue === 'FIN_WAIT_2') this.enterClosed(0);
    }
    this.transmit();
  }

  private onRetransmitTimer(): void {
    const st = this.stateValue;
    if (st === 'SYN_SENT' || st === 'SYN_RECEIVED') {
      const retries = st === 'SYN_RECEIVED' && this.passive ? this.s.synAckRetries : this.s.synRetries;
      const giveUp =
        this.s.userTimeoutNs > 0
          ? this.s.userTimeoutNs
          : retransmitGiveUpNs(retries, this.s.rtoInitialNs, this.s.rtoMaxNs);
      if (this.nowNs - this.synFirstSentNs >= giveUp) {
        this.enterClosed(st === 'SYN_RECEIVED' && this.passive ? 0 : Errno.ETIMEDOUT);
        return;
      }
      this.rtt.onTimeout();
      this.synRetransmitted = true;
      this.totalRetrans += 1;
      this.sendSyn();
      this.rtxDeadline = this.nowNs + this.rtt.rtoNs;
      return;
    }
    if (!this.isSynchronized() || this.sndUna >= this.sndNxt) return;
    if (this.retransStampNs !== null) {
      const boundary = this.orphaned ? this.s.orphanRetries : this.s.retries2;
      const giveUp =
        this.s.userTimeoutNs > 0
          ? this.s.userTimeoutNs
          : retransmitGiveUpNs(boundary, this.s.rtoMinNs, this.s.rtoMaxNs);
      if (this.nowNs - this.retransStampNs >= giveUp) {
        this.enterClosed(this.orphaned ? 0 : Errno.ETIMEDOUT);
        return;
      }
    }
    this.enterLoss();
    this.rtt.onTimeout();
    const head = this.recs[this.recHead];
    assert(head !== undefined, 'outstanding data without a retransmission record');
    this.retransmitRecord(head);
    this.rtxDeadline = this.nowNs + this.rtt.rtoNs;
  }

  /** RTO: everything not SACKed is presumed lost and slow start begins again (RFC 5681 §3.1, Linux tcp_enter_loss). */
  private enterLoss(): void {
    const repeated = this.caStateValue === 'loss';
    this.cc.onRetransmitTimeout(this.nowNs, this.sndNxt - this.sndUna, repeated);
    this.caStateValue = 'loss';
    this.recoveryPoint = this.sndNxt;
    this.lostBytes = 0;
    this.rtxOutBytes = 0;
    for (let i = this.recHead; i < this.recs.length; i++) {
      const r = this.recs[i]!;
      r.rtxOut = false;
      r.lost = false;
      if (!r.sacked) this.markLost(r);
    }
    this.dupAcks = 0;
    this.rtxScanPos = this.sndUna;
    this.forceRetransmit = false;
  }

  private onPersistTimer(): void {
    if (!this.canTransmitState() || this.sndNxt > this.sndUna || this.unsentBytes === 0) {
      this.persistBackoff = 0;
      return;
    }
    if (this.probesOut >= (this.orphaned ? this.s.orphanRetries : this.s.retries2)) {
      this.enterClosed(this.orphaned ? 0 : Errno.ETIMEDOUT);
      return;
    }
    const room = this.sndUna + this.sndWnd - this.sndNxt;
    if (room > 0) {
      this.sendNewData(Math.min(room, this.sndMss, this.unsentBytes));
    } else {
      this.emit(this.sndUna - 1, TcpFlags.ACK, EMPTY); // zero-window probe: an old byte forces an ACK
    }
    this.probesOut += 1;
    this.persistBackoff += 1;
    this.persistDeadline = this.nowNs + this.persistIntervalNs();
  }

  private persistIntervalNs(): number {
    let t = Math.max(this.rtt.rtoNs, this.s.rtoMinNs);
    for (let i = 0; i < this.persistBackoff && t < this.s.rtoMaxNs; i++) t *= 2;
    return Math.min(t, this.s.rtoMaxNs);
  }

  private onKeepaliveTimer(): void {
    const ka = this.s.keepalive;
    if (!ka.enabled || !(this.stateValue === 'ESTABLISHED' || this.stateValue === 'CLOSE_WAIT')) return;
    if (this.sndNxt > this.sndUna || this.unsentBytes > 0) {
      // The retransmission timer watches a connection with data in flight.
      this.keepaliveDeadline = this.nowNs + ka.idleNs;
      return;
    }
    const idle = this.nowNs - this.lastRecvNs;
    if (idle < ka.idleNs) {
      this.keepaliveDeadline = this.lastRecvNs + ka.idleNs;
      return;
    }
    if (this.keepaliveProbes >= ka.count) {
      this.sendReset();
      this.enterClosed(Errno.ETIMEDOUT);
      return;
    }
    this.emit(this.sndUna - 1, TcpFlags.ACK, EMPTY);
    this.keepaliveProbes += 1;
    this.keepaliveDeadline = this.nowNs + ka.intervalNs;
  }

  private armKeepalive(): void {
    const ka = this.s.keepalive;
    if (ka.enabled && (this.stateValue === 'ESTABLISHED' || this.stateValue === 'CLOSE_WAIT')) {
      if (this.keepaliveDeadline === null) this.keepaliveDeadline = Math.max(this.lastRecvNs + ka.idleNs, this.nowNs);
    } else {
      this.keepaliveDeadline = null;
    }
  }

  // =========================================================================
  // Output

  /** Sends whatever the state, windows, Nagle/cork and pending ACKs allow. */
  private transmit(): void {
    if (this.canTransmitState()) this.transmitData();
    if (this.ackNow && this.isSynchronizedOrSynRcvd()) this.emit(this.sndNxt, TcpFlags.ACK, EMPTY);
    this.ackNow = false;
  }

  private transmitData(): void {
    // 1. Retransmit segments known lost (fast retransmit / recovery / post-RTO).
    for (;;) {
      const r = this.nextLostRecord();
      if (r === null) break;
      const len = r.end - r.start;
      if (!this.forceRetransmit && this.pipe() + len > this.cc.cwndBytes) {
        this.cwndBlocked = true;
        break;
      }
      this.forceRetransmit = false;
      this.retransmitRecord(r);
    }
    this.forceRetransmit = false;

    // 2. New data.
    let blockedByWindow = false;
    for (;;) {
      const unsent = this.unsentBytes;
      if (unsent === 0) {
        if (this.finQueued && !this.finSent) this.sendNewData(0);
        break;
      }
      let len = Math.min(this.sndMss, unsent);
      const wndRoom = this.sndUna + this.sndWnd - this.sndNxt;
      if (wndRoom < len) {
        // Sender-side silly window avoidance (RFC 1122 §4.2.3.4).
        if (wndRoom > 0 && wndRoom >= this.maxSndWnd / 2) {
          len = wndRoom;
        } else {
          blockedByWindow = true;
          break;
        }
      }
      if (this.pipe() + len > this.cc.cwndBytes) {
        this.cwndBlocked = true;
        break;
      }
      if (len < this.sndMss && len === unsent && !this.finQueued) {
        if (this.s.cork) break;
        if (!this.s.noDelay && this.sndSml > this.sndUna) break; // Nagle: one small segment in flight at a time
      }
      if (
        this.sndNxt === this.sndUna &&
        this.lastDataSentNs !== null &&
        this.nowNs - this.lastDataSentNs > this.rtt.rtoNs
      ) {
        this.cc.onIdleRestart(this.nowNs, this.s.initialCwndSegments * this.sndMss);
      }
      this.sendNewData(len);
    }

    // 3. Timers.
    if (this.sndNxt > this.sndUna) {
      if (this.rtxDeadline === null) this.rtxDeadline = this.nowNs + this.rtt.rtoNs;
      this.persistDeadline = null;
    } else {
      this.rtxDeadline = null;
      if (blockedByWindow && this.persistDeadline === null)
        this.persistDeadline = this.nowNs + this.persistIntervalNs();
      if (!blockedByWindow) this.persistBackoff = 0;
    }
  }

  private nextLostRecord(): TxRecord | null {
    if (this.lostBytes === 0) return null;
    for (let i = this.findRecord(Math.max(this.rtxScanPos, this.sndUna)); i < this.recs.length; i++) {
      const r = this.recs[i]!;
      if (r.sacked || r.rtxOut) {
        this.rtxScanPos = r.end;
        continue;
      }
      return r.lost ? r : null;
    }
    return null;
  }

  /** Sends `len` new data bytes from sndNxt (0 for a bare FIN), with FIN if it empties a closing queue. */
  private sendNewData(len: number): void {
    const start = this.sndNxt;
    const payload = len > 0 ? this.sendBuf.read(start - 1, len) : EMPTY;
    const unsentAfter = this.dataEndPos() - (start + len);
    let flags = TcpFlags.ACK;
    if (len > 0 && unsentAfter === 0) flags |= TcpFlags.PSH;
    const fin = this.finQueued && !this.finSent && unsentAfter === 0;
    if (fin) flags |= TcpFlags.FIN;
    this.emit(start, flags, payload);
    const end = start + len + (fin ? 1 : 0);
    if (fin) this.finSent = true;
    this.recs.push({
      start,
      end,
      fin,
      firstSentNs: this.nowNs,
      lastSentNs: this.nowNs,
      retransmits: 0,
      sacked: false,
      lost: false,
      rtxOut: false,
    });
    this.sndNxt = end;
    if (len > 0) {
      this.lastDataSentNs = this.nowNs;
      if (len < this.sndMss) this.sndSml = end;
    }
    this.maxPipeInWindow = Math.max(this.maxPipeInWindow, this.pipe());
    if (this.rtxDeadline === null) this.rtxDeadline = this.nowNs + this.rtt.rtoNs;
  }

  private retransmitRecord(r: TxRecord): void {
    const dataEnd = r.end - (r.fin ? 1 : 0);
    const payload = dataEnd > r.start ? this.sendBuf.read(r.start - 1, dataEnd - r.start) : EMPTY;
    let flags = TcpFlags.ACK;
    if (r.fin) flags |= TcpFlags.FIN;
    if (payload.length > 0 && dataEnd === this.dataEndPos()) flags |= TcpFlags.PSH;
    this.emit(r.start, flags, payload);
    if (this.retransStampNs === null) this.retransStampNs = r.firstSentNs;
    r.retransmits += 1;
    r.lastSentNs = this.nowNs;
    if (r.lost && !r.rtxOut) {
      r.rtxOut = true;
      this.rtxOutBytes += r.end - r.start;
    }
    this.totalRetrans += 1;
    this.bytesRetrans += payload.length;
    this.rtxScanPos = Math.max(this.rtxScanPos, r.end);
  }

  private sendSyn(): void {
    const options: TcpOptions = { mss: this.s.mssBytes };
    const answering = this.stateValue === 'SYN_RECEIVED';
    if (answering ? this.wsOk : this.s.windowScaling) options.wscale = this.ourWscale;
    if (answering ? this.sackOk : this.s.sack) options.sackPermitted = true;
    if (answering ? this.tsOk : this.s.timestamps)
      options.timestamp = { value: this.tsNow(), echo: answering ? this.tsRecent : 0 };
    const flags = answering ? TcpFlags.SYN | TcpFlags.ACK : TcpFlags.SYN;
    const window = this.initialWindowBytes();
    if (answering) this.rcvAdvEnd = Math.max(this.rcvAdvEnd, this.rcvNxt + window);
    this.pushSegment(0, flags, window, options, EMPTY);
  }

  /** Emits a non-SYN segment at position `pos` with the current ACK and window. */
  private emit(pos: number, flags: number, payload: Uint8Array): void {
    const options: TcpOptions = {};
    if (this.tsOk) options.timestamp = { value: this.tsNow(), echo: this.tsRecent };
    if (this.sackOk && !this.ooo.isEmpty) {
      const irs = this.irs;
      options.sack = this.ooo
        .blocks(this.tsOk ? 3 : 4)
        .map((b) => ({ left: posToSeq(irs, b.start), right: posToSeq(irs, b.end) }));
    }
    const window = this.windowField();
    this.pushSegment(pos, flags, window, options, payload);
  }

  private pushSegment(pos: number, flags: number, window: number, options: TcpOptions, payload: Uint8Array): void {
    const hasAck = (flags & TcpFlags.ACK) !== 0;
    const seg: Segment = {
      srcPort: this.localPort,
      dstPort: this.remotePortValue,
      seq: posToSeq(this.iss, pos),
      ack: hasAck ? posToSeq(this.irs, this.rcvNxt) : 0,
      flags,
      window,
      options,
      payload,
    };
    if (hasAck) {
      if (this.rcvNxt > this.lastAckSentPos && this.quickAcks > 0 && this.receivedData) this.quickAcks -= 1;
      this.lastAckSentPos = this.rcvNxt;
      this.ackNow = false;
      this.ackPending = false;
      this.delackDeadline = null;
    }
    this.segsOut += 1;
    if (payload.length > 0) {
      this.dataSegsOut += 1;
      this.bytesSent += payload.length;
    }
    this.out.push(seg);
  }

  private sendReset(): void {
    const seg: Segment = {
      srcPort: this.localPort,
      dstPort: this.remotePortValue,
      seq: posToSeq(this.iss, this.sndNxt),
      ack: posToSeq(this.irs, this.rcvNxt),
      flags: TcpFlags.RST | TcpFlags.ACK,
      window: 0,
      options: {},
      payload: EMPTY,
    };
    this.segsOut += 1;
    this.out.push(seg);
  }

  private replyReset(seg: Segment): void {
    const r = resetFor(seg);
    if (r) {
      this.segsOut += 1;
      this.out.push(r);
    }
  }

  // =========================================================================
  // Windows and buffers

  private initialWindowBytes(): number {
    return Math.min(0xffff, this.rcvBufBytes);
  }

  /** The raw window field for a non-SYN segment; records the new right edge. */
  private windowField(): number {
    if (this.stateValue === 'SYN_SENT' || this.stateValue === 'CLOSED' || this.stateValue === 'LISTEN') return 0;
    const unit = 2 ** this.rcvWscale;
    const cur = Math.max(0, this.rcvAdvEnd - this.rcvNxt);
    const win = Math.max(this.candidateWindowBytes(), cur);
    let raw = Math.min(Math.floor(win / unit), 0xffff);
    if (raw * unit < cur) raw = Math.min(raw + 1, 0xffff);
    this.rcvAdvEnd = Math.max(this.rcvAdvEnd, this.rcvNxt + raw * unit);
    return raw;
  }

  /** What the free buffer would let us offer, with receiver-side silly window avoidance (RFC 1122 §4.2.3.3). */
  private candidateWindowBytes(): number {
    const free = Math.max(0, this.rcvBufBytes - this.rcvQueue.length - this.ooo.length);
    if (free < Math.min(this.rcvBufBytes / 2, this.rcvMss)) return 0;
    return Math.min(free, 0xffff * 2 ** this.rcvWscale);
  }

  /**
   * After the application read: grow the buffer if it keeps up, and reopen a
   * closed window (Linux tcp_cleanup_rbuf).
   */
  private afterRead(): void {
    this.autotuneReceiveBuffer();
    if (!(this.stateValue === 'ESTABLISHED' || this.stateValue === 'FIN_WAIT_1' || this.stateValue === 'FIN_WAIT_2'))
      return;
    if (this.finReceived) return;
    const cur = Math.max(0, this.rcvAdvEnd - this.rcvNxt);
    if (2 * cur <= this.rcvBufBytes) {
      const next = this.candidateWindowBytes();
      if (next > 0 && next >= 2 * cur && next - cur >= this.rcvMss) {
        this.ackNow = true;
        this.transmit();
      }
    }
  }

  /**
   * Linux tcp_rcv_space_adjust: once per RTT, if the application read more
   * than in the previous one, offer twice that (plus slack), up to
   * tcp_rmem[2]. When simulated time stands still (loopback at one instant)
   * no RTT ever passes, yet the application reads at an unbounded rate: once
   * it has read more than in the last period without time moving at all, the
   * period ends there, so a fast reader grows the buffer as on Linux (where
   * only the CPU bounds a loopback reader).
   */
  private autotuneReceiveBuffer(): void {
    if (!this.s.autotune || this.rcvBufLocked) return;
    const srtt = this.rtt.srttNs;
    if (srtt === null) return;
    if (this.rcvSpaceBytes === 0) {
      this.rcvSpaceBytes = Math.min(this.rcvBufBytes, 10 * this.s.mssBytes);
      this.rcvSpaceMarkNs = this.nowNs;
      this.rcvSpaceCopied = this.bytesRead;
      return;
    }
    const elapsedNs = this.nowNs - this.rcvSpaceMarkNs;
    const copied = this.bytesRead - this.rcvSpaceCopied;
    if (elapsedNs < srtt && !(elapsedNs === 0 && copied > this.rcvSpaceBytes)) return;
    if (copied > this.rcvSpaceBytes) {
      // Offer twice what the application consumed in one RTT, so the sender is never window-limited.
      const want = Math.min(2 * copied + 16 * this.s.mssBytes, this.s.rcvBufMaxBytes);
      if (want > this.rcvBufBytes) this.rcvBufBytes = want;
      this.rcvSpaceBytes = copied;
    }
    this.rcvSpaceMarkNs = this.nowNs;
    this.rcvSpaceCopied = this.bytesRead;
  }

  private autotuneSendBuffer(): void {
    if (!this.s.autotune || this.sndBufLocked) return;
    const want = Math.min(
      2 * Math.max(this.cc.cwndBytes, this.s.initialCwndSegments * this.sndMss),
      this.s.sndBufMaxBytes,
    );
    if (want > this.sndBufBytes) this.sndBufBytes = want;
  }

  // =========================================================================
  // Helpers

  private applyPeerSyn(seg: Segment): void {
    const o = seg.options;
    this.wsOk = this.s.windowScaling && o.wscale !== undefined;
    this.sndWscale = this.wsOk ? Math.min(o.wscale ?? 0, MAX_WSCALE) : 0;
    this.rcvWscale = this.wsOk ? this.ourWscale : 0;
    this.sackOk = this.s.sack && o.sackPermitted === true;
    this.tsOk = this.s.timestamps && o.timestamp !== undefined;
    if (this.tsOk && o.timestamp) this.tsRecent = o.timestamp.value;
    const overhead = this.tsOk ? TIMESTAMP_OPTION_BYTES : 0;
    const peerMss = o.mss !== undefined && o.mss > 0 ? o.mss : DEFAULT_PEER_MSS;
    this.sndMss = Math.max(Math.min(peerMss, this.s.mssBytes) - overhead, 64);
    this.rcvMss = this.sndMss;
    this.cc = this.s.congestion(this.sndMss, this.s.initialCwndSegments * this.sndMss);
  }

  private establish(): void {
    this.setState('ESTABLISHED');
    this.everEstablished = true;
    if (this.synRetransmitted) this.rtt.useConservativeInitial(RTO_AFTER_SYN_LOSS_NS);
    this.lastRecvNs = this.nowNs;
    this.cwndWindowEnd = this.sndNxt;
    this.highestSackedEnd = this.sndUna;
    this.lossMarkPos = this.sndUna;
    this.rtxScanPos = this.sndUna;
    this.sndSml = this.sndUna;
    if (this.finQueued) this.setState('FIN_WAIT_1');
    this.armKeepalive();
  }

  private shutdownWrite(): void {
    if (this.wrShutdown) return;
    this.wrShutdown = true;
    this.finQueued = true;
    // In SYN_RECEIVED the FIN waits for the handshake to finish (see establish()).
    if (this.stateValue === 'ESTABLISHED') this.setState('FIN_WAIT_1');
    else if (this.stateValue === 'CLOSE_WAIT') this.setState('LAST_ACK');
  }

  private enterTimeWait(): void {
    this.setState('TIME_WAIT');
    this.rtxDeadline = null;
    this.persistDeadline = null;
    this.keepaliveDeadline = null;
    this.finWait2Deadline = null;
    this.timeWaitDeadline = this.nowNs + this.s.timeWaitNs;
  }

  private enterClosed(errno: number): void {
    const wasEmbryonic = this.stateValue === 'SYN_RECEIVED' && this.hooks !== null;
    this.setState('CLOSED');
    if (errno !== 0) this.pendingError = errno;
    this.wrShutdown = true;
    this.rtxDeadline = null;
    this.persistDeadline = null;
    this.delackDeadline = null;
    this.keepaliveDeadline = null;
    this.timeWaitDeadline = null;
    this.finWait2Deadline = null;
    this.recs = [];
    this.recHead = 0;
    this.sackedBytes = 0;
    this.lostBytes = 0;
    this.rtxOutBytes = 0;
    this.ooo.clear();
    this.ackNow = false;
    if (wasEmbryonic && this.hooks) this.hooks.dropped(this);
  }

  private setState(next: TcpState): void {
    this.stateValue = next;
    if (next !== 'ESTABLISHED' && next !== 'CLOSE_WAIT') this.keepaliveDeadline = null;
  }

  /** Detaches the connection from its listener once accept() returned it. */
  detachFromListener(): void {
    this.hooks = null;
  }

  private dataEndPos(): number {
    return 1 + this.sendBuf.endOffset;
  }

  private tsNow(): number {
    return this.tsAt(this.nowNs);
  }
  private tsAt(timeNs: number): number {
    return (Math.floor(timeNs / NS_PER_MS) + this.s.tsOffset) >>> 0;
  }

  private clock(nowNs: number | undefined): number {
    if (nowNs !== undefined) {
      if (!Number.isSafeInteger(nowNs) || nowNs < 0)
        throw new Error(`tcp: time ${nowNs} is not a non-negative integer of ns`);
      if (nowNs < this.nowNs) throw new Error(`tcp: time went backwards from ${this.nowNs} to ${nowNs}`);
      this.nowNs = nowNs;
    }
    return this.nowNs;
  }

  private canSendState(): boolean {
    return this.stateValue === 'ESTABLISHED' || this.stateValue === 'CLOSE_WAIT';
  }
  private canTransmitState(): boolean {
    switch (this.stateValue) {
      case 'ESTABLISHED':
      case 'CLOSE_WAIT':
      case 'FIN_WAIT_1':
      case 'CLOSING':
      case 'LAST_ACK':
        return true;
      default:
        return false;
    }
  }
  private isConnecting(): boolean {
    return this.stateValue === 'SYN_SENT' || this.stateValue === 'SYN_RECEIVED';
  }
  private isSynchronized(): boolean {
    switch (this.stateValue) {
      case 'CLOSED':
      case 'LISTEN':
      case 'SYN_SENT':
      case 'SYN_RECEIVED':
        return false;
      default:
        return true;
    }
  }
  private isSynchronizedOrSynRcvd(): boolean {
    return this.isSynchronized() || this.stateValue === 'SYN_RECEIVED';
  }
  private isDeadAfterConnect(): boolean {
    return this.stateValue === 'CLOSED' && (this.everEstablished || this.sndNxt > 0);
  }
}

/**
 * The reset RFC 9293 prescribes for a segment that reached no connection
 * (or a closed one); null when the segment is itself a reset.
 */
export function resetFor(seg: Segment): Segment | null {
  if (seg.flags & TcpFlags.RST) return null;
  if (seg.flags & TcpFlags.ACK) {
    return {
      srcPort: seg.dstPort,
      dstPort: seg.srcPort,
      seq: seg.ack,
      ack: 0,
      flags: TcpFlags.RST,
      window: 0,
      options: {},
      payload: EMPTY,
    };
  }
  return {
    srcPort: seg.dstPort,
    dstPort: seg.srcPort,
    seq: 0,
    ack: (seg.seq + segmentSeqLength(seg)) >>> 0,
    flags: TcpFlags.RST | TcpFlags.ACK,
    window: 0,
    options: {},
    payload: EMPTY,
  };
}

const EMPTY = new Uint8Array(0);

function chooseWscale(maxWindowBytes: number): number {
  let s = 0;
  while (s < MAX_WSCALE && 0xffff * 2 ** s < maxWindowBytes) s += 1;
  return s;
}

function isPort(p: number): boolean {
  return Number.isInteger(p) && p > 0 && p <= 0xffff;
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  const r: Partial<T> = {};
  for (const k of Object.keys(o) as Array<keyof T>) if (o[k] !== undefined) r[k] = o[k];
  return r;
}

function assert(cond: boolean, what: string): asserts cond {
  if (!cond) throw new Error(`tcp: invariant violated: ${what}`);
}
