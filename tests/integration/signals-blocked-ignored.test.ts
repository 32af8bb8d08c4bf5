// A blocked signal whose default action is "ignore" stays pending and is read
// by a signalfd, as on Linux (PostgreSQL 15 wakes its processes with SIGURG
// through a signalfd; dropping it left them waiting for their timeouts).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { program, programOutput } from '../helpers/umbra';

test('a blocked SIGURG stays pending and wakes an epoll on its signalfd, as on Linux', () => {
  const native = spawnSync(program('blocked_default_ignored'), [], { encoding: 'utf8', timeout: 60_000 });
  assert.equal(native.status, 0, native.stderr);
  assert.match(native.stdout, /signalfd read: 128 signo 23 from the child 1\n/);
  assert.equal(programOutput('blocked_default_ignored'), native.stdout);
});
