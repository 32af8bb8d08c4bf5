// Signal and futex bookkeeping without a running program: sigset words at
// their boundaries, wait-status decoding, the config's signal names against
// the Linux numbers, pending-signal selection, and FIFO futex queues.
import { test } from 'node:test';
import assert from 'node:assert/strict';

import {
  isValidSignal,
  NSIG,
  SA_RESETHAND,
  SIG_DFL,
  SIG_IGN,
  SIGCHLD,
  SIGHUP,
  SIGINT,
  SIGKILL,
  SIGSTOP,
  SIGSYS,
  SIGTERM,
  SIGUSR1,
  SigSet,
  sigBit,
  sigsetHas,
  sigWord,
  withoutUnblockable,
} from '../../src/abi/signals';
import * as abiSignals from '../../src/abi/signals';
import { statusCoreDumped, statusExitCode, statusSignaled, statusTermSig } from '../../src/abi/wait';
import { parseSignal, signalName } from '../../src/config/signals';
import { Host } from '../../src/host/host';
import { Process } from '../../src/host/process';
import { Thread } from '../../src/host/thread';
import { lowestPendingIn, siginfo, takePending } from '../../src/host/signal-state';
import { FutexTable, FutexWaiter } from '../../src/host/futex-table';

function host(): Host {
  const options = { logLevel: null, pcapEnabled: false, pcapCaptureSizeBytes: 0 };
  const cfg = { name: 'h', networkNodeId: 0, ipAddr: null, bandwidthDownBits: null, bandwidthUpBits: null, options };
  return new Host(0, 'h', 0x0b000001, { ...cfg, processes: [] }, '/nonexistent', 1);
}

function processWithThreads(n: number): { p: Process; threads: Thread[] } {
  const h = host();
  const p = new Process(h, h.allocVid(), 1, 0, 'prog', null);
  const threads: Thread[] = [];
  for (let i = 0; i < n; i++) {
    const t = new Thread(p, i, i === 0 ? p.vpid : h.allocVid(), 0);
    p.threads.push(t);
    threads.push(t);
  }
  return { p, threads };
}

test('sigset words: signal 1 is bit 0 of the low word, 32 its top bit, 33 and 64 the high word', () => {
  assert.equal(sigWord(1), 0);
  assert.equal(sigBit(1), 1);
  assert.equal(sigWord(32), 0);
  assert.equal(sigBit(32), 0x80000000);
  assert.equal(sigWord(33), 1);
  assert.equal(sigBit(33), 1);
  assert.equal(sigWord(NSIG), 1);
  assert.equal(sigBit(NSIG), 0x80000000);
  assert.ok(sigsetHas(0x80000000, 0, 32));
  assert.ok(!sigsetHas(0x80000000, 0, 64));
  assert.ok(sigsetHas(0, 0x80000000, 64));
  assert.ok(sigsetHas(1 << (SIGCHLD - 1), 0, SIGCHLD));
});

test('SigSet adds and deletes in both words and stays unsigned', () => {
  const s = new SigSet();
  assert.ok(s.isEmpty());
  for (const sig of [1, 31, 32, 33, 63, 64]) {
    s.add(sig);
    assert.ok(s.has(sig), `has ${sig}`);
  }
  assert.equal(s.lo, 0xc0000001);
  assert.equal(s.hi, 0xc0000001);
  assert.ok(!s.has(2) && !s.has(34));
  s.delete(32);
  s.delete(64);
  assert.equal(s.lo, 0x40000001);
  assert.equal(s.hi, 0x40000001);
  s.set(-1, -1);
  assert.equal(s.lo, 0xffffffff);
  assert.equal(s.hi, 0xffffffff);
  s.clear();
  assert.ok(s.isEmpty());
});

test('SIGKILL and SIGSTOP never stay in a mask; valid signals are 1..64', () => {
  assert.equal(withoutUnblockable(0xffffffff), (0xffffffff & ~(sigBit(SIGKILL) | sigBit(SIGSTOP))) >>> 0);
  assert.ok(!sigsetHas(withoutUnblockable(0xffffffff), 0, SIGKILL));
  assert.ok(!sigsetHas(withoutUnblockable(0xffffffff), 0, SIGSTOP));
  assert.ok(sigsetHas(withoutUnblockable(0xffffffff), 0, SIGTERM));
  assert.ok(!isValidSignal(0) && isValidSignal(1) && isValidSignal(NSIG) && !isValidSignal(NSIG + 1));
  assert.ok(SA_RESETHAND > 0, 'sa_flags are unsigned');
  assert.equal(SIG_DFL, 0);
  assert.equal(SIG_IGN, 1);
});

test('wait status: exit code, terminating signal, core-dump bit', () => {
  assert.ok(!statusSignaled(3 << 8));
  assert.equal(statusExitCode(3 << 8), 3);
  assert.ok(statusSignaled(SIGTERM));
  assert.equal(statusTermSig(SIGTERM), SIGTERM);
  assert.ok(statusCoreDumped(0x80 | 11));
  assert.ok(!statusCoreDumped(SIGKILL));
});

test('the config names every standard signal by its Linux number', () => {
  for (const [name, value] of Object.entries(abiSignals)) {
    if (!/^SIG[A-Z]+$/.test(name) || typeof value !== 'number') continue;
    assert.equal(parseSignal(name), value, name);
    assert.equal(signalName(value), name);
  }
  assert.equal(parseSignal('SIGHUP'), SIGHUP);
  assert.equal(parseSignal('SIGSYS'), SIGSYS);
});

test('pending signals: the lowest of the set wins, the thread-directed one is taken first', () => {
  const { p, threads } = processWithThreads(2);
  const [a, b] = threads;
  const all = new SigSet();
  all.set(0xffffffff, 0xffffffff);
  assert.equal(lowestPendingIn(a, all.lo, all.hi), 0);
  p.signals.pending.set(SIGTERM, siginfo(SIGTERM, 0, 42));
  b.signals.pending.set(SIGINT, siginfo(SIGINT, 0, 43));
  assert.equal(lowestPendingIn(a, all.lo, all.hi), SIGTERM, 'another thread’s signal is not ours');
  assert.equal(lowestPendingIn(b, all.lo, all.hi), SIGINT);
  const onlyTerm = new SigSet();
  onlyTerm.add(SIGTERM);
  assert.equal(lowestPendingIn(b, onlyTerm.lo, onlyTerm.hi), SIGTERM);

  a.signals.pending.set(SIGTERM, siginfo(SIGTERM, 0, 7));
  const fromThread = new DataView(takePending(a, SIGTERM).buffer);
  assert.equal(fromThread.getInt32(16, true), 7, 'the thread-directed instance first');
  assert.ok(p.signals.pending.has(SIGTERM));
  const fromProcess = new DataView(takePending(a, SIGTERM).buffer);
  assert.equal(fromProcess.getInt32(16, true), 42);
  assert.ok(!p.signals.pending.has(SIGTERM));
  const synthesized = new DataView(takePending(a, SIGUSR1).buffer);
  assert.equal(synthesized.getInt32(0, true), SIGUSR1, 'nothing pending: a kernel siginfo');
  assert.equal(synthesized.getInt32(8, true), 0x80);
});

test('dispositions: fork copies, exec resets handlers but keeps ignored signals', () => {
  const { p } = processWithThreads(1);
  const { p: child } = processWithThreads(1);
  p.signals.setAction(SIGUSR1, { handler: 0x401000, flags: SA_RESETHAND, restorer: 0, maskLo: 0, maskHi: 0 });
  p.signals.setAction(SIGINT, { handler: SIG_IGN, flags: 0, restorer: 0, maskLo: 0, maskHi: 0 });
  child.signals.inheritActions(p.signals);
  assert.equal(child.signals.action(SIGUSR1).handler, 0x401000);
  assert.notEqual(child.signals.action(SIGUSR1), p.signals.action(SIGUSR1), 'a copy, not shared');
  p.signals.resetHandledActions();
  assert.equal(p.signals.action(SIGUSR1).handler, SIG_DFL);
  assert.equal(p.signals.action(SIGINT).handler, SIG_IGN);
  assert.equal(child.signals.action(SIGUSR1).handler, 0x401000);
});

test('futex queues are FIFO per key and forget empty keys', () => {
  const { threads } = processWithThreads(3);
  const table = new FutexTable();
  const other = new FutexTable();
  const ws: FutexWaiter[] = threads.map((t) => ({ t, table, key: 0x1000, bitset: 0xffffffff }));
  for (const w of ws) table.enqueue(w);
  assert.deepEqual(
    table.waiters(0x1000).map((w) => w.t),
    threads,
  );
  table.remove(ws[1]);
  table.remove(ws[1]);
  assert.deepEqual(
    table.waiters(0x1000).map((w) => w.t),
    [threads[0], threads[2]],
  );
  // Requeue: moved to another table and key, still in order.
  for (const w of table.waiters(0x1000)) {
    table.remove(w);
    w.table = other;
    w.key = 'dev:ino:8';
    other.enqueue(w);
  }
  assert.ok(!table.hasWaiters(0x1000));
  assert.deepEqual(
    other.waiters('dev:ino:8').map((w) => w.t),
    [threads[0], threads[2]],
  );
});
