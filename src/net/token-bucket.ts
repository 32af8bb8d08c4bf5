// A host's per-direction bandwidth limit (network-graph reference §8): a token
// bucket refilled every 1 ms of simulated time, as a pure object driven by an
// explicit clock so it can be tested without a scheduler.
//
// Model: tokens are bytes. Refills happen at fixed ticks `originNs + k·1 ms`
// (k ≥ 1), each adding max(1, floor(rate/1000)) bytes up to a capacity of one
// refill plus one 1500-byte MTU. The bucket starts full at `originNs`. A packet
// may leave once the bucket holds at least its size; its size is then removed.
// Refills are applied lazily, so an idle bucket costs nothing.

export const REFILL_INTERVAL_NS = 1_000_000;
/** One MTU of burst on top of a refill's worth. */
export const BURST_BYTES = 1500;

export class TokenBucket {
  readonly refillBytes: number;
  readonly capacityBytes: number;
  private balanceBytes: number;
  /** Time of the latest refill tick already applied (or the origin). */
  private lastRefillNs: number;
  /**
   * Latest time the bucket has been advanced to (by a query or a departure).
   * Earlier times passed in are treated as this one, so the clock never runs backwards.
   */
  private clockNs: number;

  constructor(rateBytesPerSec: number, originNs = 0) {
    if (!Number.isSafeInteger(rateBytesPerSec) || rateBytesPerSec < 0) {
      throw new Error(`TokenBucket: rate must be a non-negative integer, got ${rateBytesPerSec}`);
    }
    this.refillBytes = Math.max(1, Math.floor(rateBytesPerSec / 1000));
    this.capacityBytes = this.refillBytes + BURST_BYTES;
    this.balanceBytes = this.capacityBytes;
    this.lastRefillNs = originNs;
    this.clockNs = originNs;
  }

  /** Tokens available at `nowNs` (applying any refills due by then). */
  availableBytes(nowNs: number): number {
    this.advanceTo(nowNs);
    return this.balanceBytes;
  }

  /**
   * Earliest time ≥ `nowNs` (and ≥ the previous departure) at which a packet
   * of `sizeBytes` could leave. Does not take any tokens. `nowNs` must be the
   * current simulated time, not a what-if: refills up to it are applied.
   */
  readyAtNs(sizeBytes: number, nowNs: number): number {
    this.checkSize(sizeBytes);
    this.advanceTo(nowNs);
    const missingBytes = sizeBytes - this.balanceBytes;
    if (missingBytes <= 0) return this.clockNs;
    const ticks = Math.ceil(missingBytes / this.refillBytes);
    return this.lastRefillNs + ticks * REFILL_INTERVAL_NS;
  }

  /**
   * Sends a packet of `sizeBytes` no earlier than `nowNs`: returns its departure
   * time (`nowNs` if the bucket already holds enough) and removes its tokens at
   * that time. Packets handed in while an earlier one is still waiting queue
   * behind it, since the departure time never goes below the previous one.
   */
  consume(sizeBytes: number, nowNs: number): number {
    const departNs = this.readyAtNs(sizeBytes, nowNs);
    this.advanceTo(departNs);
    this.balanceBytes -= sizeBytes;
    return departNs;
  }

  private advanceTo(nowNs: number): void {
    if (nowNs <= this.clockNs) return;
    this.clockNs = nowNs;
    const ticks = Math.floor((nowNs - this.lastRefillNs) / REFILL_INTERVAL_NS);
    if (ticks === 0) return;
    this.lastRefillNs += ticks * REFILL_INTERVAL_NS;
    this.balanceBytes = Math.min(this.capacityBytes, this.balanceBytes + ticks * this.refillBytes);
  }

  private checkSize(sizeBytes: number): void {
    // A packet larger than the bucket could never conform and would stall the interface forever.
    if (!Number.isSafeInteger(sizeBytes) || sizeBytes < 0 || sizeBytes > this.capacityBytes) {
      throw new Error(`TokenBucket: packet of ${sizeBytes} bytes cannot pass a ${this.capacityBytes}-byte bucket`);
    }
  }
}
