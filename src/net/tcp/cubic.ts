// CUBIC congestion control (RFC 9438): after a loss the window follows
// W(t) = C(t-K)^3 + Wmax, concave back to the old maximum and convex beyond
// it, never slower than the Reno-friendly estimate. Linux's default.

import { AckEvent, CongestionControl, slowStartGrowth } from './congestion';

export const CUBIC_C = 0.4;
export const CUBIC_BETA = 0.7;
const NS_PER_S = 1e9;
/** Used for the target's lookahead before any RTT sample exists. */
const FALLBACK_RTT_NS = 100_000_000;

export interface CubicOptions {
  /** RFC 9438 §4.7 fast convergence (Linux default on). */
  fastConvergence?: boolean;
}

export class CubicCongestionControl implements CongestionControl {
  readonly name: string = 'cubic';
  /** Window in segments, fractional while growing; exposed rounded down to whole segments. */
  private cwndSegs: number;
  private ssthreshSegs = Infinity;
  private wMaxSegs = 0;
  private lastWMaxSegs = 0;
  private kSeconds = 0;
  private originSegs = 0;
  private epochStartNs: number | null = null;
  /** Reno-friendly window estimate (RFC 9438 §4.3). */
  private wEstSegs = 0;
  private cwndPriorSegs = 0;
  private readonly fastConvergence: boolean;

  constructor(
    private mss: number,
    initialCwndBytes: number,
    options: CubicOptions = {},
  ) {
    if (!(mss > 0 && initialCwndBytes >= mss)) throw new Error(`cubic: bad mss ${mss} / cwnd ${initialCwndBytes}`);
    this.cwndSegs = initialCwndBytes / mss;
    this.fastConvergence = options.fastConvergence ?? true;
  }

  get cwndBytes(): number {
    return Math.max(1, Math.floor(this.cwndSegs)) * this.mss;
  }
  get ssthreshBytes(): number {
    return this.ssthreshSegs === Infinity ? Infinity : Math.floor(this.ssthreshSegs) * this.mss;
  }
  get inSlowStart(): boolean {
    return this.cwndSegs < this.ssthreshSegs;
  }
  /** For tests and tcp_info-style introspection. */
  get state(): { wMaxSegs: number; kSeconds: number; epochStartNs: number | null } {
    return { wMaxSegs: this.wMaxSegs, kSeconds: this.kSeconds, epochStartNs: this.epochStartNs };
  }

  onAck(ev: AckEvent): void {
    if (!ev.cwndLimited) return;
    let ackedSegs = ev.ackedBytes / this.mss;
    if (this.inSlowStart) {
      const g = slowStartGrowth(this.cwndSegs, this.ssthreshSegs, ackedSegs);
      this.cwndSegs = g.cwnd;
      ackedSegs = g.leftover;
      if (ackedSegs <= 0) return;
    }
    this.congestionAvoidance(ev, ackedSegs);
  }

  private congestionAvoidance(ev: AckEvent, ackedSegs: number): void {
    if (this.epochStartNs === null) {
      this.epochStartNs = ev.nowNs;
      if (this.cwndSegs < this.wMaxSegs) {
        this.kSeconds = Math.cbrt((this.wMaxSegs - this.cwndSegs) / CUBIC_C);
        this.originSegs = this.wMaxSegs;
      } else {
        this.kSeconds = 0;
        this.originSegs = this.cwndSegs;
      }
      this.wEstSegs = this.cwndSegs;
    }
    const rttNs = ev.minRttNs ?? ev.srttNs ?? FALLBACK_RTT_NS;
    const tSeconds = (ev.nowNs - this.epochStartNs) / NS_PER_S;
    const targetAt = (t: number): number => CUBIC_C * (t - this.kSeconds) ** 3 + this.originSegs;
    let target = targetAt(tSeconds + rttNs / NS_PER_S);
    target = Math.min(Math.max(target, this.cwndSegs), 1.5 * this.cwndSegs);

    // Reno-friendly region: AIMD with the same average throughput as Reno.
    const alpha = this.wEstSegs >= this.cwndPriorSegs ? 1 : (3 * (1 - CUBIC_BETA)) / (1 + CUBIC_BETA);
    this.wEstSegs += (alpha * ackedSegs) / this.cwndSegs;

    if (targetAt(tSeconds) < this.wEstSegs) {
      this.cwndSegs = Math.max(this.cwndSegs, this.wEstSegs);
    } else {
      this.cwndSegs += ((target - this.cwndSegs) / this.cwndSegs) * ackedSegs;
    }
  }

  private reduce(): void {
    this.epochStartNs = null;
    this.cwndPriorSegs = this.cwndSegs;
    if (this.fastConvergence && this.cwndSegs < this.lastWMaxSegs) {
      this.wMaxSegs = (this.cwndSegs * (1 + CUBIC_BETA)) / 2;
    } else {
      this.wMaxSegs = this.cwndSegs;
    }
    this.lastWMaxSegs = this.wMaxSegs;
    this.ssthreshSegs = Math.max(Math.floor(this.cwndSegs * CUBIC_BETA), 2);
  }

  onCongestionEvent(_nowNs: number, _bytesInFlight: number): void {
    this.reduce();
    this.cwndSegs = this.ssthreshSegs;
  }

  onRecoveryExit(_nowNs: number): void {
    this.cwndSegs = this.ssthreshSegs;
  }

  onRetransmitTimeout(_nowNs: number, _bytesInFlight: number, repeated: boolean): void {
    if (!repeated) this.reduce();
    this.epochStartNs = null;
    this.cwndSegs = 1;
  }

  onIdleRestart(_nowNs: number, restartWindowBytes: number): void {
    this.cwndSegs = Math.min(this.cwndSegs, Math.max(restartWindowBytes / this.mss, 1));
    this.epochStartNs = null;
  }

  setMss(mssBytes: number): void {
    if (!(mssBytes > 0)) throw new Error(`cubic: bad mss ${mssBytes}`);
    const bytes = this.cwndSegs * this.mss;
    this.mss = mssBytes;
    this.cwndSegs = Math.max(bytes / mssBytes, 1);
  }
}
