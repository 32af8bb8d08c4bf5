// The scheduler: simulated "now" and the event loop. Events run strictly in
// (time, host, sequence) order; nothing at or after stop time runs.
import { EVENT_TASK, EventQueue, SimEvent } from './event-queue';
import { SimTime } from './time';

export class Scheduler {
  readonly queue = new EventQueue();
  nowNs: SimTime = 0;
  eventsRun = 0;

  constructor(readonly stopTimeNs: SimTime) {}

  at(timeNs: SimTime, srcHostId: number, run: () => void, klass = EVENT_TASK): SimEvent {
    if (timeNs < this.nowNs) throw new Error(`invariant: event scheduled in the past (${timeNs} < ${this.nowNs})`);
    return this.queue.push(timeNs, srcHostId, run, klass);
  }

  /** Latest time a running thread may reach without skipping an event. */
  maxRunaheadNs(): SimTime {
    return Math.min(this.queue.peekTime(), this.stopTimeNs);
  }

  /** Runs events until none are left before stop time. `tick` runs between events. */
  run(tick?: () => void): void {
    for (;;) {
      const t = this.queue.peekTime();
      if (t >= this.stopTimeNs) break;
      const ev = this.queue.pop() as SimEvent;
      if (ev.cancelled) continue;
      if (ev.timeNs > this.nowNs) this.nowNs = ev.timeNs;
      this.eventsRun++;
      ev.run();
      if (tick) tick();
    }
  }
}
