// ReadyHosts, the scheduler's index of hosts by earliest event: checked against
// a plain scan of every host's heap after each of many seeded random changes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EventHeap, ReadyHosts, SimEvent, eventBefore, EVENT_PACKET, EVENT_TASK } from '../../src/core/event-queue';

/** A small seeded generator (xorshift32): the same changes on every run. */
function rng(seed: number): (n: number) => number {
  let x = seed >>> 0 || 1;
  return (n) => {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    return x % n;
  };
}

/** The host whose heap holds the earliest event, by a scan of all of them. */
function scanTop(heaps: EventHeap[]): number {
  let best = -1;
  for (let h = 0; h < heaps.length; h++) {
    const e = heaps[h].top();
    if (e === undefined) continue;
    if (best < 0 || eventBefore(e, heaps[best].top() as SimEvent)) best = h;
  }
  return best;
}

for (const [hosts, timeSpan] of [
  [7, 3],
  [300, 50],
  [2000, 1_000_000],
] as const) {
  test(`ReadyHosts agrees with a scan: ${hosts} hosts, event times among ${timeSpan} values (ties included)`, () => {
    const next = rng(hosts * 7919 + timeSpan);
    const heaps = Array.from({ length: hosts }, () => new EventHeap());
    const ready = new ReadyHosts(heaps);
    let seq = 0;
    for (let step = 0; step < 20_000; step++) {
      const h = next(hosts);
      if (next(3) > 0) {
        const ev: SimEvent = {
          timeNs: next(timeSpan),
          srcHostId: next(hosts),
          pusher: next(hosts),
          seq: seq++,
          klass: next(2) === 0 ? EVENT_PACKET : EVENT_TASK,
          owner: h,
          run: () => undefined,
          cancelled: false,
        };
        heaps[h].push(ev);
        ready.update(h);
      } else {
        // The earliest host loses its first event, as a round takes it.
        const top = ready.top();
        if (top >= 0) {
          heaps[top].pop();
          ready.remove(top);
          if (heaps[top].size > 0) ready.update(top);
        }
      }
      assert.equal(ready.top(), scanTop(heaps), `after step ${step}`);
    }
    // Drained in order, every host comes out when its turn is due and the index ends empty.
    let last: SimEvent | undefined;
    for (let top = ready.top(); top >= 0; top = ready.top()) {
      const e = heaps[top].pop() as SimEvent;
      if (last !== undefined) assert.ok(!eventBefore(e, last), 'events come out in order');
      last = e;
      ready.remove(top);
      if (heaps[top].size > 0) ready.update(top);
    }
    assert.equal(ready.length, 0);
    assert.ok(heaps.every((x) => x.size === 0));
  });
}
