// System V IPC under umbra compared with Linux: shared memory really shared
// with a forked child, semaphores and message queues that block in simulated
// time; and keys private to each simulated host.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { config, host, program, runUmbra } from '../helpers/umbra';

test('shm, semaphores and message queues behave as on Linux', () => {
  // Natively, a key of our own: other programs on the machine may use IPC too.
  const key = `0x${(0x5e000000 + (process.pid % 0x10000) * 0x100).toString(16)}`;
  const native = spawnSync(program('sysv_ipc'), [key], { encoding: 'utf8', timeout: 60_000 });
  assert.equal(native.status, 0, native.stderr);
  const r = runUmbra(config(host('box', [{ path: program('sysv_ipc') }])));
  assert.equal(r.status, 0, r.stderr + r.stdout);
  assert.doesNotMatch(r.stdout + r.stderr, /unsupported syscall/);
  const out = r.output('box', 'sysv_ipc.1000.stdout');
  assert.equal(out, native.stdout);
  // The lines that show the memory is shared and that blocking works, in case Linux changed.
  assert.match(out, /shm: parent reads 'written by the child' and 'z', nattch 1/);
  assert.match(out, /child: blocked op ends Identifier removed/);
  assert.match(out, /msg: waited -> 5 'late'/);
});

test('two hosts using the same key do not share; two processes of one host do', () => {
  const excl = (start: string): { path: string; args: string[]; start_time: string } => ({
    path: program('sysv_ipc'),
    args: ['excl', '0x1234'],
    start_time: start,
  });
  const r = runUmbra(
    config(
      host('alpha', [excl('1 s'), excl('1100 ms')]) + host('beta', [excl('1 s')]) + host('gamma', [excl('1200 ms')]),
    ),
  );
  assert.equal(r.status, 0, r.stderr + r.stdout);
  assert.deepEqual(r.outputs('alpha', 'sysv_ipc.'), ['created\n', 'File exists\n']);
  assert.deepEqual(r.outputs('beta', 'sysv_ipc.'), ['created\n']);
  assert.deepEqual(r.outputs('gamma', 'sysv_ipc.'), ['created\n']);
});
