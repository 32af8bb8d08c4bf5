// Futexes in simulated time: waiters park in the simulator, never in the real
// kernel (which would stall the whole simulation). Private futexes queue in
// their process's table, keyed by address; shared ones in MAP_SHARED memory
// queue in the host's table, keyed by the mapped object and offset, so
// processes sharing a page (POSIX semaphores after fork or sem_open) meet on
// one queue.
import * as fs from 'node:fs';
import type { Process } from '../host/process';
import type { Thread } from '../host/thread';
import type { FutexKey, FutexTable, FutexWaiter } from '../host/futex-table';
import { E } from '../abi/errno';
import type { Kernel } from '../kernel/kernel';
import type { Outcome, SyscallCall } from '../kernel/call';
import { SYS } from '../abi/syscalls';
import {
  FUTEX_BITSET_MATCH_ANY,
  FUTEX_CLOCK_REALTIME,
  FUTEX_CMD_MASK,
  FUTEX_CMP_REQUEUE,
  FUTEX_OP_ADD,
  FUTEX_OP_ANDN,
  FUTEX_OP_CMP_EQ,
  FUTEX_OP_CMP_GE,
  FUTEX_OP_CMP_GT,
  FUTEX_OP_CMP_LE,
  FUTEX_OP_CMP_LT,
  FUTEX_OP_CMP_NE,
  FUTEX_OP_OPARG_SHIFT,
  FUTEX_OP_OR,
  FUTEX_OP_SET,
  FUTEX_OP_XOR,
  FUTEX_PRIVATE_FLAG,
  FUTEX_REQUEUE,
  FUTEX_WAIT,
  FUTEX_WAIT_BITSET,
  FUTEX_WAKE,
  FUTEX_WAKE_BITSET,
  FUTEX_WAKE_OP,
} from '../abi/futex';
import { absoluteToSimNs, NS_PER_SEC } from '../core/time';
import { CLOCK_MONOTONIC, CLOCK_REALTIME } from '../abi/time';

/** Where a futex word's waiters queue. */
interface FutexLocation {
  table: FutexTable;
  key: FutexKey;
}

/** Where a futex word lives: a shared mapping's object and offset, else this process's address. */
function locate(p: Process, addr: number, shared: boolean): FutexLocation {
  if (shared) {
    const obj = sharedObjectOffset(p, addr);
    if (obj !== null) return { table: p.host.sharedFutexes, key: obj };
  }
  return { table: p.futexes, key: addr };
}

/** "dev:inode:offset" of addr when it lies in a MAP_SHARED mapping of p, else null. */
function sharedObjectOffset(p: Process, addr: number): string | null {
  let maps: string;
  try {
    maps = fs.readFileSync(`/proc/${p.nativePid}/maps`, 'utf8');
  } catch {
    return null;
  }
  for (const line of maps.split('\n')) {
    const m = /^([0-9a-f]+)-([0-9a-f]+) (\S{4}) ([0-9a-f]+) (\S+) (\d+)/.exec(line);
    if (!m) continue;
    const start = parseInt(m[1], 16),
      end = parseInt(m[2], 16);
    if (addr < start || addr >= end) continue;
    if (m[3][3] !== 's') return null;
    return `${m[5]}:${m[6]}:${parseInt(m[4], 16) + (addr - start)}`;
  }
  return null;
}

/** Wakes up to n waiters on a futex word whose bitset matches. Returns how many. */
export function futexWake(
  k: Kernel,
  p: Process,
  addr: number,
  n: number,
  bitset = FUTEX_BITSET_MATCH_ANY,
  shared = false,
): number {
  const { table, key } = locate(p, addr, shared);
  if (!table.hasWaiters(key)) return 0;
  let count = 0;
  for (const w of table.waiters(key)) {
    if (count >= n) break;
    if ((w.bitset & bitset) === 0) continue;
    table.remove(w);
    w.t.futexWoken = true;
    k.wake(w.t);
    count++;
  }
  return count;
}

/** FUTEX_WAIT / FUTEX_WAIT_BITSET: sleep while *addr == val, until a wake, the timeout or a signal. */
function wait(
  c: SyscallCall,
  addr: number,
  val: number,
  timeoutAddr: number,
  absolute: boolean,
  realtime: boolean,
  bitset: number,
  shared: boolean,
): Outcome {
  const { k, t } = c;
  if (!c.firstRun) {
    if (t.futexWoken) {
      t.futexWoken = false;
      return c.ok(0);
    }
    if (t.wokenBy === 'timeout') return c.err(E.ETIMEDOUT);
  }
  if (bitset === 0) return c.err(E.EINVAL);
  const p = t.process;
  const cur = k.mem.readU32(p.nativePid, addr);
  if (cur === null) return c.err(E.EFAULT);
  if (cur !== val) return c.err(E.EAGAIN);
  let deadline = -1;
  if (timeoutAddr !== 0) {
    const m = k.mem;
    if (!m.readTimespec(p.nativePid, timeoutAddr)) return c.err(E.EFAULT);
    if (m.tsSec < 0 || m.tsNsec < 0 || m.tsNsec >= NS_PER_SEC) return c.err(E.EINVAL);
    // Absolute timeouts are on CLOCK_REALTIME with FUTEX_CLOCK_REALTIME, else CLOCK_MONOTONIC.
    deadline = absolute
      ? absoluteToSimNs(realtime ? CLOCK_REALTIME : CLOCK_MONOTONIC, m.tsSec, m.tsNsec, p.host.realtime)
      : k.now + m.tsSec * NS_PER_SEC + m.tsNsec;
    if (deadline <= k.now) return c.err(E.ETIMEDOUT);
  }
  const { table, key } = locate(p, addr, shared);
  const w: FutexWaiter = { t, table, key, bitset };
  table.enqueue(w);
  t.waitCleanups.push(() => w.table.remove(w));
  return c.block(deadline);
}

/** FUTEX_REQUEUE / FUTEX_CMP_REQUEUE (cmp null: no compare): wake nWake, move up to nMove to addr2. */
function requeue(
  c: SyscallCall,
  addr: number,
  nWake: number,
  nMove: number,
  addr2: number,
  cmp: number | null,
  shared: boolean,
): Outcome {
  const { k, t } = c;
  const p = t.process;
  if (cmp !== null) {
    const cur = k.mem.readU32(p.nativePid, addr);
    if (cur === null) return c.err(E.EFAULT);
    if (cur !== cmp) return c.err(E.EAGAIN);
  }
  let count = futexWake(k, p, addr, nWake, FUTEX_BITSET_MATCH_ANY, shared);
  const from = locate(p, addr, shared);
  if (!from.table.hasWaiters(from.key)) return c.ok(count);
  const to = locate(p, addr2, shared);
  for (const w of from.table.waiters(from.key).slice(0, Math.max(0, nMove))) {
    from.table.remove(w);
    w.table = to.table;
    w.key = to.key;
    to.table.enqueue(w);
    count++;
  }
  return c.ok(count);
}

/** The new value FUTEX_WAKE_OP stores, or null for an unknown operation. */
function applyOp(op: number, old: number, oparg: number): number | null {
  switch (op) {
    case FUTEX_OP_SET:
      return oparg;
    case FUTEX_OP_ADD:
      return old + oparg;
    case FUTEX_OP_OR:
      return old | oparg;
    case FUTEX_OP_ANDN:
      return old & ~oparg;
    case FUTEX_OP_XOR:
      return old ^ oparg;
    default:
      return null;
  }
}

/** Whether FUTEX_WAKE_OP's comparison holds, or null for an unknown comparison. */
function compare(cmp: number, old: number, cmparg: number): boolean | null {
  switch (cmp) {
    case FUTEX_OP_CMP_EQ:
      return old === cmparg;
    case FUTEX_OP_CMP_NE:
      return old !== cmparg;
    case FUTEX_OP_CMP_LT:
      return old < cmparg;
    case FUTEX_OP_CMP_LE:
      return old <= cmparg;
    case FUTEX_OP_CMP_GT:
      return old > cmparg;
    case FUTEX_OP_CMP_GE:
      return old >= cmparg;
    default:
      return null;
  }
}

/** FUTEX_WAKE_OP: *addr2 = op(*addr2, oparg); wake addr; if cmp(old, cmparg) wake addr2. */
function wakeOp(
  c: SyscallCall,
  addr: number,
  n: number,
  n2: number,
  addr2: number,
  val3: number,
  shared: boolean,
): Outcome {
  const { k, t } = c;
  const p = t.process;
  const op = (val3 >>> 28) & 0xf;
  const cmp = (val3 >>> 24) & 0xf;
  let oparg = (val3 << 8) >> 20; // sign-extended 12 bits
  const cmparg = (val3 << 20) >> 20;
  if (op & FUTEX_OP_OPARG_SHIFT) oparg = 1 << (oparg & 31);
  const old = k.mem.readU32(p.nativePid, addr2);
  if (old === null) return c.err(E.EFAULT);
  const nv = applyOp(op & ~FUTEX_OP_OPARG_SHIFT, old, oparg);
  if (nv === null) return c.err(E.ENOSYS);
  if (!k.mem.writeU32(p.nativePid, addr2, nv >>> 0)) return c.err(E.EFAULT);
  let count = futexWake(k, p, addr, n, FUTEX_BITSET_MATCH_ANY, shared);
  const ok = compare(cmp, old | 0, cmparg);
  if (ok === null) return c.err(E.ENOSYS);
  if (ok) count += futexWake(k, p, addr2, n2, FUTEX_BITSET_MATCH_ANY, shared);
  return c.ok(count);
}

/** futex(uaddr, op, val, timeout or val2, uaddr2, val3). */
function futex(c: SyscallCall): Outcome {
  const addr = c.ptr(0);
  const op = c.int(1);
  const cmd = op & FUTEX_CMD_MASK;
  const realtime = (op & FUTEX_CLOCK_REALTIME) !== 0;
  const shared = (op & FUTEX_PRIVATE_FLAG) === 0;
  // val is a u32 compared with the word, or a count (an int) of threads to wake.
  const count = c.int(2);
  // The timeout slot carries val2 (a count) for the requeue and wake-op commands.
  const count2 = c.int(3);
  switch (cmd) {
    case FUTEX_WAIT:
      return wait(c, addr, c.u32(2), c.ptr(3), false, realtime, FUTEX_BITSET_MATCH_ANY, shared);
    case FUTEX_WAIT_BITSET:
      return wait(c, addr, c.u32(2), c.ptr(3), true, realtime, c.u32(5), shared);
    case FUTEX_WAKE:
      return c.ok(futexWake(c.k, c.t.process, addr, count, FUTEX_BITSET_MATCH_ANY, shared));
    case FUTEX_WAKE_BITSET: {
      const bits = c.u32(5);
      return bits === 0 ? c.err(E.EINVAL) : c.ok(futexWake(c.k, c.t.process, addr, count, bits, shared));
    }
    case FUTEX_REQUEUE:
      return requeue(c, addr, count, count2, c.ptr(4), null, shared);
    case FUTEX_CMP_REQUEUE:
      return requeue(c, addr, count, count2, c.ptr(4), c.u32(5), shared);
    case FUTEX_WAKE_OP:
      return wakeOp(c, addr, count, count2, c.ptr(4), c.int(5), shared);
    default:
      return c.err(E.ENOSYS);
  }
}

/** pthread_join waits on the tid word that thread exit clears. */
function wakeJoiner(k: Kernel, t: Thread, clearTidAddr: number): void {
  futexWake(k, t.process, clearTidAddr, 1);
}

export function registerFutex(k: Kernel): void {
  k.register(SYS.futex, futex);
  k.onThreadExit.push((t, addr) => wakeJoiner(k, t, addr));
}
