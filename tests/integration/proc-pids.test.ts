// /proc/<pid>/… paths built from the virtual pids a program sees reach the
// process (and thread) of that pid on the caller's host, with the pids in
// status virtual; a pid of no process of the host, another host's included, is ENOENT.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as path from 'node:path';
import { PROGRAMS, config, host, program, runUmbra, tempDir } from '../helpers/umbra';

test('a parent reads its child’s /proc/<pid> files by the pid fork gave it, as natively', () => {
  const native = execFileSync(program('proc_pids'), [], { encoding: 'utf8', timeout: 60_000, cwd: tempDir() });
  const r = runUmbra(config(host('box', [{ path: program('proc_pids') }])));
  assert.equal(r.status, 0, r.stderr + r.stdout);
  const umbra = r.output('box', 'proc_pids.1000.stdout');
  assert.equal(umbra, native);
  // What the comparison covers, as Linux answered it.
  assert.match(native, /^comm: pp-child$/m);
  assert.match(native, /^exe matches \/proc\/self\/exe$/m);
  assert.match(native, /^cmdline is the parent's$/m);
  assert.match(native, /^status Pid == child pid$/m);
  assert.match(native, /^status PPid == getpid\(\)$/m);
  assert.match(native, /^status NSpid == child pid$/m);
  assert.match(native, /^task status: Pid == child pid$/m);
  assert.match(native, /^self status Pid == getpid\(\), PPid == getppid\(\)$/m);
  assert.match(native, /^stat dir: directory, owner me$/m);
  assert.match(native, /^opendir fd: 0 to 4 listed$/m);
  assert.match(native, /^after reaping, comm: ENOENT$/m);
  assert.match(native, /^bad path: stat EFAULT, readlink EFAULT, access EFAULT, open EFAULT$/m);
});

test('a static program (run by umbra’s loader) finds its child’s exe by pid: the program, not the loader', () => {
  const exe = path.join(PROGRAMS, 'static', 'proc_pids-glibc');
  const native = execFileSync(exe, [], { encoding: 'utf8', timeout: 60_000, cwd: tempDir() });
  const r = runUmbra(config(host('box', [{ path: exe }])));
  assert.equal(r.status, 0, r.stderr + r.stdout);
  assert.equal(r.output('box', 'proc_pids-glibc.1000.stdout'), native);
  assert.match(native, /^exe matches \/proc\/self\/exe$/m);
});

test('each host sees its own pids under /proc: another host’s process, or a machine pid, is not there', () => {
  const probe = (ms: number, pids: string) => ({ path: program('proc_pids'), args: `probe ${ms} ${pids}` });
  const r = runUmbra(
    config(
      host('a', [{ path: '/bin/sleep', args: '5' }, probe(1000, '1000 1001 1002')]) +
        host('b', [probe(1000, '1000 1001 1')]),
    ),
  );
  assert.equal(r.status, 0, r.stderr + r.stdout);
  assert.equal(
    r.output('a', 'proc_pids.1001.stdout'),
    'probe 1000 comm: sleep\nprobe 1001 comm: proc_pids\nprobe 1002 comm: ENOENT\n',
  );
  // Host b's 1000 is its own process; a's 1001 and the machine's pid 1 do not exist for it.
  assert.equal(
    r.output('b', 'proc_pids.1000.stdout'),
    'probe 1000 comm: proc_pids\nprobe 1001 comm: ENOENT\nprobe 1 comm: ENOENT\n',
  );
});
