// The hand-off loop with one managed thread: reply to its last message, wait
// for the next one, dispatch it, until the thread blocks, its reply is held
// back (CPU latency, a polite delay) or its process ends.
import * as fs from 'node:fs';
import type { Thread } from '../host/thread';
import { E } from '../abi/errno';
import { MSG, PSEUDO_SYS } from '../abi/protocol';
import { syscallName } from '../abi/syscalls';
import { formatSimTime } from '../core/time';
import { Outcome } from './call';
import { chargeCpuLatency } from './cpu-latency';
import { clearWaits } from './blocking';
import { describeSyscall, pidLabelFor } from './trace';
import { watchSilentThread } from './watchdog';
import { WAIT_RESULT } from '../native';
import { ProcessVanished } from './shim-calls';
import { killForProtocolViolation } from './lifecycle';
import type { Kernel } from './kernel';
import { isPathCall, pathCall } from '../syscall/path-calls';

/** handleMessage's answer when no reply goes out now. */
const NO_REPLY_NOW = 0;

/**
 * t's call blocked. Its shim spins for a reply for a while, which pays when t
 * is the next thread served (a sleep that ends before anything else happens)
 * and otherwise takes the CPU the next thread needs: the shim is told to sleep
 * now, or, when t's own host has the next event, once another thread is
 * served after all (parkEarlier).
 */
function parkLater(k: Kernel, t: Thread): void {
  parkEarlier(k, t);
  if (k.sched.ownEventNext()) k.parkPendingSlot = t.slot;
  else k.addon.park(t.slot);
}

/** About to serve t: the thread that blocked last, if another one, stops spinning now. */
function parkEarlier(k: Kernel, t: Thread): void {
  if (k.parkPendingSlot >= 0 && k.parkPendingSlot !== t.slot) k.addon.park(k.parkPendingSlot);
  k.parkPendingSlot = -1;
}

/** Runs thread t from its saved message until it blocks, exits or is delayed. */
export function runThread(k: Kernel, t: Thread): void {
  const p = t.process;
  if (p.state !== 'running' || t.state === 'exited') return;
  parkEarlier(k, t);
  t.state = 'running';
  t.resumeEvent = null;
  const shm = k.shm;
  const L = shm.layout;
  const hostOff = shm.hostOffset(p.host.id);
  shm.updateI64(hostOff + L.hSimTime, k.sched.nowNs);
  shm.updateI64(hostOff + L.hUnapplied, 0);
  let kind: number;
  if (t.pendingKind !== 0) {
    kind = t.pendingKind;
    k.call.ret = t.pendingRet;
    t.pendingKind = 0;
  } else {
    kind = handleMessage(k, t);
    if (kind === NO_REPLY_NOW) return;
  }
  replyAndGoOn(k, t, kind, k.call.ret);
}

/**
 * Sends t its reply and, while it keeps making calls that need no wait,
 * answers them. With several hosts running at once the reply is posted and
 * the loop goes on: the kernel's runner picks up t's next message (serveAnswer).
 */
function replyAndGoOn(k: Kernel, t: Thread, kind: number, ret: number): void {
  const p = t.process;
  const shm = k.shm;
  const L = shm.layout;
  const hostOff = shm.hostOffset(p.host.id);
  const ch = t.chOff;
  for (;;) {
    if (kind === MSG.COMPLETE && k.signals !== null) {
      if (!k.signals.prepareDelivery(t, t.lastNr, ret === -E.EINTR)) return;
    }
    shm.u32[(ch + L.chKind) >> 2] = kind;
    shm.writeI64(ch + L.chRet, ret);
    // Kept here: the copy in the host block is the program's to overwrite.
    const allowedNs = k.sched.maxRunaheadNs();
    shm.updateI64(hostOff + L.hMaxRunahead, allowedNs);
    shm.updateI64(hostOff + L.hSimTime, k.sched.nowNs);
    if (k.sched.canPost()) {
      t.allowedNs = allowedNs;
      k.addon.reply(t.slot);
      k.post(t);
      return;
    }
    k.spinFor(k.postedCount + 1);
    let waited = k.addon.replyAndWait(t.slot, p.nativePid, k.opts.watchdogTimeoutNs);
    if (waited === WAIT_RESULT.STILL_WAITING) waited = watchSilentThread(k, t, p.nativePid);
    kind = afterAnswer(k, t, allowedNs, waited);
    if (kind === NO_REPLY_NOW) return;
    ret = k.call.ret;
  }
}

/** The runner's half: posted thread t answered (waited: a WAIT_RESULT); its host's context is current. */
export function serveAnswer(k: Kernel, t: Thread, waited: number): void {
  parkEarlier(k, t);
  if (t.startPending) {
    // A process started (or exec'd in place) while other hosts ran: its first message is START.
    t.startPending = false;
    const retired = t.retiredThreads;
    if (retired !== null) {
      // The old image is gone now that the new one spoke (or died): its channels are free.
      t.retiredThreads = null;
      for (const o of retired) k.threadSlots.release(o.slot);
      // As when the simulator waited for it: the new image runs from an event at this instant.
      if (waited === WAIT_RESULT.DIED) k.processDied(t.process);
      else k.startThread(t);
      return;
    }
    if (waited === WAIT_RESULT.DIED) diedBeforeStart(k, t);
    else runThread(k, t);
    return;
  }
  const kind = afterAnswer(k, t, t.allowedNs, waited);
  if (kind !== NO_REPLY_NOW) replyAndGoOn(k, t, kind, k.call.ret);
}

/** t's process ended natively before its shim said START: it ends here too, with a warning why. */
export function diedBeforeStart(k: Kernel, t: Thread): void {
  const p = t.process;
  k.processDied(p);
  k.log.warn(p.host.name, `${p.name}: ended before the shim attached (is it a setuid binary, or one for another ABI?)`);
}

/** After t answered: checks the clock its shim moved, then handles its message. */
function afterAnswer(k: Kernel, t: Thread, allowedNs: number, waited: number): number {
  const p = t.process;
  if (waited === WAIT_RESULT.DIED) {
    k.processDied(p);
    return NO_REPLY_NOW;
  }
  const shm = k.shm;
  const hostOff = shm.hostOffset(p.host.id);
  // The shim may move its host's clock forward (CPU latency), within the runahead it was given.
  const shimTime = shm.readU64(hostOff + shm.layout.hSimTime);
  if (shimTime !== k.sched.nowNs) {
    if (shimTime < k.sched.nowNs || shimTime > allowedNs) {
      killForProtocolViolation(k, p, `host clock set to ${shimTime} ns, outside ${k.sched.nowNs}..${allowedNs}`);
      return NO_REPLY_NOW;
    }
    k.sched.nowNs = shimTime;
  }
  return handleMessage(k, t);
}

/**
 * Acts on the message in t's channel. Returns the reply kind to send (its
 * result in k.call.ret), or NO_REPLY_NOW when the thread blocked, its process
 * ended, or the reply is held back while CPU latency is charged.
 */
function handleMessage(k: Kernel, t: Thread): number {
  const shm = k.shm;
  const L = shm.layout;
  const ch = t.chOff;
  const c = k.call;
  const msg = shm.u32[(ch + L.chKind) >> 2];
  if (msg === MSG.START) {
    t.nativeTid = shm.i32[(ch + L.chNativeTid) >> 2];
    shm.i32[(ch + L.chVtid) >> 2] = t.vtid;
    shm.i32[(ch + L.chVpid) >> 2] = t.process.vpid;
    // chRandom already holds the AT_RANDOM bytes drawn at spawn (seedAtRandom); a clone's START leaves them unused.
    c.ret = 0;
    return MSG.START_OK;
  }
  // Everything in the channel is program-writable input: check it before acting on it.
  if (msg !== MSG.SYSCALL && msg !== MSG.PSEUDO && msg !== MSG.PATH) {
    killForProtocolViolation(k, t.process, `${t.name} sent message kind ${msg}`);
    return NO_REPLY_NOW;
  }
  const nr = shm.readI64(ch + L.chNr);
  const pseudoNr = nr === PSEUDO_SYS.YIELD || nr === PSEUDO_SYS.SIGRETURN || nr === PSEUDO_SYS.FAULT;
  if (msg === MSG.PSEUDO && !pseudoNr) {
    killForProtocolViolation(k, t.process, `${t.name} sent pseudo-syscall ${nr}`);
    return NO_REPLY_NOW;
  }
  if (msg === MSG.PATH && !isPathCall(nr)) {
    killForProtocolViolation(k, t.process, `${t.name} sent ${syscallName(nr)} as a path call`);
    return NO_REPLY_NOW;
  }
  // A program's own syscall with a pseudo number: ENOSYS, as Linux answers, never our handlers.
  const reserved = msg === MSG.SYSCALL && pseudoNr;
  c.bind(t, nr, ch + L.chArgs);
  if (k.traceSyscalls || t.process.straceFd >= 0) c.givenArgs.set(c.args);
  t.lastNr = reserved ? -1 : nr;
  t.syscallSeq++;
  if (k.opts.useSyscallCounters && nr >= 0 && nr < k.syscalls.counts.length) k.syscalls.counts[nr]++;
  let outcome: Outcome;
  if (msg === MSG.SYSCALL) k.mem.beginStage(t.process.nativePid, ch);
  try {
    if (msg === MSG.PATH) outcome = pathCall(c);
    else outcome = reserved ? k.syscalls.unsupported(c) : k.syscalls.dispatch(c);
  } catch (e) {
    k.mem.endStage(false);
    if (!(e instanceof ProcessVanished)) throw e;
    k.processDied(t.process);
    outcome = Outcome.Deferred;
  }
  if (outcome === Outcome.Blocked) {
    if (k.signals === null || !k.signals.hasDeliverable(t)) {
      if (k.traceSyscalls) k.log.log('trace', t.process.host.name, `${t.name}: ${syscallName(nr)} blocks`);
      if (k.report !== null) k.report.syscall(t.process.host.id, t.slot, nr, true);
      k.mem.endStage(false);
      t.state = 'blocked';
      parkLater(k, t);
      return NO_REPLY_NOW;
    }
    // A signal is waiting: the call is interrupted instead of blocking.
    clearWaits(t);
    t.blockGen++;
    outcome = c.err(E.EINTR);
  }
  const ret = outcome === Outcome.Done ? c.ret : 0;
  if (k.report !== null && outcome !== Outcome.Deferred) k.report.syscall(t.process.host.id, t.slot, nr, false);
  if (k.traceSyscalls || t.process.straceFd >= 0) {
    const line = describeSyscall(
      nr,
      c.givenArgs,
      outcome,
      ret,
      k.opts.straceLoggingMode === 'deterministic',
      pidLabelFor(k, t),
    );
    if (k.traceSyscalls) k.log.log('trace', t.process.host.name, `${t.name}: ${line}`);
    if (t.process.straceFd >= 0) {
      fs.writeSync(t.process.straceFd, `${formatSimTime(k.sched.nowNs)} [tid ${t.vtid}] ${line}\n`);
    }
  }
  // Blocked, or answered later (Deferred): what the call wrote so far goes to the process now.
  k.mem.endStage(outcome === Outcome.Done || outcome === Outcome.Native);
  if (outcome === Outcome.Deferred) return NO_REPLY_NOW;
  t.wokenBy = 'none';
  t.deadlineNs = -1;
  const kind = outcome === Outcome.Native ? MSG.DO_NATIVE : MSG.COMPLETE;
  c.ret = ret;
  return chargeCpuLatency(k, t, nr, kind, ret) ? kind : NO_REPLY_NOW;
}
