// The spin rule on its own: the shim's clock-read counter (native/shim/spin.h,
// driven by the spin_rule test program) and the simulator's rule for empty
// zero-timeout polls (kernel/cpu-latency.ts), through the fake kernel.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as os from 'node:os';
import { FakeKernel, USER_BASE } from '../helpers/fake-kernel';
import { program } from '../helpers/umbra';
import { SYS } from '../../src/abi/syscalls';
import { SPIN } from '../../src/abi/protocol';
import { Outcome } from '../../src/kernel/call';
import { SPIN_FREE_EMPTY_POLLS } from '../../src/kernel/cpu-latency';

/** The spin_rule program's report, one line per run of reads. */
function clockReads(...steps: string[]): string[] {
  const r = spawnSync(program('spin_rule'), steps, { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  return r.stdout.trim().split('\n');
}

const FREE = SPIN.FREE_READS;
const STEP = SPIN.STEP_NS;

test('the constants: ten thousand free clock reads per instant, then 1 µs per read', () => {
  assert.equal(FREE, 10_000);
  assert.equal(STEP, 1000);
});

test('clock reads at one instant are free up to the allowance; each one after moves the clock one step', () => {
  assert.deepEqual(clockReads(`r${FREE}`, 'r1', 'r5'), [
    `${FREE} free, 0 charged, clock 0`,
    `0 free, 1 charged, clock ${STEP}`,
    `0 free, 5 charged, clock ${6 * STEP}`,
  ]);
});

test('its own charges do not refill the allowance: a spin to a deadline costs one step per read', () => {
  const deadlineNs = 250_000_000;
  const reads = FREE + deadlineNs / STEP;
  assert.deepEqual(clockReads(`r${reads}`), [`${FREE} free, ${deadlineNs / STEP} charged, clock ${deadlineNs}`]);
});

test('the clock moving on by itself, or a block, starts a new count', () => {
  assert.deepEqual(clockReads(`r${FREE}`, 'a7', `r${FREE}`, 'r1', 'b', `r${FREE}`, 'r2'), [
    `${FREE} free, 0 charged, clock 0`,
    `${FREE} free, 0 charged, clock 7`,
    `0 free, 1 charged, clock ${7 + STEP}`,
    `${FREE} free, 0 charged, clock ${7 + STEP}`,
    `0 free, 2 charged, clock ${7 + 3 * STEP}`,
  ]);
});

// ------------------------------------------------------------ empty polls

const FDS = USER_BASE + 0x1000;
const PIPE = USER_BASE + 0x2000;
const BUF = USER_BASE + 0x3000;
const POLLIN = 1;

/** A fake kernel whose thread holds an empty pipe; returns it and the pipe's read and write fds. */
function withPipe(): { f: FakeKernel; rfd: number; wfd: number } {
  const f = new FakeKernel();
  assert.equal(f.syscall(SYS.pipe2, PIPE, 0).ret, 0);
  const fds = f.peek(PIPE, 8);
  const rfd = new DataView(fds.buffer).getInt32(0, true);
  const wfd = new DataView(fds.buffer).getInt32(4, true);
  const pfd = new DataView(new ArrayBuffer(8));
  pfd.setInt32(0, rfd, true);
  pfd.setInt16(4, POLLIN, true);
  f.poke(FDS, new Uint8Array(pfd.buffer));
  return { f, rfd, wfd };
}

function emptyPoll(f: FakeKernel): Outcome {
  const r = f.syscall(SYS.poll, FDS, 1, 0);
  if (r.outcome === Outcome.Done) assert.equal(r.ret, 0, 'nothing ready');
  return r.outcome;
}

/** n empty polls, each followed by another syscall, all answered at once. */
function interleavedPolls(f: FakeKernel, n: number): void {
  for (let i = 0; i < n; i++) {
    assert.equal(emptyPoll(f), Outcome.Done, `empty poll ${i + 1} is free`);
    assert.equal(f.syscall(SYS.getpid).outcome, Outcome.Done);
  }
}

test('two empty zero-timeout polls in a row: the second waits the polite delay', () => {
  const { f } = withPipe();
  assert.equal(emptyPoll(f), Outcome.Done);
  assert.equal(emptyPoll(f), Outcome.Deferred);
  assert.equal(f.thread.resumeEvent?.timeNs, 1000, 'answered after the polite delay');
});

test('empty polls with other calls between are free up to the allowance per instant, then each waits until the clock moves otherwise', () => {
  const { f } = withPipe();
  interleavedPolls(f, SPIN_FREE_EMPTY_POLLS);
  assert.equal(emptyPoll(f), Outcome.Deferred, 'one more at the same instant is a spin');
  assert.equal(f.thread.resumeEvent?.timeNs, 1000);
  f.advanceTo(1000);
  assert.equal(f.syscall(SYS.getpid).outcome, Outcome.Done);
  assert.equal(emptyPoll(f), Outcome.Deferred, "the polite delay's own step does not end the spin");
  f.advanceTo(2000);
  f.advanceTo(2500);
  assert.equal(f.syscall(SYS.getpid).outcome, Outcome.Done);
  interleavedPolls(f, SPIN_FREE_EMPTY_POLLS);
});

test('a block starts a new count of empty polls even at the same instant, and zeroes the clock-read count', () => {
  const { f, rfd, wfd } = withPipe();
  const L = f.shm.layout;
  const reader = f.thread;
  interleavedPolls(f, SPIN_FREE_EMPTY_POLLS);
  f.shm.u32[(reader.chOff + L.chSpinReads) >> 2] = 5;
  assert.equal(f.syscall(SYS.read, rfd, BUF, 1).outcome, Outcome.Blocked);
  assert.equal(f.shm.u32[(reader.chOff + L.chSpinReads) >> 2], 0, 'the shim counts clock reads anew');
  f.thread = f.kernel.newThread(f.process, f.process.vpid + 1);
  f.thread.state = 'running';
  f.poke(BUF, [42]);
  assert.equal(f.syscall(SYS.write, wfd, BUF, 1).ret, 1);
  f.thread = reader;
  f.advanceTo(f.sched.nowNs);
  assert.equal(f.syscall(SYS.read, rfd, BUF, 1).ret, 1);
  assert.equal(f.sched.nowNs, 0, 'woken at the same instant');
  interleavedPolls(f, SPIN_FREE_EMPTY_POLLS);
});

test('spinning is allowed while the simulator and the threads running natively have a core each, and the addon hears of changes only', () => {
  const fk = new FakeKernel();
  const cores = os.availableParallelism();
  fk.kernel.spinFor(0);
  fk.kernel.spinFor(cores - 1); // the simulator and cores - 1 threads: one core each
  assert.deepEqual(fk.addon.spinCalls, [], 'allowed from the start: nothing to say');
  fk.kernel.spinFor(cores);
  fk.kernel.spinFor(cores + 5);
  assert.deepEqual(fk.addon.spinCalls, [false]);
  fk.kernel.spinFor(1);
  assert.deepEqual(fk.addon.spinCalls, cores >= 2 ? [false, true] : [false]);
});
