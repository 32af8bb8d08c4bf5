// The scheduler's rounds: hosts' events in key order within a round bounded by
// the lookahead, per-host clocks and runahead, global events alone, effects
// applied at the round's end in an order no interleaving changes, and hosts
// whose thread is posted (parallelism > 1) waiting for the runner.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { InFlightRunner, MAX_STARTING, Scheduler } from '../../src/core/scheduler';
import { EVENT_PACKET, EVENT_TASK, GLOBAL_OWNER } from '../../src/core/event-queue';

const MS = 1_000_000;
const run = (fn: () => void): void => fn();

test('within a round events run in (time, class, source) order; rounds end at start + lookahead', () => {
  const s = new Scheduler(100 * MS);
  s.lookaheadNs = () => 10 * MS;
  const ran: string[] = [];
  const rounds: number[] = [];
  s.at(5 * MS, 1, () => ran.push('h1@5'));
  s.at(5 * MS, 0, () => ran.push('h0@5'));
  s.at(5 * MS, 2, () => ran.push('h2-packet@5'), EVENT_PACKET);
  s.at(14 * MS, 0, () => ran.push('h0@14'));
  s.at(16 * MS, 1, () => ran.push('h1@16'));
  s.run((t) => rounds.push(t / MS));
  assert.deepEqual(ran, ['h2-packet@5', 'h0@5', 'h1@5', 'h0@14', 'h1@16']);
  // Rounds start at the first pending event: [5, 15) then [16, 26).
  assert.deepEqual(rounds, [5, 16]);
});

test('each host keeps its own clock; runahead is its next event or the round end', () => {
  const s = new Scheduler(100 * MS);
  s.lookaheadNs = () => 10 * MS;
  const seen: Array<[string, number, number]> = [];
  s.at(1 * MS, 0, () => {
    // A CPU-latency charge moves host 0's clock; host 1 is not affected.
    s.nowNs = 3 * MS;
    seen.push(['h0', s.nowNs, s.maxRunaheadNs()]);
    s.at(7 * MS, 0, () => seen.push(['h0 later', s.nowNs, s.maxRunaheadNs()]));
  });
  s.at(2 * MS, 1, () => seen.push(['h1', s.nowNs, s.maxRunaheadNs()]));
  s.at(4 * MS, 0, () => seen.push(['h0 second', s.nowNs, s.maxRunaheadNs()]));
  s.run();
  assert.deepEqual(seen, [
    ['h0', 3 * MS, 4 * MS], // its own next event at 4 ms
    ['h1', 2 * MS, 11 * MS], // nothing of its own: the round's end
    ['h0 second', 4 * MS, 7 * MS],
    ['h0 later', 7 * MS, 11 * MS],
  ]);
});

test('an event for another host inside the running round is refused', () => {
  const s = new Scheduler(100 * MS);
  s.lookaheadNs = () => 10 * MS;
  s.at(1 * MS, 0, () => {
    assert.throws(() => s.at(5 * MS, 0, () => {}, EVENT_PACKET, 1), /inside the running round/);
    s.at(11 * MS, 0, () => {}, EVENT_PACKET, 1); // at the round's end: allowed
  });
  s.run();
});

test('deferred effects run at the round end in (time, host, order) order, on their host clock', () => {
  const s = new Scheduler(100 * MS);
  s.lookaheadNs = () => 10 * MS;
  const out: string[] = [];
  const note = (label: string) => () => out.push(`${label}@${s.nowNs / MS} ctx${s.current}`);
  s.at(3 * MS, 1, () => {
    s.defer(run, note('h1 first'));
    s.defer(run, note('h1 second'));
  });
  s.at(2 * MS, 0, () => s.defer(run, note('h0')));
  s.at(3 * MS, 0, () => s.defer(run, note('h0 at 3')));
  s.at(20 * MS, GLOBAL_OWNER, () => s.defer(run, note('global, at once')), EVENT_TASK, GLOBAL_OWNER);
  s.run();
  assert.deepEqual(out, [
    'h0@2 ctx0',
    'h0 at 3@3 ctx0',
    'h1 first@3 ctx1',
    'h1 second@3 ctx1',
    `global, at once@20 ctx${GLOBAL_OWNER}`,
  ]);
});

test('a global event ends the round before it and runs alone, before host events of its instant', () => {
  const s = new Scheduler(100 * MS);
  s.lookaheadNs = () => 50 * MS;
  const out: string[] = [];
  s.at(1 * MS, 0, () => out.push('h0@1'));
  s.at(5 * MS, 0, () => out.push('h0@5'));
  s.at(5 * MS, GLOBAL_OWNER, () => out.push(`global@5 ctx${s.current}`), EVENT_TASK, GLOBAL_OWNER);
  s.run();
  assert.deepEqual(out, ['h0@1', `global@5 ctx${GLOBAL_OWNER}`, 'h0@5']);
});

test('cancelled events do not run and do not hold a round open', () => {
  const s = new Scheduler(100 * MS);
  s.lookaheadNs = () => 10 * MS;
  const out: string[] = [];
  const ev = s.at(1 * MS, 0, () => out.push('cancelled'));
  s.at(30 * MS, 0, () => out.push('h0@30'));
  ev.cancelled = true;
  const rounds: number[] = [];
  s.run((t) => rounds.push(t / MS));
  assert.deepEqual(out, ['h0@30']);
  assert.deepEqual(rounds, [30]);
});

/** A runner that serves posted hosts in a chosen order (standing in for whichever thread answers first). */
class ScriptedRunner implements InFlightRunner {
  readonly queue: Array<{ host: number; start?: boolean; then: () => void }> = [];
  constructor(
    private readonly s: Scheduler,
    private readonly pick: (n: number) => number,
  ) {}
  serveOne(): void {
    const [job] = this.queue.splice(this.pick(this.queue.length), 1);
    this.s.resume(job.host, job.start === true);
    try {
      job.then();
    } finally {
      this.s.finishTurn(job.host);
    }
  }
}

function postedRun(pick: (n: number) => number): { order: string[]; effects: string[] } {
  const s = new Scheduler(100 * MS);
  s.parallelism = 3;
  s.lookaheadNs = () => 10 * MS;
  const runner = new ScriptedRunner(s, pick);
  s.runner = runner;
  const order: string[] = [];
  const effects: string[] = [];
  for (const h of [0, 1, 2]) {
    s.at((h + 1) * MS, h, () => {
      order.push(`start ${h}`);
      s.defer(run, () => effects.push(`h${h} sent@${s.nowNs / MS}`));
      assert.ok(s.canPost());
      s.posted();
      runner.queue.push({
        host: h,
        then: () => {
          // The thread's answer: its host's clock moved on natively, it sends again.
          order.push(`answer ${h}`);
          s.nowNs += 2 * MS;
          s.defer(run, () => effects.push(`h${h} again@${s.nowNs / MS}`));
        },
      });
    });
    // A later event of the same host waits until its posted thread is served.
    s.at((h + 1) * MS + 1, h, () => order.push(`second ${h}`));
  }
  s.run();
  return { order, effects };
}

test('posted hosts: their own events wait for the answer; effects do not depend on who answered first', () => {
  const first = postedRun(() => 0);
  const last = postedRun((n) => n - 1);
  assert.deepEqual(first.order.slice(0, 3), ['start 0', 'start 1', 'start 2'], 'three hosts in flight at once');
  for (const r of [first, last]) {
    for (const h of [0, 1, 2])
      assert.ok(r.order.indexOf(`answer ${h}`) < r.order.indexOf(`second ${h}`), r.order.join());
  }
  assert.notDeepEqual(first.order, last.order, 'the answers came in different orders');
  assert.deepEqual(first.effects, last.effects);
  assert.deepEqual(first.effects, ['h0 sent@1', 'h1 sent@2', 'h0 again@3', 'h2 sent@3', 'h1 again@4', 'h2 again@5']);
});

test('with no lookahead a round is one instant, one host at a time, and may reach another host at once', () => {
  const canPost: boolean[] = [];
  const out: string[] = [];
  for (const lookahead of [0, 1]) {
    const s = new Scheduler(100 * MS);
    s.parallelism = 4;
    s.lookaheadNs = () => lookahead;
    s.at(1 * MS, 0, () => {
      canPost.push(s.canPost());
      if (lookahead === 0) s.at(1 * MS, 0, () => out.push(`h1@${s.nowNs / MS}`), EVENT_PACKET, 1);
    });
    s.run();
  }
  assert.deepEqual(canPost, [false, true]);
  assert.deepEqual(out, ['h1@1']);
});

test('at parallelism 1, starting processes are in flight together while other hosts run, at most MAX_STARTING', () => {
  const hosts = MAX_STARTING + 8;
  const s = new Scheduler(100 * MS);
  s.parallelism = 1;
  s.lookaheadNs = () => 10 * MS;
  const runner = new ScriptedRunner(s, () => 0);
  s.runner = runner;
  const order: string[] = [];
  let mostInFlight = 0;
  for (let h = 0; h < hosts; h++) {
    s.at(1 * MS, h, () => {
      assert.equal(s.canPost(), false, 'a running thread is never posted at parallelism 1');
      assert.ok(s.canPostStart(), `host ${h} may post its start`);
      s.posted(true);
      runner.queue.push({ host: h, start: true, then: () => order.push(`started ${h}`) });
      mostInFlight = Math.max(mostInFlight, runner.queue.length);
    });
  }
  s.at(2 * MS, hosts, () => order.push('other host'));
  s.run();
  assert.equal(mostInFlight, MAX_STARTING, 'no more than MAX_STARTING starts in flight');
  assert.equal(order.filter((o) => o.startsWith('started')).length, hosts);
  // The other host's event ran while starts were still in flight (parallelism counts running threads only).
  assert.ok(order.indexOf('other host') < order.indexOf(`started ${hosts - 1}`), order.join());
  // Outside a round with lookahead, a start is never posted.
  const s0 = new Scheduler(100 * MS);
  s0.lookaheadNs = () => 0;
  let allowed = true;
  s0.at(1 * MS, 0, () => (allowed = s0.canPostStart()));
  s0.run();
  assert.equal(allowed, false);
});

test('ownEventNext: whether the running host holds the next event (the hint for who runs next)', () => {
  const s = new Scheduler(100 * MS);
  s.lookaheadNs = () => 10 * MS;
  const seen: boolean[] = [];
  s.at(1 * MS, 0, () => {
    seen.push(s.ownEventNext()); // nothing else of its own yet
    s.at(2 * MS, 0, () => seen.push(s.ownEventNext()));
    seen.push(s.ownEventNext()); // its own at 2 ms comes before host 1's at 3 ms
  });
  s.at(3 * MS, 1, () => {
    s.at(5 * MS, 1, () => undefined);
    seen.push(s.ownEventNext()); // host 2's at 4 ms comes first
  });
  s.at(4 * MS, 2, () => undefined);
  s.run();
  assert.deepEqual(seen, [false, true, false, false]);
});
