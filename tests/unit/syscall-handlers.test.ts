// Syscall handlers driven through the dispatch table with fake process memory
// and a fake shim: arguments are decoded, results and errnos match Linux, and
// blocking calls park and restart as the run loop expects.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { FakeKernel, USER_BASE } from '../helpers/fake-kernel';
import { SYS } from '../../src/abi/syscalls';
import { E } from '../../src/abi/errno';
import { MSG } from '../../src/abi/protocol';
import { Outcome } from '../../src/kernel/call';
import type { ProcessConfig } from '../../src/config/types';

const BUF = USER_BASE + 0x1000;
const OUT = USER_BASE + 0x2000;
const BAD_ADDR = 0x10;

test('identity calls answer the virtual ids', () => {
  const f = new FakeKernel();
  assert.deepEqual(f.syscall(SYS.getpid), { outcome: Outcome.Done, ret: f.process.vpid });
  assert.deepEqual(f.syscall(SYS.gettid), { outcome: Outcome.Done, ret: f.thread.vtid });
  assert.deepEqual(f.syscall(SYS.getppid), { outcome: Outcome.Done, ret: 1 });
});

test('uname writes the host name into the second field; a bad pointer gives EFAULT', () => {
  const f = new FakeKernel('relay7');
  assert.deepEqual(f.syscall(SYS.uname, BUF), { outcome: Outcome.Done, ret: 0 });
  const field = (i: number) =>
    Buffer.from(f.peek(BUF + 65 * i, 65))
      .toString('latin1')
      .replace(/\0.*$/s, '');
  assert.equal(field(0), 'Linux');
  assert.equal(field(1), 'relay7');
  assert.equal(field(4), 'x86_64');
  assert.deepEqual(f.syscall(SYS.uname, BAD_ADDR), { outcome: Outcome.Done, ret: -E.EFAULT });
});

test('an unknown syscall is ENOSYS', () => {
  const f = new FakeKernel();
  assert.deepEqual(f.syscall(999), { outcome: Outcome.Done, ret: -E.ENOSYS });
});

test('nanosleep parks until the deadline and then completes with 0', () => {
  const f = new FakeKernel();
  f.pokeI64(BUF, 2); // 2 s
  f.pokeI64(BUF + 8, 500);
  const first = f.syscall(SYS.nanosleep, BUF, 0);
  assert.equal(first.outcome, Outcome.Blocked);
  assert.equal(f.thread.deadlineNs, 2_000_000_500);
  f.advanceTo(2_000_000_499);
  assert.equal(f.thread.state, 'blocked', 'still asleep 1 ns before the deadline');
  f.advanceTo(2_000_000_500);
  assert.equal(f.thread.wokenBy, 'timeout');
  assert.deepEqual(f.syscall(SYS.nanosleep, BUF, 0), { outcome: Outcome.Done, ret: 0 });
});

test('nanosleep rejects bad arguments as Linux does', () => {
  const f = new FakeKernel();
  assert.deepEqual(f.syscall(SYS.nanosleep, BAD_ADDR, 0), { outcome: Outcome.Done, ret: -E.EFAULT });
  f.pokeI64(BUF, 0);
  f.pokeI64(BUF + 8, 1_000_000_000);
  assert.deepEqual(f.syscall(SYS.nanosleep, BUF, 0), { outcome: Outcome.Done, ret: -E.EINVAL });
  f.pokeI64(BUF + 8, 0);
  assert.deepEqual(f.syscall(SYS.nanosleep, BUF, 0), { outcome: Outcome.Done, ret: 0 }, 'zero sleep returns at once');
});

test('clock_nanosleep: CPU-time clocks cannot be slept on; an absolute time in the past returns at once', () => {
  const f = new FakeKernel();
  f.pokeI64(BUF, 0);
  f.pokeI64(BUF + 8, 1000);
  assert.equal(f.syscall(SYS.clock_nanosleep, 3, 0, BUF, 0).ret, -E.EINVAL);
  assert.equal(f.syscall(SYS.clock_nanosleep, 2, 0, BUF, 0).ret, -E.ENOTSUP);
  assert.equal(f.syscall(SYS.clock_nanosleep, 42, 0, BUF, 0).ret, -E.EINVAL);
  const TIMER_ABSTIME = 1;
  assert.deepEqual(f.syscall(SYS.clock_nanosleep, 0, TIMER_ABSTIME, BUF, 0), { outcome: Outcome.Done, ret: 0 });
});

test('sched_yield answers later, after other runnable threads (polite delay)', () => {
  const f = new FakeKernel();
  const r = f.syscall(SYS.sched_yield);
  assert.equal(r.outcome, Outcome.Deferred);
  assert.equal(f.thread.pendingKind, MSG.COMPLETE);
  assert.equal(f.thread.pendingRet, 0);
  assert.ok(f.thread.resumeEvent !== null && f.thread.resumeEvent.timeNs === 1000);
});

test('sched_getaffinity reports one CPU and checks the mask size', () => {
  const f = new FakeKernel();
  assert.deepEqual(f.syscall(SYS.sched_getaffinity, 0, 128, OUT), { outcome: Outcome.Done, ret: 8 });
  assert.deepEqual([...f.peek(OUT, 8)], [1, 0, 0, 0, 0, 0, 0, 0]);
  assert.equal(f.syscall(SYS.sched_getaffinity, 0, 4, OUT).ret, -E.EINVAL);
  assert.equal(f.syscall(SYS.sched_getaffinity, 77, 128, OUT).ret, -E.ESRCH);
});

test('eventfd: a placeholder fd is opened natively; writes add, reads drain, an empty read would block', () => {
  const f = new FakeKernel();
  const EFD_NONBLOCK = 0o4000;
  const r = f.syscall(SYS.eventfd2, 3, EFD_NONBLOCK);
  assert.equal(r.outcome, Outcome.Done);
  const fd = r.ret;
  assert.equal(f.addon.calls.at(-1)?.kind, MSG.PLACEHOLDER);
  f.pokeI64(BUF, 4);
  assert.deepEqual(f.syscall(SYS.write, fd, BUF, 8), { outcome: Outcome.Done, ret: 8 });
  assert.deepEqual(f.syscall(SYS.read, fd, OUT, 8), { outcome: Outcome.Done, ret: 8 });
  assert.equal(f.peekI64(OUT), 7);
  assert.deepEqual(f.syscall(SYS.read, fd, OUT, 8), { outcome: Outcome.Done, ret: -E.EAGAIN });
  assert.deepEqual(f.syscall(SYS.read, fd, OUT, 4), { outcome: Outcome.Done, ret: -E.EINVAL }, 'short buffer');
});

test('pipe: a blocking read parks until a write wakes it, then returns the bytes', () => {
  const f = new FakeKernel();
  assert.deepEqual(f.syscall(SYS.pipe2, OUT, 0), { outcome: Outcome.Done, ret: 0 });
  const dv = new DataView(f.peek(OUT, 8).buffer);
  const [rfd, wfd] = [dv.getInt32(0, true), dv.getInt32(4, true)];
  assert.notEqual(rfd, wfd);
  assert.equal(f.syscall(SYS.read, rfd, BUF, 16).outcome, Outcome.Blocked);
  // A second thread of the same process writes.
  const writer = f.kernel.newThread(f.process, f.process.vpid + 1);
  const reader = f.thread;
  f.thread = writer;
  writer.state = 'running';
  f.poke(BUF + 64, Buffer.from('hello'));
  assert.deepEqual(f.syscall(SYS.write, wfd, BUF + 64, 5), { outcome: Outcome.Done, ret: 5 });
  assert.equal(reader.state, 'runnable', 'the write woke the reader');
  assert.equal(reader.wokenBy, 'event');
  f.thread = reader;
  f.advanceTo(f.sched.nowNs);
  assert.deepEqual(f.syscall(SYS.read, rfd, BUF, 16), { outcome: Outcome.Done, ret: 5 });
  assert.equal(Buffer.from(f.peek(BUF, 5)).toString(), 'hello');
});

test('close of an emulated fd lets the shim close the placeholder; a second close is native (EBADF there)', () => {
  const f = new FakeKernel();
  const fd = f.syscall(SYS.eventfd2, 0, 0).ret;
  assert.equal(f.syscall(SYS.close, fd).outcome, Outcome.Native);
  assert.equal(f.process.fds.get(fd), undefined);
});

test('clone and fork fail with EAGAIN when the simulation has no room for another thread or process', () => {
  const f = new FakeKernel();
  const CLONE_VM = 0x100,
    CLONE_SIGHAND = 0x800,
    CLONE_THREAD = 0x10000,
    CLONE_SETTLS = 0x80000,
    SIGCHLD = 17;
  const threadFlags = CLONE_VM | CLONE_SIGHAND | CLONE_THREAD | CLONE_SETTLS;
  const slots = f.kernel.threadSlots;
  while (slots.hasFree()) slots.alloc();
  assert.deepEqual(f.syscall(SYS.clone, threadFlags, BUF, 0, 0, BUF), { outcome: Outcome.Done, ret: -E.EAGAIN });
  assert.deepEqual(f.syscall(SYS.clone, SIGCHLD, 0, 0, 0, 0), { outcome: Outcome.Done, ret: -E.EAGAIN });
  assert.equal(f.process.threads.length, 1, 'no half-made thread is left behind');
  const procs = f.kernel.procSlots;
  slots.release(0x7f);
  while (procs.hasFree()) procs.alloc();
  assert.deepEqual(f.syscall(SYS.clone, SIGCHLD, 0, 0, 0, 0), { outcome: Outcome.Done, ret: -E.EAGAIN });
  assert.equal(f.host.processes.length, 1, 'no half-made process is left behind');
});

test('a configured process that finds no free slot is refused (null), and nothing half-made is left', () => {
  const f = new FakeKernel();
  const procs = f.kernel.procSlots;
  while (procs.hasFree()) procs.alloc();
  const cfg = { path: 'prog', resolvedPath: '/bin/true', args: [], environment: {} } as unknown as ProcessConfig;
  assert.equal(f.kernel.spawnConfigured(f.host, cfg), null);
  assert.equal(f.host.processes.length, 1);
  assert.equal(f.addon.calls.length, 0, 'nothing was started natively');
});
