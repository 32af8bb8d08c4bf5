// The scheduler: simulated time and the event loop, in rounds. A round runs
// the events before T + lookahead (T: its first event's time; lookahead: the
// smallest delay anything can take from one host to another), so within it
// hosts are independent and several may run at once (general.parallelism);
// what one host does to shared state is deferred to the round's end and
// applied in an order no interleaving changes. Global events run alone.
import * as os from 'node:os';
import { assert } from './assert';
import { EVENT_TASK, EventHeap, GLOBAL_OWNER, ReadyHosts, SimEvent } from './event-queue';
import { SimTime } from './time';
import { grown } from './typed-arrays';

/** Processes that may be starting natively at once, beside the threads that run (Scheduler.canPostStart). */
export const MAX_STARTING = 32;

/**
 * Hosts that may run at once for general.parallelism: 0 means one per usable
 * core; never more than hosts, nor than one futex_waitv can watch beside the
 * starting processes and the spawner's word (128 in all).
 */
export function effectiveParallelism(configured: number, hostCount: number): number {
  const want = configured > 0 ? configured : os.availableParallelism();
  return Math.max(1, Math.min(want, hostCount, 127 - MAX_STARTING));
}

/** Serves managed threads that run natively while the loop goes on (parallelism > 1, or a process starting). */
export interface InFlightRunner {
  /** Waits until one posted thread answers and handles it (sched.resume / sched.finishTurn around it). */
  serveOne(): void;
}

/** Work a host did that touches shared state, kept until the round ends (objects are reused). */
interface Effect {
  timeNs: number;
  host: number;
  seq: number;
  run: (arg: unknown) => void;
  arg: unknown;
}

function effectBefore(a: Effect, b: Effect): number {
  return a.timeNs - b.timeNs || a.host - b.host || a.seq - b.seq;
}

export class Scheduler {
  /** "Now" of the context that runs: the current host's clock, or the global time. */
  nowNs: SimTime = 0;
  eventsRun = 0;
  /** The host whose handlers run now, or GLOBAL_OWNER. */
  current = GLOBAL_OWNER;
  /** Hosts whose threads may run at once (1: one at a time, every reply waited for). */
  parallelism = 1;
  /** Smallest delay from one host's action to another host's event (0: rounds of one instant). */
  lookaheadNs: () => number = () => 0;
  /** Times the loop stops at between rounds, so a sample sees whole rounds (the report). */
  barrierNs: () => number = () => Infinity;
  runner: InFlightRunner | null = null;

  private readonly heaps: EventHeap[] = [];
  private readonly globalHeap = new EventHeap();
  private readonly ready = new ReadyHosts(this.heaps);
  /** Per host: its clock, kept while another context runs. */
  private hostNowNs: number[] = [];
  /** Per host: 1 while one of its events or threads is being served (its events wait). */
  private busy: Uint8Array = new Uint8Array(0);
  private seqByPusher: number[] = [];
  private globalSeq = 0;
  private globalNowNs = 0;
  private inRound = false;
  private roundEndNs = Infinity;
  /** Threads the running round lets run at once. */
  private roundParallelism = 1;
  private roundHasLookahead = false;
  private flying = 0;
  /** Of the threads in flight, those whose process is still starting (not counted against parallelism). */
  private starting = 0;
  private postedNow = false;
  private postedStart = false;
  private readonly effects: Effect[] = [];
  private readonly effectPool: Effect[] = [];
  private effectSeq: number[] = [];

  constructor(readonly stopTimeNs: SimTime) {}

  /**
   * Schedules run at timeNs for owner (default: the source host). Within a
   * round, an event for another host must fall after the round.
   */
  at(timeNs: SimTime, srcHostId: number, run: () => void, klass = EVENT_TASK, owner = srcHostId): SimEvent {
    if (!Number.isSafeInteger(timeNs) || timeNs < 0) throw new Error(`invariant: event at bad time ${timeNs}`);
    if (timeNs < this.nowNs) throw new Error(`invariant: event scheduled in the past (${timeNs} < ${this.nowNs})`);
    const pusher = this.current;
    let seq: number;
    if (pusher === GLOBAL_OWNER) seq = ++this.globalSeq;
    else seq = this.seqByPusher[pusher] = (this.seqByPusher[pusher] ?? 0) + 1;
    const ev: SimEvent = { timeNs, srcHostId, pusher, seq, klass, owner, run, cancelled: false };
    if (owner === GLOBAL_OWNER) {
      assert(!this.inRound || timeNs >= this.roundEndNs, 'a global event lands inside the running round');
      this.globalHeap.push(ev);
      return ev;
    }
    assert(owner >= 0, 'event owner');
    // (A round without lookahead runs one host at a time: another host's event at its instant is fine there.)
    if (this.inRound && owner !== pusher && this.roundHasLookahead) {
      assert(timeNs >= this.roundEndNs, `host ${pusher} scheduled an event for host ${owner} inside the running round`);
    }
    this.heapOf(owner).push(ev);
    if (this.busy[owner] === 0) this.ready.update(owner);
    return ev;
  }

  /** Latest time the running host's clock may reach without skipping one of its events. */
  maxRunaheadNs(): SimTime {
    if (this.current === GLOBAL_OWNER || !this.inRound) return this.nowNs;
    const next = this.heapOf(this.current).liveTop();
    const t = next === undefined ? Infinity : next.timeNs;
    return Math.min(t, this.roundEndNs, this.stopTimeNs);
  }

  /** Whether the running host may leave its thread running natively and let the loop go on. */
  canPost(): boolean {
    return this.roundParallelism > 1 && this.inRound && this.current !== GLOBAL_OWNER;
  }

  /**
   * Whether the running host may start a process natively and let the loop go
   * on, its first message served later: in any round with a lookahead, also
   * at parallelism 1, since a process that has not started yet runs nothing
   * simulated. At most MAX_STARTING at once (the runner waits on them all).
   */
  canPostStart(): boolean {
    return this.inRound && this.roundHasLookahead && this.current !== GLOBAL_OWNER && this.starting < MAX_STARTING;
  }

  /** The running host's thread was posted (start: its process is starting): its events wait until runner serves it. */
  posted(start = false): void {
    assert(start ? this.canPostStart() : this.canPost(), 'a thread posted outside its host turn');
    assert(!this.postedNow, 'a host posted two threads in one turn');
    this.postedNow = true;
    this.postedStart = start;
  }

  /** Switches to host's context to serve its posted thread (the runner, before handling its answer). */
  resume(host: number, start = false): void {
    assert(this.busy[host] === 1 && this.flying > 0, 'resume of a host not in flight');
    assert(!start || this.starting > 0, 'resume of a start not in flight');
    this.flying--;
    if (start) this.starting--;
    this.current = host;
    this.nowNs = this.hostNowNs[host];
  }

  /**
   * Runs fn in host's context while its thread stays posted (the runner
   * learning something about it, e.g. that its process started), then comes back.
   */
  visit(host: number, fn: () => void): void {
    const savedCurrent = this.current;
    const savedNowNs = this.nowNs;
    this.current = host;
    this.nowNs = this.hostNowNs[host];
    try {
      fn();
    } finally {
      this.hostNowNs[host] = this.nowNs;
      this.current = savedCurrent;
      this.nowNs = savedNowNs;
    }
  }

  /** The host's turn ends: saves its clock; its events may run again unless it posted a thread. */
  finishTurn(host: number): void {
    this.hostNowNs[host] = this.nowNs;
    this.current = GLOBAL_OWNER;
    this.nowNs = this.globalNowNs;
    if (this.postedNow) {
      this.postedNow = false;
      this.flying++;
      if (this.postedStart) this.starting++;
      this.postedStart = false;
      return;
    }
    this.busy[host] = 0;
    if (this.heapOf(host).size > 0) this.ready.update(host);
  }

  /**
   * Runs fn(arg) now, or (inside a round) at the round's end in (time, host,
   * order) order: for what reaches shared state (the network's links, the log).
   * fn(arg) rather than a closure: a packet's trip allocates nothing here.
   */
  defer<T>(fn: (arg: T) => void, arg: T): void {
    const h = this.current;
    if (!this.inRound || h === GLOBAL_OWNER) {
      fn(arg);
      return;
    }
    const seq = (this.effectSeq[h] = (this.effectSeq[h] ?? 0) + 1);
    const e = this.effectPool.pop() ?? { timeNs: 0, host: 0, seq: 0, run: fn as (a: unknown) => void, arg: null };
    e.timeNs = this.nowNs;
    e.host = h;
    e.seq = seq;
    e.run = fn as (a: unknown) => void;
    e.arg = arg;
    this.effects.push(e);
  }

  /**
   * Whether the running host's own next event comes before every other host's
   * and global event: a guess at who runs next (used only as a spin hint).
   */
  ownEventNext(): boolean {
    const h = this.current;
    if (h === GLOBAL_OWNER) return false;
    const own = this.heapOf(h).liveTop();
    if (own === undefined) return false;
    const other = this.nextEvent();
    return other === undefined || own.timeNs <= other.timeNs;
  }

  /** Time of the earliest live event of any owner, or Infinity. */
  peekTime(): number {
    const e = this.nextEvent();
    return e === undefined ? Infinity : e.timeNs;
  }

  /** Removes and returns the earliest event of any owner, cancelled or not (tests drive time with it). */
  popNext(): SimEvent | undefined {
    const e = this.nextEvent();
    if (e === undefined) return undefined;
    if (e.owner === GLOBAL_OWNER) return this.globalHeap.pop();
    this.heaps[e.owner].pop();
    this.ready.remove(e.owner);
    if (this.heaps[e.owner].size > 0) this.ready.update(e.owner);
    return e;
  }

  /** Runs events until none are left before stop time. `tick` runs between rounds with the time reached. */
  run(tick?: (nowNs: number) => void): void {
    for (;;) {
      const host = this.readyTop();
      const hostEv = host < 0 ? undefined : this.heaps[host].top();
      const globalEv = this.globalHeap.liveTop();
      const t = Math.min(hostEv?.timeNs ?? Infinity, globalEv?.timeNs ?? Infinity);
      if (t >= this.stopTimeNs) break;
      if (t > this.globalNowNs) this.globalNowNs = t;
      this.nowNs = this.globalNowNs;
      if (tick) tick(t);
      if (globalEv !== undefined && globalEv.timeNs <= t) {
        // Global events of an instant run before its host events, alone.
        this.globalHeap.pop();
        this.eventsRun++;
        globalEv.run();
        this.current = GLOBAL_OWNER;
        this.nowNs = this.globalNowNs;
        continue;
      }
      this.runRound(t, globalEv?.timeNs ?? Infinity);
    }
  }

  private runRound(startNs: number, nextGlobalNs: number): void {
    const lookahead = this.lookaheadNs();
    const barrier = this.barrierNs();
    let end = Math.min(startNs + Math.max(lookahead, 1), nextGlobalNs, this.stopTimeNs);
    if (barrier > startNs && barrier < end) end = barrier;
    // Without a lookahead another host's event may land at the round's own instant: one at a time.
    const parallel = lookahead > 0 ? this.parallelism : 1;
    this.roundParallelism = parallel;
    this.roundHasLookahead = lookahead > 0;
    this.inRound = true;
    this.roundEndNs = end;
    let finished = false;
    try {
      for (;;) {
        while (this.flying - this.starting < parallel && this.starting < MAX_STARTING) {
          const host = this.readyTop();
          if (host < 0) break;
          const heap = this.heaps[host];
          const ev = heap.top() as SimEvent;
          if (ev.timeNs >= end) break;
          heap.pop();
          this.ready.remove(host);
          this.busy[host] = 1;
          this.current = host;
          const clock = this.hostNowNs[host];
          this.nowNs = clock > ev.timeNs ? clock : ev.timeNs;
          this.eventsRun++;
          ev.run();
          this.finishTurn(host);
        }
        if (this.flying === 0) break;
        (this.runner as InFlightRunner).serveOne();
      }
      finished = true;
    } finally {
      this.inRound = false;
      this.roundEndNs = Infinity;
      this.current = GLOBAL_OWNER;
      this.nowNs = this.globalNowNs;
      if (!finished) {
        // Failing: still write what was logged before (the error's context), without masking the error.
        try {
          this.applyEffects();
        } catch {
          this.effects.length = 0;
        }
      }
    }
    this.applyEffects();
  }

  private applyEffects(): void {
    const list = this.effects;
    if (list.length === 0) return;
    list.sort(effectBefore);
    for (let i = 0; i < list.length; i++) {
      const e = list[i];
      this.current = e.host;
      this.nowNs = e.timeNs;
      const arg = e.arg;
      e.arg = null;
      e.run(arg);
      this.effectPool.push(e);
    }
    list.length = 0;
    this.current = GLOBAL_OWNER;
    this.nowNs = this.globalNowNs;
  }

  /** The ready host with the earliest live event (cancelled tops are dropped), or -1. */
  private readyTop(): number {
    for (;;) {
      const host = this.ready.top();
      if (host < 0) return -1;
      const heap = this.heaps[host];
      const ev = heap.top();
      if (ev !== undefined && !ev.cancelled) return host;
      heap.liveTop();
      if (heap.size === 0) this.ready.remove(host);
      else this.ready.update(host);
    }
  }

  private nextEvent(): SimEvent | undefined {
    const host = this.readyTop();
    const h = host < 0 ? undefined : this.heaps[host].top();
    const g = this.globalHeap.liveTop();
    if (h === undefined) return g;
    if (g === undefined) return h;
    return g.timeNs <= h.timeNs ? g : h;
  }

  private heapOf(host: number): EventHeap {
    while (this.heaps.length <= host) {
      this.heaps.push(new EventHeap());
      this.hostNowNs.push(0);
    }
    if (this.busy.length <= host) this.busy = grown(this.busy, host + 1);
    return this.heaps[host];
  }
}
