// Signal masks, pending sets and the timers that raise signals, driven through
// the syscall table with fake process memory: rt_sigpending's size check,
// timer_settime's absolute times on the timer's own clock, and the interval
// timer behind alarm and setitimer.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { FakeKernel, USER_BASE } from '../helpers/fake-kernel';
import { SYS } from '../../src/abi/syscalls';
import { E } from '../../src/abi/errno';
import { SIG_BLOCK, SIGALRM, SIGKILL, sigBit, SIGUSR1, SIGUSR2 } from '../../src/abi/signals';
import { CLOCK_BOOTTIME, CLOCK_MONOTONIC, CLOCK_REALTIME, TIMER_ABSTIME } from '../../src/abi/time';
import { EPOCH_UNIX_SEC, MONOTONIC_BASE_SEC, NS_PER_SEC } from '../../src/core/time';
import { maskLo } from '../../src/kernel/signals';

const BUF = USER_BASE + 0x1000;
const OUT = USER_BASE + 0x2000;
const BAD_ADDR = 0x10;

function pokeU32(f: FakeKernel, addr: number, v: number): void {
  new DataView(f.addon.user.buffer, addr - USER_BASE, 4).setUint32(0, v >>> 0, true);
}

function peekU32(f: FakeKernel, addr: number): number {
  return new DataView(f.addon.user.buffer, addr - USER_BASE, 4).getUint32(0, true);
}

/** Blocks `sigs` in the fake thread with rt_sigprocmask(SIG_BLOCK). */
function block(f: FakeKernel, ...sigs: number[]): void {
  pokeU32(
    f,
    BUF,
    sigs.reduce((m, s) => (m | sigBit(s)) >>> 0, 0),
  );
  pokeU32(f, BUF + 4, 0);
  assert.equal(f.syscall(SYS.rt_sigprocmask, SIG_BLOCK, BUF, 0, 8).ret, 0);
}

/** Writes struct itimerspec {interval, value} at addr. */
function pokeItimerspec(f: FakeKernel, addr: number, intervalNs: number, valueSec: number, valueNsec: number): void {
  f.pokeI64(addr, Math.floor(intervalNs / NS_PER_SEC));
  f.pokeI64(addr + 8, intervalNs % NS_PER_SEC);
  f.pokeI64(addr + 16, valueSec);
  f.pokeI64(addr + 24, valueNsec);
}

/** struct itimerspec at addr as [interval, value] in ns. */
function peekItimerspec(f: FakeKernel, addr: number): [number, number] {
  const ns = (off: number) => f.peekI64(addr + off) * NS_PER_SEC + f.peekI64(addr + off + 8);
  return [ns(0), ns(16)];
}

/** timer_create(clock, NULL): SIGALRM to the process on expiry. Returns the timer id. */
function createTimer(f: FakeKernel, clock: number): number {
  assert.equal(f.syscall(SYS.timer_create, clock, 0, OUT).ret, 0);
  return peekU32(f, OUT);
}

test('rt_sigpending: a sigsetsize above 8 is EINVAL; a smaller one copies only that many bytes', () => {
  const f = new FakeKernel();
  block(f, SIGUSR1, SIGUSR2);
  assert.equal(f.syscall(SYS.kill, f.process.vpid, SIGUSR1).ret, 0);
  assert.equal(f.syscall(SYS.rt_sigpending, OUT, 16).ret, -E.EINVAL);
  assert.equal(f.syscall(SYS.rt_sigpending, OUT, 8).ret, 0);
  assert.equal(peekU32(f, OUT), sigBit(SIGUSR1), 'blocked and pending: SIGUSR1 only');
  assert.equal(peekU32(f, OUT + 4), 0);
  pokeU32(f, OUT, 0xffffffff);
  pokeU32(f, OUT + 4, 0xffffffff);
  assert.equal(f.syscall(SYS.rt_sigpending, OUT, 4).ret, 0);
  assert.equal(peekU32(f, OUT), sigBit(SIGUSR1));
  assert.equal(peekU32(f, OUT + 4), 0xffffffff, 'bytes past sigsetsize untouched');
  assert.equal(f.syscall(SYS.rt_sigpending, BAD_ADDR, 0).ret, 0, 'nothing to copy');
  assert.equal(f.syscall(SYS.rt_sigpending, BAD_ADDR, 8).ret, -E.EFAULT);
});

test('rt_sigprocmask never blocks SIGKILL and rejects an unknown how', () => {
  const f = new FakeKernel();
  block(f, SIGKILL, SIGUSR1);
  assert.equal(maskLo(f.kernel, f.thread), sigBit(SIGUSR1));
  assert.equal(f.syscall(SYS.rt_sigprocmask, 7, BUF, 0, 8).ret, -E.EINVAL);
  assert.equal(f.syscall(SYS.rt_sigprocmask, SIG_BLOCK, BUF, 0, 4).ret, -E.EINVAL);
});

test('kill: no such process is ESRCH; signal 0 only checks', () => {
  const f = new FakeKernel();
  assert.equal(f.syscall(SYS.kill, 4242, SIGUSR1).ret, -E.ESRCH);
  assert.equal(f.syscall(SYS.kill, f.process.vpid, 0).ret, 0);
  assert.equal(f.process.signals.pending.size, 0);
  assert.equal(f.syscall(SYS.kill, f.process.vpid, 65).ret, -E.EINVAL);
});

test('timer_settime TIMER_ABSTIME reads the timer clock: monotonic and boot time start 1 s before the simulation', () => {
  for (const clock of [CLOCK_MONOTONIC, CLOCK_BOOTTIME]) {
    const f = new FakeKernel();
    const id = createTimer(f, clock);
    pokeItimerspec(f, BUF, 0, MONOTONIC_BASE_SEC + 2, 500);
    assert.equal(f.syscall(SYS.timer_settime, id, TIMER_ABSTIME, BUF, 0).ret, 0);
    assert.equal(f.syscall(SYS.timer_gettime, id, OUT).ret, 0);
    assert.deepEqual(peekItimerspec(f, OUT), [0, 2 * NS_PER_SEC + 500], `clock ${clock}`);
    f.advanceTo(2 * NS_PER_SEC + 499);
    assert.ok(!f.process.signals.pending.has(SIGALRM), 'not yet');
    f.advanceTo(2 * NS_PER_SEC + 500);
    assert.ok(f.process.signals.pending.has(SIGALRM), 'fired at the absolute time');
  }
});

test('timer_settime TIMER_ABSTIME on CLOCK_REALTIME counts from the Unix epoch; a past time fires at once', () => {
  const f = new FakeKernel();
  const id = createTimer(f, CLOCK_REALTIME);
  pokeItimerspec(f, BUF, 0, EPOCH_UNIX_SEC + 5, 0);
  assert.equal(f.syscall(SYS.timer_settime, id, TIMER_ABSTIME, BUF, 0).ret, 0);
  assert.equal(f.syscall(SYS.timer_gettime, id, OUT).ret, 0);
  assert.deepEqual(peekItimerspec(f, OUT), [0, 5 * NS_PER_SEC]);
  const past = createTimer(f, CLOCK_MONOTONIC);
  assert.notEqual(past, id);
  f.advanceTo(NS_PER_SEC);
  pokeItimerspec(f, BUF, 0, 1, 0);
  assert.equal(f.syscall(SYS.timer_settime, past, TIMER_ABSTIME, BUF, 0).ret, 0);
  f.advanceTo(NS_PER_SEC);
  assert.ok(f.process.signals.pending.has(SIGALRM));
});

test('timer_settime: a relative interval timer re-arms; the old setting comes back; delete frees the id', () => {
  const f = new FakeKernel();
  const id = createTimer(f, CLOCK_MONOTONIC);
  pokeItimerspec(f, BUF, 3 * NS_PER_SEC, 1, 0);
  assert.equal(f.syscall(SYS.timer_settime, id, 0, BUF, 0).ret, 0);
  f.advanceTo(NS_PER_SEC);
  assert.ok(f.process.signals.pending.has(SIGALRM));
  f.process.signals.pending.clear();
  f.advanceTo(2 * NS_PER_SEC);
  pokeItimerspec(f, BUF, 0, 0, 0);
  assert.equal(f.syscall(SYS.timer_settime, id, 0, BUF, OUT).ret, 0, 'disarm');
  assert.deepEqual(peekItimerspec(f, OUT), [3 * NS_PER_SEC, 2 * NS_PER_SEC]);
  f.advanceTo(10 * NS_PER_SEC);
  assert.ok(!f.process.signals.pending.has(SIGALRM), 'disarmed');
  assert.equal(f.syscall(SYS.timer_getoverrun, id).ret, 0);
  assert.equal(f.syscall(SYS.timer_delete, id).ret, 0);
  assert.equal(f.syscall(SYS.timer_delete, id).ret, -E.EINVAL);
  assert.equal(createTimer(f, CLOCK_REALTIME), id, 'the id is reused');
});

test('alarm returns the seconds left of the previous one; setitimer and getitimer share ITIMER_REAL', () => {
  const f = new FakeKernel();
  assert.equal(f.syscall(SYS.alarm, 5).ret, 0);
  f.advanceTo(NS_PER_SEC + 400_000_000);
  assert.equal(f.syscall(SYS.alarm, 0).ret, 4, 'rounded to the nearest second');
  f.advanceTo(10 * NS_PER_SEC);
  assert.ok(!f.process.signals.pending.has(SIGALRM), 'alarm(0) cancelled it');
  // setitimer: value 1.5 s, interval 2 s (struct itimerval of {sec, usec}).
  f.pokeI64(BUF, 2);
  f.pokeI64(BUF + 8, 0);
  f.pokeI64(BUF + 16, 1);
  f.pokeI64(BUF + 24, 500_000);
  assert.equal(f.syscall(SYS.setitimer, 0, BUF, 0).ret, 0);
  f.advanceTo(11 * NS_PER_SEC + 500_000_000);
  assert.ok(f.process.signals.pending.has(SIGALRM));
  f.advanceTo(12 * NS_PER_SEC);
  assert.equal(f.syscall(SYS.getitimer, 0, OUT).ret, 0);
  assert.deepEqual([f.peekI64(OUT), f.peekI64(OUT + 8), f.peekI64(OUT + 16), f.peekI64(OUT + 24)], [2, 0, 1, 500_000]);
  assert.equal(f.syscall(SYS.getitimer, 1, OUT).ret, -E.EINVAL, 'only ITIMER_REAL');
});
