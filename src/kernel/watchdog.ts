// The watchdog: a managed thread that stays silent natively (a syscall the shim
// runs without asking us, or a long computation) freezes the whole simulation.
// While it does, say so every experimental.watchdog_timeout of wall time.
import * as fs from 'node:fs';
import type { Thread } from '../host/thread';
import { syscallName } from '../abi/syscalls';
import { WAIT_RESULT } from '../native';
import type { Kernel } from './kernel';

/**
 * Called when a wait for t's next message returned STILL_WAITING: warns and
 * waits again (with the reply already posted) until t answers or its process
 * dies. Returns the final WAIT_RESULT (REQUEST or DIED).
 */
export function watchSilentThread(k: Kernel, t: Thread, nativePid: number): number {
  const timeoutNs = k.opts.watchdogTimeoutNs ?? 0;
  t.silentSinceNs = k.addon.monotonicNs() - timeoutNs;
  let r: number = WAIT_RESULT.STILL_WAITING;
  while (r === WAIT_RESULT.STILL_WAITING) {
    reportSilent(k, t, nativePid);
    r = k.addon.waitRequest(t.slot, nativePid, timeoutNs);
  }
  if (r === WAIT_RESULT.REQUEST) reportAnswered(k, t);
  t.silentSinceNs = -1;
  return r;
}

/**
 * Says that t (of native process nativePid) has not answered for a watchdog
 * period or more; at once, not at the round's end: the run is stuck on it.
 */
export function reportSilent(k: Kernel, t: Thread, nativePid: number): void {
  if (t.silentSinceNs < 0) t.silentSinceNs = k.addon.monotonicNs() - (k.opts.watchdogTimeoutNs ?? 0);
  const p = t.process;
  const silentS = ((k.addon.monotonicNs() - t.silentSinceNs) / 1e9).toFixed(1);
  k.log.logNow(
    'warning',
    p.host.name,
    `watchdog: process ${p.exeName} (pid ${p.vpid}) thread ${t.vtid} has not answered for ${silentS} s ` +
      `of wall time; it is ${nativeActivity(nativePid, t.nativeTid)} (last syscall through the simulator: ` +
      `${t.lastNr >= 0 ? syscallName(t.lastNr) : 'none'}); the simulation waits for it`,
  );
}

/** t answered after reportSilent said it was silent (nothing when it was not). */
export function reportAnswered(k: Kernel, t: Thread): void {
  if (t.silentSinceNs < 0) return;
  const p = t.process;
  const silentS = ((k.addon.monotonicNs() - t.silentSinceNs) / 1e9).toFixed(1);
  t.silentSinceNs = -1;
  k.log.logNow(
    'warning',
    p.host.name,
    `watchdog: process ${p.exeName} (pid ${p.vpid}) thread ${t.vtid} answered after ${silentS} s`,
  );
}

/**
 * What the native thread is doing, from /proc/<pid>/task/<tid>/syscall: the
 * syscall it sleeps in (the shim runs many natively, so the simulator's last
 * one may not be it), or that it runs user code.
 */
function nativeActivity(nativePid: number, nativeTid: number): string {
  let text: string;
  try {
    text = fs.readFileSync(`/proc/${nativePid}/task/${nativeTid > 0 ? nativeTid : nativePid}/syscall`, 'utf8');
  } catch {
    return 'in an unknown state';
  }
  const first = text.trim().split(' ')[0];
  if (first === 'running') return 'running user code';
  const nr = Number(first);
  if (!Number.isInteger(nr) || nr < 0) return 'running user code';
  return `in the native syscall ${syscallName(nr)}`;
}
