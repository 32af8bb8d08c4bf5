// The ids a managed thread really runs with, read from the real kernel's view
// of it (/proc/<pid>/task/<tid>/status): managed processes keep their
// credentials natively, so this is what Linux's permission checks use too.
import * as fs from 'node:fs';
import { assert } from '../core/assert';

/** The value after `name:` on its line of a /proc status file (the line must exist). */
/** One compiled pattern per field name: an execve reads a dozen fields. */
const fieldPatterns = new Map<string, RegExp>();

export function statusField(status: string, name: string): string {
  let pattern = fieldPatterns.get(name);
  if (pattern === undefined) {
    pattern = new RegExp(`^${name}:[ \\t]*([^\\n]*)$`, 'm');
    fieldPatterns.set(name, pattern);
  }
  const m = pattern.exec(status);
  assert(m !== null, `/proc status has no ${name} line`);
  return m[1].trim();
}

/** Real, effective and saved id from a Uid or Gid line (the filesystem id follows the effective one). */
export function statusIds(status: string, name: 'Uid' | 'Gid'): number[] {
  const v = statusField(status, name)
    .split(/\s+/)
    .map((x) => Number(x));
  assert(v.length === 4 && v.every((x) => Number.isInteger(x) && x >= 0), `bad ${name} line`);
  return v.slice(0, 3);
}

/** A thread's /proc status text, or null when it is gone. */
export function threadStatus(nativePid: number, nativeTid: number): string | null {
  try {
    return fs.readFileSync(`/proc/${nativePid}/task/${nativeTid}/status`, 'utf8');
  } catch {
    return null;
  }
}

/** The thread's effective uid and gid (what SO_PEERCRED reports), or null when it is gone. */
export function effectiveIds(nativePid: number, nativeTid: number): { uid: number; gid: number } | null {
  const status = threadStatus(nativePid, nativeTid);
  if (status === null) return null;
  return { uid: statusIds(status, 'Uid')[1], gid: statusIds(status, 'Gid')[1] };
}

/** CAP_KILL: may signal any process. */
const CAP_KILL = 5;

/**
 * Whether process `senderPid` may send a signal to `targetPid` (Linux's
 * kill_ok_by_cred): the sender's real or effective uid is the target's real or
 * saved uid, or the sender has CAP_KILL. A process that is already gone does not
 * refuse (the caller reports it missing, or it is reaped anyway).
 */
export function maySignal(senderPid: number, targetPid: number): boolean {
  if (senderPid === targetPid) return true;
  const s = threadStatus(senderPid, senderPid);
  const t = threadStatus(targetPid, targetPid);
  if (s === null || t === null) return true;
  const [sr, se] = statusIds(s, 'Uid');
  const [tr, , ts] = statusIds(t, 'Uid');
  if (sr === tr || sr === ts || se === tr || se === ts) return true;
  // Bit 5 lies in the mask's last hex digits, well inside a safe integer.
  const capEff = Number.parseInt(statusField(s, 'CapEff').slice(-8), 16);
  return (capEff & (1 << CAP_KILL)) !== 0;
}
