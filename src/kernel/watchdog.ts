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
  const startNs = k.addon.monotonicNs() - timeoutNs;
  const p = t.process;
  let r: number = WAIT_RESULT.STILL_WAITING;
  while (r === WAIT_RESULT.STILL_WAITING) {
    const silentS = ((k.addon.monotonicNs() - startNs) / 1e9).toFixed(1);
    k.log.warn(
      p.host.name,
      `watchdog: process ${p.exeName} (pid ${p.vpid}) thread ${t.vtid} has not answered for ${silentS} s ` +
        `of wall time; it is ${nativeActivity(nativePid, t.nativeTid)} (last syscall through the simulator: ` +
        `${t.lastNr >= 0 ? syscallName(t.lastNr) : 'none'}); the simulation waits for it`,
    );
    r = k.addon.waitRequest(t.slot, nativePid, timeoutNs);
  }
  if (r === WAIT_RESULT.REQUEST) {
    const silentS = ((k.addon.monotonicNs() - startNs) / 1e9).toFixed(1);
    k.log.warn(
      p.host.name,
      `watchdog: process ${p.exeName} (pid ${p.vpid}) thread ${t.vtid} answered after ${silentS} s`,
    );
  }
  return r;
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
