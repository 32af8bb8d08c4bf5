// Reno congestion control (RFC 5681): slow start, then one MSS per window of
// acknowledged bytes; halve on loss. Byte counting (RFC 3465) so delayed ACKs
// do not slow growth.

import { AckEvent, CongestionControl, slowStartGrowth } from './congestion';

export class RenoCongestionControl implements CongestionControl {
  readonly name: string = 'reno';
  private cwnd: number;
  private ssthresh = Infinity;
  /** Bytes acked in congestion avoidance not yet turned into growth. */
  private avoidanceCredit = 0;

  constructor(
    private mss: number,
    initialCwndBytes: number,
  ) {
    if (!(mss > 0 && initialCwndBytes >= mss)) throw new Error(`reno: bad mss ${mss} / cwnd ${initialCwndBytes}`);
    this.cwnd = initialCwndBytes;
  }

  get cwndBytes(): number {
    return this.cwnd;
  }
  get ssthreshBytes(): number {
    return this.ssthresh;
  }
  get inSlowStart(): boolean {
    return this.cwnd < this.ssthresh;
  }

  onAck(ev: AckEvent): void {
    if (!ev.cwndLimited) return;
    let acked = ev.ackedBytes;
    if (this.inSlowStart) {
      const g = slowStartGrowth(this.cwnd, this.ssthresh, acked);
      this.cwnd = g.cwnd;
      acked = g.leftover;
      if (acked === 0) return;
    }
    this.avoidanceCredit += acked;
    while (this.avoidanceCredit >= this.cwnd) {
      this.avoidanceCredit -= this.cwnd;
      this.cwnd += this.mss;
    }
  }

  onCongestionEvent(_nowNs: number, bytesInFlight: number): void {
    this.ssthresh = Math.max(Math.floor(bytesInFlight / 2), 2 * this.mss);
    this.cwnd = this.ssthresh;
    this.avoidanceCredit = 0;
  }

  onRecoveryExit(_nowNs: number): void {
    this.cwnd = this.ssthresh;
  }

  onRetransmitTimeout(_nowNs: number, bytesInFlight: number, repeated: boolean): void {
    if (!repeated) this.ssthresh = Math.max(Math.floor(bytesInFlight / 2), 2 * this.mss);
    this.cwnd = this.mss;
    this.avoidanceCredit = 0;
  }

  onIdleRestart(_nowNs: number, restartWindowBytes: number): void {
    this.cwnd = Math.min(this.cwnd, Math.max(restartWindowBytes, this.mss));
  }

  setMss(mssBytes: number): void {
    if (!(mssBytes > 0)) throw new Error(`reno: bad mss ${mssBytes}`);
    this.mss = mssBytes;
    this.cwnd = Math.max(this.cwnd, mssBytes);
  }
}
