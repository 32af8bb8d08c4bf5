// What an execve keeps of the caller's identity (uids, gids, groups,
// capability sets, umask, resource limits), read from the real kernel's view
// of the calling thread, for the addon to give the new native process.
//
// Why native and not emulated: the new image is a fresh child of the
// simulator, which runs as root. Emulating ids (answering getuid & co. from
// simulated state) would leave every file access, signal permission and
// capability check of the real kernel done as root; giving the new process the
// old one's real credentials before it runs makes all of them behave as on
// Linux, and the kernel's exec then recomputes capabilities itself.
import * as fs from 'node:fs';
import { assert } from '../core/assert';

/** RLIM_NLIMITS: the resources of /proc/<pid>/limits, in resource order. */
const RLIMITS = 16;

function field(status: string, name: string): string {
  const m = new RegExp(`^${name}:[ \\t]*([^\\n]*)$`, 'm').exec(status);
  assert(m !== null, `/proc status has no ${name} line`);
  return m[1].trim();
}

function ids(status: string, name: string): number[] {
  const v = field(status, name)
    .split(/\s+/)
    .map((x) => Number(x));
  assert(v.length === 4 && v.every((x) => Number.isInteger(x) && x >= 0), `bad ${name} line`);
  return v.slice(0, 3); // real, effective, saved (the filesystem id follows the effective one at exec)
}

/** A 64-bit hex capability mask; Linux's highest capability (40) keeps it far below 2^53. */
function caps(status: string, name: string): number {
  const n = Number.parseInt(field(status, name), 16);
  assert(Number.isSafeInteger(n) && n >= 0, `bad ${name} line`);
  return n;
}

/** Soft and hard limit of each resource, -1 for unlimited. */
function limits(text: string): number[] {
  const out: number[] = [];
  for (const line of text.split('\n').slice(1)) {
    const m = /^.{26}(\S+)\s+(\S+)/.exec(line);
    if (m === null) continue;
    for (const v of [m[1], m[2]]) out.push(v === 'unlimited' ? -1 : Number(v));
  }
  assert(out.length === 2 * RLIMITS && out.every((x) => Number.isSafeInteger(x)), 'bad /proc limits');
  return out;
}

/**
 * The addon's creds array for spawnExec: umask, real/effective/saved uid and gid,
 * CapInh/Prm/Eff/Bnd/Amb, the 16 limits (soft, hard), then the supplementary groups.
 * Null when the thread is already gone (a fatal signal raced the execve).
 */
export function execCredentials(nativePid: number, nativeTid: number): number[] | null {
  let status: string;
  let limitsText: string;
  try {
    status = fs.readFileSync(`/proc/${nativePid}/task/${nativeTid}/status`, 'utf8');
    limitsText = fs.readFileSync(`/proc/${nativePid}/limits`, 'utf8');
  } catch {
    return null;
  }
  const groupsText = field(status, 'Groups');
  const groups = groupsText === '' ? [] : groupsText.split(/\s+/).map((x) => Number(x));
  assert(
    groups.every((g) => Number.isInteger(g) && g >= 0),
    'bad Groups line',
  );
  return [
    Number.parseInt(field(status, 'Umask'), 8),
    ...ids(status, 'Uid'),
    ...ids(status, 'Gid'),
    caps(status, 'CapInh'),
    caps(status, 'CapPrm'),
    caps(status, 'CapEff'),
    caps(status, 'CapBnd'),
    caps(status, 'CapAmb'),
    ...limits(limitsText),
    ...groups,
  ];
}
