// The identity execve hands to the new native process, read from /proc: checked
// against what Node reports for its own process.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';

import { execCredentials } from '../../src/syscall/exec-creds';
import { effectiveIds, maySignal } from '../../src/host/credentials';

test('execCredentials reads umask, uids, gids, capability masks, the 16 limits and the groups of a thread', () => {
  const c = execCredentials(process.pid, process.pid);
  assert.ok(c !== null);
  assert.equal(c[0], process.umask());
  assert.deepEqual(c.slice(1, 4), [process.getuid?.(), process.geteuid?.(), process.getuid?.()]);
  assert.deepEqual(c.slice(4, 7), [process.getgid?.(), process.getegid?.(), process.getgid?.()]);
  for (const mask of c.slice(7, 12)) assert.ok(Number.isSafeInteger(mask) && mask >= 0);
  // Max open files is the 8th resource (RLIMIT_NOFILE = 7).
  const nofile = /^Max open files\s+(\S+)\s+(\S+)/m.exec(fs.readFileSync('/proc/self/limits', 'utf8'));
  assert.ok(nofile !== null);
  assert.deepEqual(c.slice(12 + 2 * 7, 14 + 2 * 7), [Number(nofile[1]), Number(nofile[2])]);
  // Node's getgroups adds the effective gid; the kernel's list is the supplementary groups alone.
  const groups = /^Groups:[ \t]*(.*)$/m.exec(fs.readFileSync('/proc/self/status', 'utf8'));
  assert.ok(groups !== null);
  assert.deepEqual(c.slice(44), groups[1].trim() === '' ? [] : groups[1].trim().split(/\s+/).map(Number));
});

test('a thread that is gone has no credentials; a process may always signal itself', () => {
  assert.equal(execCredentials(process.pid, 0x7fffffff), null);
  assert.equal(effectiveIds(0x7fffffff, 0x7fffffff), null);
  assert.deepEqual(effectiveIds(process.pid, process.pid), { uid: process.geteuid?.(), gid: process.getegid?.() });
  assert.equal(maySignal(process.pid, process.pid), true);
});
