// Futexes in simulated time: waiters park in the simulator, never in the real
// kernel (which would stall the whole simulation). Private futexes are keyed
// by (process, address); shared ones in MAP_SHARED memory by the mapped
// object and offset, so processes sharing a page (POSIX semaphores after
// fork or sem_open) meet on one queue. Queues are FIFO for determinism.
import * as fs from 'node:fs';
import type { Host } from '../host/host';
import type { Process } from '../host/process';
import type { Thread } from '../host/thread';
import { E } from '../abi/errno';
import type { Kernel } from '../kernel/kernel';
import { SYS } from '../abi/syscalls';
import { absoluteToSimNs, NS_PER_SEC } from '../core/time';

const FUTEX_WAIT = 0,
  FUTEX_WAKE = 1,
  FUTEX_REQUEUE = 3,
  FUTEX_CMP_REQUEUE = 4,
  FUTEX_WAKE_OP = 5;
const FUTEX_WAIT_BITSET = 9,
  FUTEX_WAKE_BITSET = 10;
const FUTEX_PRIVATE_FLAG = 128;
const FUTEX_CLOCK_REALTIME = 256;
const CMD_MASK = 127;
const BITSET_ANY = 0xffffffff;

type Space = Map<number | string, Waiter[]>;

interface Waiter {
  t: Thread;
  space: Space;
  key: number | string;
  bitset: number;
}

const privateSpaces = new WeakMap<Process, Space>();
const sharedSpaces = new WeakMap<Host, Space>();
/** Threads whose futex wait ended by a wake (read by the re-run of their syscall). */
const woken = new WeakSet<Thread>();

function spaceOf<K extends object>(m: WeakMap<K, Space>, owner: K): Space {
  let s = m.get(owner);
  if (!s) {
    s = new Map();
    m.set(owner, s);
  }
  return s;
}

/** Where a futex word lives: a shared mapping's object and offset, else this process's address. */
function futexKey(p: Process, addr: number, shared: boolean): { space: Space; key: number | string } {
  if (shared) {
    const obj = sharedObjectOffset(p, addr);
    if (obj !== null) return { space: spaceOf(sharedSpaces, p.host), key: obj };
  }
  return { space: spaceOf(privateSpaces, p), key: addr };
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

function removeWaiter(w: Waiter): void {
  const q = w.space.get(w.key);
  if (!q) return;
  const i = q.indexOf(w);
  if (i >= 0) q.splice(i, 1);
  if (q.length === 0) w.space.delete(w.key);
}

/** Wakes up to n waiters on a futex word whose bitset matches. Returns how many. */
export function futexWake(k: Kernel, p: Process, addr: number, n: number, bitset = BITSET_ANY, shared = false): number {
  const { space, key } = futexKey(p, addr, shared);
  const q = space.get(key);
  if (!q) return 0;
  let count = 0;
  for (const w of q.slice()) {
    if (count >= n) break;
    if ((w.bitset & bitset) === 0) continue;
    removeWaiter(w);
    woken.add(w.t);
    k.wake(w.t);
    count++;
  }
  return count;
}

function wait(
  k: Kernel,
  t: Thread,
  addr: number,
  val: number,
  timeoutAddr: number,
  absolute: boolean,
  realtime: boolean,
  bitset: number,
  shared: boolean,
): number {
  if (t.wokenBy !== 'none') {
    if (woken.has(t)) {
      woken.delete(t);
      return 0;
    }
    if (t.wokenBy === 'timeout') return -E.ETIMEDOUT;
  }
  if (bitset === 0) return -E.EINVAL;
  const p = t.process;
  const cur = k.mem.readU32(p.nativePid, addr);
  if (cur === null) return -E.EFAULT;
  if (cur !== val >>> 0) return -E.EAGAIN;
  let deadline = -1;
  if (timeoutAddr !== 0) {
    const m = k.mem;
    if (!m.readTimespec(p.nativePid, timeoutAddr)) return -E.EFAULT;
    if (m.tsSec < 0 || m.tsNsec < 0 || m.tsNsec >= NS_PER_SEC) return -E.EINVAL;
    // Absolute timeouts are on CLOCK_REALTIME with FUTEX_CLOCK_REALTIME, else CLOCK_MONOTONIC.
    deadline = absolute
      ? absoluteToSimNs(realtime ? 0 : 1, m.tsSec, m.tsNsec)
      : k.now + m.tsSec * NS_PER_SEC + m.tsNsec;
    if (deadline <= k.now) return -E.ETIMEDOUT;
  }
  const { space, key } = futexKey(p, addr, shared);
  const w: Waiter = { t, space, key, bitset };
  const q = space.get(key);
  if (q) q.push(w);
  else space.set(key, [w]);
  t.waitCleanups.push(() => removeWaiter(w));
  return k.block(t, deadline);
}

function requeue(
  k: Kernel,
  t: Thread,
  addr: number,
  nWake: number,
  nMove: number,
  addr2: number,
  cmp: number | null,
  shared: boolean,
): number {
  const p = t.process;
  if (cmp !== null) {
    const cur = k.mem.readU32(p.nativePid, addr);
    if (cur === null) return -E.EFAULT;
    if (cur !== cmp >>> 0) return -E.EAGAIN;
  }
  let count = futexWake(k, p, addr, nWake, BITSET_ANY, shared);
  const from = futexKey(p, addr, shared);
  const q = from.space.get(from.key);
  if (!q) return count;
  const to = futexKey(p, addr2, shared);
  for (const w of q.slice(0, Math.max(0, nMove))) {
    removeWaiter(w);
    w.space = to.space;
    w.key = to.key;
    const q2 = to.space.get(to.key);
    if (q2) q2.push(w);
    else to.space.set(to.key, [w]);
    count++;
  }
  return count;
}

/** FUTEX_WAKE_OP: *addr2 = op(*addr2, oparg); wake addr; if cmp(old, cmparg) wake addr2. */
function wakeOp(
  k: Kernel,
  t: Thread,
  addr: number,
  n: number,
  n2: number,
  addr2: number,
  val3: number,
  shared: boolean,
): number {
  const p = t.process;
  const op = (val3 >>> 28) & 0xf;
  const cmp = (val3 >>> 24) & 0xf;
  let oparg = (val3 << 8) >> 20; // sign-extended 12 bits
  const cmparg = (val3 << 20) >> 20;
  if (op & 8) oparg = 1 << (oparg & 31);
  const old = k.mem.readU32(p.nativePid, addr2);
  if (old === null) return -E.EFAULT;
  let nv: number;
  switch (op & 7) {
    case 0:
      nv = oparg;
      break;
    case 1:
      nv = old + oparg;
      break;
    case 2:
      nv = old | oparg;
      break;
    case 3:
      nv = old & ~oparg;
      break;
    case 4:
      nv = old ^ oparg;
      break;
    default:
      return -E.ENOSYS;
  }
  if (!k.mem.writeU32(p.nativePid, addr2, nv >>> 0)) return -E.EFAULT;
  let count = futexWake(k, p, addr, n, BITSET_ANY, shared);
  const o = old | 0;
  const ok = [o === cmparg, o !== cmparg, o < cmparg, o <= cmparg, o > cmparg, o >= cmparg][cmp];
  if (ok === undefined) return -E.ENOSYS;
  if (ok) count += futexWake(k, p, addr2, n2, BITSET_ANY, shared);
  return count;
}

function futex(k: Kernel, t: Thread, a: Float64Array): number {
  const addr = a[0];
  const op = a[1];
  const cmd = op & CMD_MASK;
  const realtime = (op & FUTEX_CLOCK_REALTIME) !== 0;
  const shared = (op & FUTEX_PRIVATE_FLAG) === 0;
  const val = a[2];
  switch (cmd) {
    case FUTEX_WAIT:
      return wait(k, t, addr, val, a[3], false, realtime, BITSET_ANY, shared);
    case FUTEX_WAIT_BITSET:
      return wait(k, t, addr, val, a[3], true, realtime, k.argWords(t, 5)[0], shared);
    case FUTEX_WAKE:
      return futexWake(k, t.process, addr, val, BITSET_ANY, shared);
    case FUTEX_WAKE_BITSET: {
      const bits = k.argWords(t, 5)[0];
      return bits === 0 ? -E.EINVAL : futexWake(k, t.process, addr, val, bits, shared);
    }
    case FUTEX_REQUEUE:
      return requeue(k, t, addr, val, a[3], a[4], null, shared);
    case FUTEX_CMP_REQUEUE:
      return requeue(k, t, addr, val, a[3], a[4], a[5], shared);
    case FUTEX_WAKE_OP:
      return wakeOp(k, t, addr, val, a[3], a[4], k.argWords(t, 5)[0] | 0, shared);
    default:
      return -E.ENOSYS;
  }
}

export function registerFutex(k: Kernel): void {
  k.registerLegacy(SYS.futex, futex);
  // pthread_join waits on the tid word that thread exit clears.
  k.onThreadExit.push((t, addr) => futexWake(k, t.process, addr, 1));
}
