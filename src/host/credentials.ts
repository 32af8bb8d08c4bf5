// The ids a managed thread really runs with, read from the real kernel's view
// of it (/proc/<pid>/task/<tid>/status): managed processes keep their
// credentials natively, so this is what Linux's permission checks use too.
import * as fs from 'node:fs';
import { assert } from '../core/assert';

/** The value after `name:` on its line of a /proc status file (the line must exist). */
export function statusField(status: string, name: string): string {
  const m = new RegExp(`^${name}:[ \\t]*([^\\n]*)$`, 'm').exec(status);
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
