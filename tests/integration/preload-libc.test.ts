// use_preload_libc: the shim's libc wrappers (read, write, send*, recv*, poll,
// epoll_wait, syscall() for futex and ids) skip the seccomp trap; with them on
// and off a program sees what libc promises natively.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { program, runProgram } from '../helpers/umbra';

const native = (): string => {
  const r = spawnSync(program('libc_calls'), [], { encoding: 'utf8', timeout: 60_000 });
  assert.equal(r.status, 0, r.stderr);
  return r.stdout;
};

for (const on of ['true', 'false']) {
  test(`use_preload_libc ${on}: cancellation points, errno, EINTR and SA_RESTART, futex via syscall() as natively`, () => {
    const r = runProgram('libc_calls', undefined, 'stop_time: 1 min', ['--use-preload-libc', on]);
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.output('box', 'libc_calls'), native());
  });
}
