// Asynchronous reaping of native processes that ended by exit/exit_group: the
// simulation records their status at once and goes on, while the native
// teardown (unmapping memory, closing fds) runs in parallel. Their channel and
// process slots are not handed out again until the native process is gone.
import type { NativeAddon } from '../native';

/** A native process told to exit whose wait status is not collected yet. */
interface Dying {
  nativePid: number;
  procSlot: number;
  threadSlots: number[];
}

/** Sweep once this many are pending (each sweep costs one WNOHANG waitpid per process). */
const SWEEP_AT = 16;

export class Reaper {
  private pending: Dying[] = [];

  constructor(private readonly addon: NativeAddon) {}

  /** pid is exiting natively; its slots must not be reused before it is reaped. */
  add(nativePid: number, procSlot: number, threadSlots: number[]): void {
    this.pending.push({ nativePid, procSlot, threadSlots });
    if (this.pending.length >= SWEEP_AT) this.sweep();
  }

  get pendingCount(): number {
    return this.pending.length;
  }

  /** Collects every pending process that has ended, without waiting. */
  sweep(): void {
    this.pending = this.pending.filter((d) => this.addon.reap(d.nativePid, false) === -1);
  }

  /**
   * Before a slot is handed out again: waits for the process that last used
   * it (the slot is its shared memory, which it may touch until it is gone).
   * Which slot is handed out does not depend on this, so runs stay deterministic.
   */
  settleThreadSlot(slot: number): void {
    this.settle((d) => d.threadSlots.includes(slot));
  }

  settleProcSlot(slot: number): void {
    this.settle((d) => d.procSlot === slot);
  }

  /** Waits for every pending process (the run's end). */
  drain(): void {
    for (const d of this.pending) this.addon.reap(d.nativePid, true);
    this.pending = [];
  }

  private settle(uses: (d: Dying) => boolean): void {
    if (this.pending.length === 0) return;
    const keep: Dying[] = [];
    for (const d of this.pending) {
      if (uses(d)) this.addon.reap(d.nativePid, true);
      else keep.push(d);
    }
    this.pending = keep;
  }
}
