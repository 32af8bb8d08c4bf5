// The pluggable congestion-control interface (in the spirit of Linux's
// tcp_congestion_ops). Algorithms own cwnd and ssthresh in bytes; the
// connection owns loss detection, recovery and what is in flight.

export interface AckEvent {
  nowNs: number;
  /** Bytes newly acknowledged cumulatively by this ACK. */
  ackedBytes: number;
  /** RTT sample from this ACK, if it produced a valid one. */
  rttNs: number | null;
  /** Smallest RTT seen on the connection, if any. */
  minRttNs: number | null;
  /** Smoothed RTT, if any. */
  srttNs: number | null;
  /**
   * Whether the sender was using the window it had (RFC 7661): growing cwnd
   * while application- or receiver-limited would inflate it without evidence.
   */
  cwndLimited: boolean;
}

export interface CongestionControl {
  readonly name: string;
  /** Congestion window in bytes. */
  readonly cwndBytes: number;
  /** Slow-start threshold in bytes; Infinity until the first congestion event. */
  readonly ssthreshBytes: number;
  readonly inSlowStart: boolean;
  /** New cumulative ACK outside fast recovery. */
  onAck(ev: AckEvent): void;
  /** Loss detected by duplicate ACKs or SACK: set ssthresh and cwnd for recovery (RFC 5681 §3.2, RFC 6675). */
  onCongestionEvent(nowNs: number, bytesInFlight: number): void;
  /** Fast recovery ended with a full ACK: deflate to ssthresh. */
  onRecoveryExit(nowNs: number): void;
  /**
   * Retransmission timeout: cwnd to one segment. `repeated` is true for
   * further timeouts of the same episode, which must not lower ssthresh again.
   */
  onRetransmitTimeout(nowNs: number, bytesInFlight: number, repeated: boolean): void;
  /** Sending resumes after an idle period longer than the RTO (RFC 5681 §4.1). */
  onIdleRestart(nowNs: number, restartWindowBytes: number): void;
  /** The sender's MSS changed (learned at the handshake). */
  setMss(mssBytes: number): void;
}

export type CongestionControlFactory = (mssBytes: number, initialCwndBytes: number) => CongestionControl;

/** Byte-counting slow start shared by the algorithms: grow by what was acked, up to ssthresh; return the excess. */
export function slowStartGrowth(
  cwndBytes: number,
  ssthreshBytes: number,
  ackedBytes: number,
): { cwnd: number; leftover: number } {
  const room = Math.max(0, ssthreshBytes - cwndBytes);
  const grow = Math.min(room, ackedBytes);
  return { cwnd: cwndBytes + grow, leftover: ackedBytes - grow };
}
