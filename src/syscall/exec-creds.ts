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
import { statusField, statusIds, threadStatus } from '../host/credentials';

/** RLIM_NLIMITS: the resources of /proc/<pid>/limits, in resource order. */
const RLIMITS = 16;

/** A 64-bit hex capability mask; Linux's highest capability (40) keeps it far below 2^53. */
function caps(status: string, name: string): number {
  const n = Number.parseInt(statusField(status, name), 16);
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
  const status = threadStatus(nativePid, nativeTid);
  if (status === null) return null;
  let limitsText: string;
  try {
    limitsText = fs.readFileSync(`/proc/${nativePid}/limits`, 'utf8');
  } catch {
    return null;
  }
  const groupsText = statusField(status, 'Groups');
  const groups = groupsText === '' ? [] : groupsText.split(/\s+/).map((x) => Number(x));
  assert(
    groups.every((g) => Number.isInteger(g) && g >= 0),
    'bad Groups line',
  );
  return [
    Number.parseInt(statusField(status, 'Umask'), 8),
    ...statusIds(status, 'Uid'),
    ...statusIds(status, 'Gid'),
    caps(status, 'CapInh'),
    caps(status, 'CapPrm'),
    caps(status, 'CapEff'),
    caps(status, 'CapBnd'),
    caps(status, 'CapAmb'),
    ...limits(limitsText),
    ...groups,
  ];
}
