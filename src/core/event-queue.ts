// Event heaps: one binary min-heap of events per owner (a host, or the global
// owner), ordered by (time, class, source host, pusher, pusher's sequence
// number), so simultaneous events always run in the same order whatever the
// interleaving of hosts. Packet arrivals (class 0) run before other events at
// the same instant, as in Shadow.
import { SimTime } from './time';
import { grown } from './typed-arrays';

export interface SimEvent {
  timeNs: SimTime;
  /** Host that caused the event (deterministic tie-break). */
  srcHostId: number;
  /** Whose handler pushed it (GLOBAL_OWNER outside hosts); seq counts that pusher's pushes. */
  pusher: number;
  seq: number;
  /** 0: packet arrival; 1: everything else. */
  klass: number;
  /** The host whose state the event touches, or GLOBAL_OWNER. */
  owner: number;
  run: () => void;
  /** Cleared events stay in the heap but do nothing when popped. */
  cancelled: boolean;
}

/** Owner of events that may touch any host (fault schedule, API entries): they run alone. */
export const GLOBAL_OWNER = -1;

export function eventBefore(a: SimEvent, b: SimEvent): boolean {
  if (a.timeNs !== b.timeNs) return a.timeNs < b.timeNs;
  if (a.klass !== b.klass) return a.klass < b.klass;
  if (a.srcHostId !== b.srcHostId) return a.srcHostId < b.srcHostId;
  if (a.pusher !== b.pusher) return a.pusher < b.pusher;
  return a.seq < b.seq;
}

export const EVENT_PACKET = 0;
export const EVENT_TASK = 1;

/**
 * One owner's pending events. Each slot's time sits in a typed array beside
 * the event: a comparison reads the two events only when their times tie (a
 * bulk TCP transfer pops millions of events, and the pointer chase per
 * comparison was a tenth of its run).
 */
export class EventHeap {
  private readonly heap: SimEvent[] = [];
  private times = new Float64Array(8);

  get size(): number {
    return this.heap.length;
  }

  /** The earliest event, cancelled or not (undefined when empty). */
  top(): SimEvent | undefined {
    return this.heap[0];
  }

  /** The earliest live event: cancelled ones at the top are dropped on the way. */
  liveTop(): SimEvent | undefined {
    const h = this.heap;
    while (h.length > 0 && h[0].cancelled) this.pop();
    return h[0];
  }

  push(ev: SimEvent): void {
    const h = this.heap;
    let i = h.length;
    if (i === this.times.length) this.times = grown(this.times, i + 1);
    const times = this.times;
    const t = ev.timeNs;
    h.push(ev);
    // Sift up with a hole: parents move down until ev's place is found.
    while (i > 0) {
      const p = (i - 1) >> 1;
      const tp = times[p];
      if (t > tp || (t === tp && !eventBefore(ev, h[p]))) break;
      h[i] = h[p];
      times[i] = tp;
      i = p;
    }
    h[i] = ev;
    times[i] = t;
  }

  pop(): SimEvent | undefined {
    const h = this.heap;
    if (h.length === 0) return undefined;
    const top = h[0];
    const last = h.pop() as SimEvent;
    const n = h.length;
    if (n > 0) {
      const times = this.times;
      const t = times[n];
      // Sift down with a hole from the root for the last event.
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        if (l >= n) break;
        const r = l + 1;
        let c = l;
        if (r < n && (times[r] < times[l] || (times[r] === times[l] && eventBefore(h[r], h[l])))) c = r;
        const tc = times[c];
        if (t < tc || (t === tc && !eventBefore(h[c], last))) break;
        h[i] = h[c];
        times[i] = tc;
        i = c;
      }
      h[i] = last;
      times[i] = t;
    }
    return top;
  }
}

/**
 * The hosts that have events and may run one now, ordered by their earliest
 * event (ties: the lower host id): an indexed heap, so a host's position moves
 * when its earliest event changes. Each slot keeps its host's earliest event
 * time beside the host id: comparing through heaps[host].top() costs four
 * dependent loads per side, cache misses with thousands of hosts (a tenth of a
 * 5000-host run's own time); events are looked at only when times tie.
 * Invariant: times[pos[h]] is heaps[h].top().timeNs for every h in the heap,
 * so whoever changes a listed host's earliest event calls update or remove.
 */
export class ReadyHosts {
  private size = 0;
  private hosts = new Int32Array(16);
  private times = new Float64Array(16);
  /** Index in the heap per host id, -1 when absent. */
  private pos: Int32Array = new Int32Array(16).fill(-1);

  constructor(private readonly heaps: readonly EventHeap[]) {}

  get length(): number {
    return this.size;
  }

  top(): number {
    return this.size > 0 ? this.hosts[0] : -1;
  }

  has(host: number): boolean {
    return host < this.pos.length && this.pos[host] >= 0;
  }

  /** Adds host, or moves it after its earliest event changed. */
  update(host: number): void {
    if (host >= this.pos.length) this.pos = grown(this.pos, host + 1, -1);
    let i = this.pos[host];
    if (i < 0) {
      if (this.size === this.hosts.length) {
        this.hosts = grown(this.hosts, this.size + 1);
        this.times = grown(this.times, this.size + 1);
      }
      i = this.size++;
      this.hosts[i] = host;
      this.pos[host] = i;
    }
    this.times[i] = (this.heaps[host].top() as SimEvent).timeNs;
    this.down(this.up(i));
  }

  remove(host: number): void {
    if (!this.has(host)) return;
    const i = this.pos[host];
    const lastIndex = --this.size;
    this.pos[host] = -1;
    if (i === lastIndex) return;
    const last = this.hosts[lastIndex];
    this.hosts[i] = last;
    this.times[i] = this.times[lastIndex];
    this.pos[last] = i;
    this.down(this.up(i));
  }

  /** Whether the host at heap index i goes before the one at j. */
  private less(i: number, j: number): boolean {
    const ti = this.times[i];
    const tj = this.times[j];
    if (ti !== tj) return ti < tj;
    const a = this.hosts[i];
    const b = this.hosts[j];
    const ea = this.heaps[a].top() as SimEvent;
    const eb = this.heaps[b].top() as SimEvent;
    if (ea === eb) return a < b;
    return eventBefore(ea, eb);
  }

  private swap(i: number, j: number): void {
    const hosts = this.hosts;
    const times = this.times;
    const h = hosts[i];
    hosts[i] = hosts[j];
    hosts[j] = h;
    const t = times[i];
    times[i] = times[j];
    times[j] = t;
    this.pos[hosts[i]] = i;
    this.pos[hosts[j]] = j;
  }

  private up(i: number): number {
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!this.less(i, p)) break;
      this.swap(i, p);
      i = p;
    }
    return i;
  }

  private down(i: number): void {
    const n = this.size;
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let m = i;
      if (l < n && this.less(l, m)) m = l;
      if (r < n && this.less(r, m)) m = r;
      if (m === i) return;
      this.swap(i, m);
      i = m;
    }
  }
}
