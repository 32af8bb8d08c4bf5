// Futexes in simulated time: waiters park in the simulator, never in the real
// kernel (which would stall the whole simulation). Keys are per process
// (private and shared futexes alike); queues are FIFO for determinism.
import type { Process } from '../host/process';
import type { Thread } from '../host/thread';
import { E } from './errno';
import type { Kernel } from './kernel';
import { SYS } from './numbers';
import { absoluteToSimNs, NS_PER_SEC } from '../core/time';

const FUTEX_WAIT = 0, FUTEX_WAKE = 1, FUTEX_REQUEUE = 3, FUTEX_CMP_REQUEUE = 4, FUTEX_WAKE_OP = 5;
const FUTEX_WAIT_BITSET = 9, FUTEX_WAKE_BITSET = 10;
const FUTEX_CLOCK_REALTIME = 256;
const CMD_MASK = 127;
const BITSET_ANY = 0xffffffff;

interface Waiter {
  t: Thread;
  addr: number;
  bitset: number;
}

const queues = new WeakMap<Process, Map<number, Waiter[]>>();
/** Threads whose futex wait ended by a wake (read by the re-run of their syscall). */
const woken = new WeakSet<Thread>();

function queueOf(p: Process, addr: number, create: boolean): Waiter[] | undefined {
  let m = queues.get(p);
  if (!m) {
    if (!create) return undefined;
    m = new Map();
    queues.set(p, m);
  }
  let q = m.get(addr);
  if (!q && create) {
    q = [];
    m.set(addr, q);
  }
  return q;
}

function removeWaiter(p: Process, w: Waiter): void {
  const m = queues.get(p);
  const q = m?.get(w.addr);
  if (!q) return;
  const i = q.indexOf(w);
  if (i >= 0) q.splice(i, 1);
  if (q.length === 0) m?.delete(w.addr);
}

/** Wakes up to n waiters on addr whose bitset matches. Returns how many. */
export function futexWake(k: Kernel, p: Process, addr: number, n: number, bitset = BITSET_ANY): number {
  const q = queueOf(p, addr, false);
  if (!q) return 0;
  let count = 0;
  for (const w of q.slice()) {
    if (count >= n) break;
    if ((w.bitset & bitset) === 0) continue;
    removeWaiter(p, w);
    woken.add(w.t);
    k.wake(w.t);
    count++;
  }
  return count;
}

function wait(k: Kernel, t: Thread, addr: number, val: number, timeoutAddr: number, absolute: boolean, realtime: boolean, bitset: number): number {
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
    deadline = absolute ? absoluteToSimNs(realtime ? 0 : 1, m.tsSec, m.tsNsec) : k.now + m.tsSec * NS_PER_SEC + m.tsNsec;
    if (deadline <= k.now) return -E.ETIMEDOUT;
  }
  const w: Waiter = { t, addr, bitset };
  queueOf(p, addr, true)?.push(w);
  t.waitCleanups.push(() => removeWaiter(p, w));
  return k.block(t, deadline);
}

function requeue(k: Kernel, t: Thread, addr: number, nWake: number, nMove: number, addr2: number, cmp: number | null): number {
  const p = t.process;
  if (cmp !== null) {
    const cur = k.mem.readU32(p.nativePid, addr);
    if (cur === null) return -E.EFAULT;
    if (cur !== cmp >>> 0) return -E.EAGAIN;
  }
  let count = futexWake(k, p, addr, nWake);
  const q = queueOf(p, addr, false);
  if (!q) return count;
  for (const w of q.slice(0, Math.max(0, nMove))) {
    removeWaiter(p, w);
    w.addr = addr2;
    queueOf(p, addr2, true)?.push(w);
    count++;
  }
  return count;
}

/** FUTEX_WAKE_OP: *addr2 = op(*addr2, oparg); wake addr; if cmp(old, cmparg) wake addr2. */
function wakeOp(k: Kernel, t: Thread, addr: number, n: number, n2: number, addr2: number, val3: number): number {
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
    case 0: nv = oparg; break;
    case 1: nv = old + oparg; break;
    case 2: nv = old | oparg; break;
    case 3: nv = old & ~oparg; break;
    case 4: nv = old ^ oparg; break;
    default: return -E.ENOSYS;
  }
  if (!k.mem.writeU32(p.nativePid, addr2, nv >>> 0)) return -E.EFAULT;
  let count = futexWake(k, p, addr, n);
  const o = old | 0;
  const ok = [o === cmparg, o !== cmparg, o < cmparg, o <= cmparg, o > cmparg, o >= cmparg][cmp];
  if (ok === undefined) return -E.ENOSYS;
  if (ok) count += futexWake(k, p, addr2, n2);
  return count;
}

function futex(k: Kernel, t: Thread, a: Float64Array): number {
  const addr = a[0];
  const op = a[1];
  const cmd = op & CMD_MASK;
  const realtime = (op & FUTEX_CLOCK_REALTIME) !== 0;
  const val = a[2];
  switch (cmd) {
    case FUTEX_WAIT: return wait(k, t, addr, val, a[3], false, realtime, BITSET_ANY);
    case FUTEX_WAIT_BITSET: return wait(k, t, addr, val, a[3], true, realtime, k.argWords(t, 5)[0]);
    case FUTEX_WAKE: return futexWake(k, t.process, addr, val);
    case FUTEX_WAKE_BITSET: {
      const bits = k.argWords(t, 5)[0];
      return bits === 0 ? -E.EINVAL : futexWake(k, t.process, addr, val, bits);
    }
    case FUTEX_REQUEUE: return requeue(k, t, addr, val, a[3], a[4], null);
    case FUTEX_CMP_REQUEUE: return requeue(k, t, addr, val, a[3], a[4], a[5]);
    case FUTEX_WAKE_OP: return wakeOp(k, t, addr, val, a[3], a[4], k.argWords(t, 5)[0] | 0);
    default: return -E.ENOSYS;
  }
}

export function registerFutex(k: Kernel): void {
  k.register(SYS.futex, futex);
  // pthread_join waits on the tid word that thread exit clears.
  k.onThreadExit.push((t, addr) => futexWake(k, t.process, addr, 1));
}
