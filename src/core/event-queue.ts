// The event queue: a binary min-heap ordered by (time, class, source host id,
// per-source sequence number), so simultaneous events always run in the same
// order whatever the insertion order across hosts. Packet arrivals (class 0)
// run before other events at the same instant, as in Shadow.
import { SimTime } from './time';

export interface SimEvent {
  timeNs: SimTime;
  /** Host that caused the event (deterministic tie-break). */
  srcHostId: number;
  seq: number;
  /** 0: packet arrival; 1: everything else. */
  klass: number;
  run: () => void;
  /** Cleared events stay in the heap but do nothing when popped. */
  cancelled: boolean;
}

function before(a: SimEvent, b: SimEvent): boolean {
  if (a.timeNs !== b.timeNs) return a.timeNs < b.timeNs;
  if (a.klass !== b.klass) return a.klass < b.klass;
  if (a.srcHostId !== b.srcHostId) return a.srcHostId < b.srcHostId;
  return a.seq < b.seq;
}

export const EVENT_PACKET = 0;
export const EVENT_TASK = 1;

export class EventQueue {
  private heap: SimEvent[] = [];
  private seqByHost: number[] = [];

  get size(): number {
    return this.heap.length;
  }

  push(timeNs: SimTime, srcHostId: number, run: () => void, klass = EVENT_TASK): SimEvent {
    if (!Number.isSafeInteger(timeNs) || timeNs < 0) throw new Error(`invariant: event at bad time ${timeNs}`);
    const seq = (this.seqByHost[srcHostId] ?? 0) + 1;
    this.seqByHost[srcHostId] = seq;
    const ev: SimEvent = { timeNs, srcHostId, seq, klass, run, cancelled: false };
    const h = this.heap;
    h.push(ev);
    let i = h.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!before(h[i], h[p])) break;
      [h[i], h[p]] = [h[p], h[i]];
      i = p;
    }
    return ev;
  }

  /** Time of the earliest live event, or Infinity. */
  peekTime(): number {
    while (this.heap.length > 0 && this.heap[0].cancelled) this.pop();
    return this.heap.length > 0 ? this.heap[0].timeNs : Infinity;
  }

  pop(): SimEvent | undefined {
    const h = this.heap;
    if (h.length === 0) return undefined;
    const top = h[0];
    const last = h.pop() as SimEvent;
    if (h.length > 0) {
      h[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < h.length && before(h[l], h[m])) m = l;
        if (r < h.length && before(h[r], h[m])) m = r;
        if (m === i) break;
        [h[i], h[m]] = [h[m], h[i]];
        i = m;
      }
    }
    return top;
  }
}
