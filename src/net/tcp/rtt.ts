// Round-trip estimation and retransmission timeout (RFC 6298), with Linux's
// choices where programs can observe them: the 200 ms floor applies to the
// variance term (RTO >= SRTT + 200 ms, hence "rto:204" on a LAN in `ss -i`).

export const MS = 1_000_000;
export const SECOND = 1_000_000_000;

export interface RtoLimits {
  initialNs: number;
  minNs: number;
  maxNs: number;
}

export class RttEstimator {
  private srtt: number | null = null;
  private rttvar = 0;
  private minRtt: number | null = null;
  private latest: number | null = null;
  /** RTO before exponential backoff. */
  private baseRto: number;
  /** Number of doublings applied since the last valid sample. */
  backoff = 0;

  constructor(private readonly limits: RtoLimits) {
    if (!(limits.minNs > 0 && limits.minNs <= limits.initialNs && limits.initialNs <= limits.maxNs)) {
      throw new Error(`tcp: inconsistent RTO limits ${JSON.stringify(limits)}`);
    }
    this.baseRto = limits.initialNs;
  }

  get srttNs(): number | null {
    return this.srtt;
  }
  get rttvarNs(): number {
    return this.rttvar;
  }
  get minRttNs(): number | null {
    return this.minRtt;
  }
  get latestRttNs(): number | null {
    return this.latest;
  }
  get hasSample(): boolean {
    return this.srtt !== null;
  }

  /** The timeout to arm now: base RTO doubled once per backoff, capped at the maximum. */
  get rtoNs(): number {
    let rto = this.baseRto;
    for (let i = 0; i < this.backoff && rto < this.limits.maxNs; i++) rto *= 2;
    return Math.min(rto, this.limits.maxNs);
  }

  /** Feeds one valid (Karn-clean) RTT measurement; clears any backoff (RFC 6298 §5.7 ends with a fresh sample). */
  sample(rttNs: number): void {
    const r = Math.max(1, Math.round(rttNs));
    this.latest = r;
    this.minRtt = this.minRtt === null ? r : Math.min(this.minRtt, r);
    if (this.srtt === null) {
      this.srtt = r;
      this.rttvar = Math.round(r / 2);
    } else {
      this.rttvar = Math.round((3 * this.rttvar + Math.abs(this.srtt - r)) / 4);
      this.srtt = Math.round((7 * this.srtt + r) / 8);
    }
    const rto = this.srtt + Math.max(4 * this.rttvar, this.limits.minNs);
    this.baseRto = Math.min(Math.max(rto, this.limits.minNs), this.limits.maxNs);
    this.backoff = 0;
  }

  /** RFC 6298 §5.7: after a retransmitted SYN and no sample, start data transfer with 3 s. */
  useConservativeInitial(rtoNs: number): void {
    if (this.srtt === null) {
      this.baseRto = Math.min(Math.max(rtoNs, this.limits.minNs), this.limits.maxNs);
      this.backoff = 0;
    }
  }

  onTimeout(): void {
    if (this.rtoNs < this.limits.maxNs) this.backoff += 1;
  }
}

/**
 * Linux's retransmits_timed_out(): the time a connection keeps retransmitting
 * before giving up, as if the RTO started at `rtoBaseNs` and doubled up to the
 * maximum `boundary` times. tcp_syn_retries=6 with a 1 s base gives 127 s;
 * tcp_retries2=15 with the 200 ms minimum gives 924.6 s.
 */
export function retransmitGiveUpNs(boundary: number, rtoBaseNs: number, rtoMaxNs: number): number {
  const linearThreshold = Math.floor(Math.log2(rtoMaxNs / rtoBaseNs));
  if (boundary <= linearThreshold) return (2 ** (boundary + 1) - 1) * rtoBaseNs;
  return (2 ** (linearThreshold + 1) - 1) * rtoBaseNs + (boundary - linearThreshold) * rtoMaxNs;
}
