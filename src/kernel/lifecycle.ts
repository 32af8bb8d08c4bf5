// Birth and death of simulated processes and threads: slots in the shared
// region, virtual ids, attaching the native process, and the bookkeeping when
// a thread exits, a process ends or the run stops.
import { signalName } from '../config/signals';
import type { Host } from '../host/host';
import { Process } from '../host/process';
import { Thread } from '../host/thread';
import type { ProcessConfig } from '../config/types';
import { MSG } from '../abi/protocol';
import { SIGKILL } from '../abi/signals';
import { clearWaits } from './blocking';
import type { Kernel } from './kernel';

/** A new thread of p with virtual id vtid, on a fresh channel slot. */
export function newThread(k: Kernel, p: Process, vtid: number): Thread {
  const slot = k.threadSlots.alloc();
  k.reaper.settleThreadSlot(slot);
  const L = k.shm.layout;
  const ch = k.shm.channelOffset(slot);
  // Every new thread may be a new shim about to copy its settings: undo any scribbling first.
  k.shm.restoreSettings(p.host.id);
  k.shm.u8.fill(0, ch, ch + L.channelSize);
  k.shm.i32[(ch + L.chHost) >> 2] = p.host.id;
  k.shm.i32[(ch + L.chProc) >> 2] = p.slot;
  const t = new Thread(p, slot, vtid, ch);
  p.threads.push(t);
  return t;
}

/** A new simulated process on `host` (no native process yet). */
export function newProcess(k: Kernel, host: Host, ppid: number, exeName: string, cfg: ProcessConfig | null): Process {
  const slot = k.procSlots.alloc();
  k.reaper.settleProcSlot(slot);
  const L = k.shm.layout;
  const pOff = k.shm.procOffset(slot);
  k.shm.u8.fill(0, pOff, pOff + 64);
  k.shm.clearFdBitmap(slot);
  k.shm.u32[(pOff + L.pInUse) >> 2] = 1;
  const vpid = host.allocVid();
  const p = new Process(host, vpid, ppid, slot, exeName, cfg);
  p.startTimeNs = k.sched.nowNs;
  k.shm.i32[(pOff + L.pVpid) >> 2] = vpid;
  host.processes.push(p);
  insertByHost(k.processes, p);
  return p;
}

/**
 * Keeps the kernel's list in (host, creation) order: hosts that run at once
 * create processes in whatever order their threads answer, and the list's
 * order shows (the report, the kill order and its log lines at stop).
 */
function insertByHost(list: Process[], p: Process): void {
  const id = p.host.id;
  if (list.length === 0 || list[list.length - 1].host.id <= id) {
    list.push(p);
    return;
  }
  let lo = 0;
  let hi = list.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (list[mid].host.id <= id) lo = mid + 1;
    else hi = mid;
  }
  list.splice(lo, 0, p);
}

export function attachNative(k: Kernel, p: Process, nativePid: number): void {
  p.nativePid = nativePid;
  k.shm.i32[(k.shm.procOffset(p.slot) + k.shm.layout.pNativePid) >> 2] = nativePid;
}

/** Forgets a process whose native side never came to exist. */
export function discardProcess(k: Kernel, p: Process): void {
  for (const t of p.threads) k.threadSlots.release(t.slot);
  p.threads.length = 0;
  p.state = 'exited';
  p.reaped = true;
  k.shm.u32[(k.shm.procOffset(p.slot) + k.shm.layout.pInUse) >> 2] = 0;
  k.procSlots.release(p.slot);
  const i = p.host.processes.indexOf(p);
  if (i >= 0) p.host.processes.splice(i, 1);
  const j = k.processes.indexOf(p);
  if (j >= 0) k.processes.splice(j, 1);
}

/** Makes a thread that has attached (START pending) run at the current time. */
export function startThread(k: Kernel, t: Thread): void {
  t.nativeTid = k.shm.i32[(t.chOff + k.shm.layout.chNativeTid) >> 2];
  t.state = 'runnable';
  t.resumeEvent = k.sched.at(k.sched.nowNs, t.process.host.id, () => k.runThread(t));
}

/** The native process is gone: collect its status. */
export function processDied(k: Kernel, p: Process): void {
  if (p.state !== 'running') return;
  const st = k.addon.reap(p.nativePid, true);
  p.waitStatus = st >= 0 ? st : 0;
  endProcess(k, p);
}

/**
 * p's side of the shared region said something no shim says: the program wrote
 * the region (every managed process can). Ends p natively, reported like a
 * crash with the reason; the run goes on.
 */
export function killForProtocolViolation(k: Kernel, p: Process, reason: string): void {
  if (p.state !== 'running') return;
  k.log.warn(p.host.name, `${p.name}: broke the shim protocol (${reason}); killing it`);
  if (p.nativePid > 0) k.addon.kill(p.nativePid, 9);
  processDied(k, p);
}

/**
 * exit_group (or the last thread's exit): it runs natively and the process
 * ends in the simulation at once, with the status that exit gives; the native
 * teardown is reaped later (reaper.ts), not waited for here.
 */
export function exitProcess(k: Kernel, t: Thread): void {
  const L = k.shm.layout;
  const code = k.shm.i32[(t.chOff + L.chArgs) >> 2];
  const p = t.process;
  k.shm.u32[(t.chOff + L.chKind) >> 2] = MSG.DO_NATIVE;
  k.addon.reply(t.slot);
  if (p.state !== 'running') return;
  const slots = p.threads.filter((o) => o.state !== 'exited').map((o) => o.slot);
  letNativeImageGo(k, p, p.nativePid, p.slot, slots);
  p.waitStatus = (code & 0xff) << 8;
  endProcess(k, p);
}

/**
 * A native image of p that is ending (exit, or the old image of an execve): reaped later
 * (reaper.ts) with its slots held until then — unless p took file locks natively, which go
 * only with the native process: waiters and later lockers must find them gone, so wait now.
 */
export function letNativeImageGo(k: Kernel, p: Process, nativePid: number, procSlot: number, slots: number[]): void {
  if (p.tookNativeLocks) k.addon.reap(nativePid, true);
  else k.reaper.add(nativePid, procSlot, slots);
}

/** One thread of several exits: it runs exit natively, then pthread_join's futex is woken. */
export function exitThread(k: Kernel, t: Thread): void {
  const p = t.process;
  k.shm.u32[(t.chOff + k.shm.layout.chKind) >> 2] = MSG.DO_NATIVE;
  k.addon.reply(t.slot);
  t.state = 'exited';
  t.blockGen++;
  // The joiner may free this thread's stack once the tid word clears: wait until it is gone.
  if (t.vtid !== p.vpid) k.addon.waitThreadGone(p.nativePid, t.nativeTid);
  if (t.vtid === p.vpid || p.memoryThread === t) {
    const other = p.threads.find((o) => o.state !== 'exited' && o !== t);
    p.memoryThread = other ?? null;
    if (other) k.mem.setAlias(p.nativePid, other.nativeTid);
  }
  k.threadSlots.release(t.slot);
  // Only live threads (and an exited leader, which still names the process) stay listed:
  // a program that makes and ends threads all day must not grow this list.
  if (t.vtid !== p.vpid) {
    const i = p.threads.indexOf(t);
    if (i >= 0) p.threads.splice(i, 1);
  }
  if (t.clearChildTidAddr !== 0) {
    k.mem.writeI32(p.nativePid, t.clearChildTidAddr, 0);
    for (const h of k.onThreadExit) h(t, t.clearChildTidAddr);
  }
}

export function endProcess(k: Kernel, p: Process): void {
  p.state = 'exited';
  p.endTimeNs = k.sched.nowNs;
  for (const t of p.threads) {
    clearWaits(t);
    if (t.resumeEvent) t.resumeEvent.cancelled = true;
    if (t.state !== 'exited') k.threadSlots.release(t.slot);
    t.state = 'exited';
    t.blockGen++;
  }
  p.fds.closeAll();
  if (p.memoryThread) k.mem.setAlias(p.nativePid, null);
  k.shm.u32[(k.shm.procOffset(p.slot) + k.shm.layout.pInUse) >> 2] = 0;
  k.procSlots.release(p.slot);
  const fs = p.finalState();
  const how =
    fs.kind === 'exited'
      ? `exited with status ${fs.code}`
      : fs.kind === 'signaled'
        ? `killed by ${signalName(fs.signal)}`
        : 'still running at stop time; killed';
  k.log.log(p.config !== null ? 'info' : 'debug', p.host.name, `${p.name}: ${how}`);
  for (const h of k.onProcessEnd) h(p);
}

/** Ends every process still running (stop time, or an error). */
export function killAll(k: Kernel): void {
  // Every kill first: the processes' teardowns then overlap instead of following each other.
  for (const p of k.processes) if (p.state === 'running' && p.nativePid > 0) k.addon.kill(p.nativePid, SIGKILL);
  k.reaper.drain();
  for (const p of k.processes) {
    if (p.state === 'running' && p.nativePid > 0) {
      const st = k.addon.reap(p.nativePid, true);
      // A lost status reads as a death by SIGKILL (the wait status of a signal is its number).
      p.waitStatus = st >= 0 ? st : SIGKILL;
      p.killedAtStop = true;
      endProcess(k, p);
    }
  }
}
