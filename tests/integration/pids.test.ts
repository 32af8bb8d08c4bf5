// Syscalls that name processes by pid see virtual pids (pidfd_open, process_vm_readv,
// prlimit64, getpriority, capget, sched_*), compared with a native run of the same
// program; close_range forgets emulated descriptors so a reused number is a plain file.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { config, host, program, runUmbra, tempDir } from '../helpers/umbra';

const box = (processes: string) => `  box:\n    network_node_id: 0\n    processes:\n${processes}`;

function native(name: string, args: string[] = []): string {
  const r = spawnSync(program(name), args, { encoding: 'utf8', timeout: 30_000 });
  assert.equal(r.status, 0, r.stderr);
  return r.stdout;
}

test('pid-taking syscalls act on the simulated processes, as the same program does natively', () => {
  const r = runUmbra(config(box(`    - {path: ${program('pids')}}\n`)));
  assert.equal(r.status, 0, r.stderr);
  const out = r.output('box', 'pids');
  assert.equal(out, native('pids'));
  // Spot checks that the native run agrees with Linux's documented behaviour.
  assert.match(out, /^poll before exit: 0 revents=0$/m);
  assert.match(out, /^epoll_wait until exit: 1 data=7 in=1$/m);
  assert.match(out, /^waitid P_PIDFD: ok pid_matches=1 code=1 status=3$/m);
  assert.match(out, /^waitpid: ok signaled=1 sig=15$/m);
  assert.match(out, /^process_vm_readv child: ok n=32 text=written by the child own=parent$/m);
  assert.match(out, /^prlimit no such pid: ESRCH$/m);
  assert.match(out, /^capget 0\/self: ok ok same=1 header_pid_kept=1$/m);
});

test('pidfd_open(1) names the simulated init, not the machine one: no such process', () => {
  const script = 'import os\\ntry:\\n  os.pidfd_open(1)\\nexcept OSError as e: print(e.strerror)';
  const r = runUmbra(config(box(`    - path: python3\n      args: [-c, "${script}"]\n`)));
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.output('box', 'python3'), 'No such process\n');
});

test('close_range forgets emulated fds: a reused number is a file; CLOSE_RANGE_CLOEXEC only marks', () => {
  const dir = tempDir();
  const file = path.join(dir, 'scratch.txt');
  const r = runUmbra(config(box(`    - {path: ${program('close_range')}, args: [${file}]}\n`)), [], { dir });
  assert.equal(r.status, 0, r.stderr);
  const expected = native('close_range', [path.join(dir, 'native.txt')]);
  assert.equal(r.output('box', 'close_range'), expected);
  assert.match(expected, /^read back 19: bytes for the file$/m);
  assert.equal(fs.readFileSync(file, 'utf8'), 'bytes for the file\n');
});

test('python subprocess.Popen(close_fds=True) after a UDP socket: the child reuses the fd for a file', () => {
  const dir = tempDir();
  const script = [
    'import os, socket, subprocess',
    's = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)',
    's.set_inheritable(True)',
    "p = subprocess.Popen(['sh', '-c', 'echo hello > f.txt; cat f.txt'], close_fds=True)",
    'print("exit", p.wait(), flush=True)',
    '',
  ].join('\n');
  fs.writeFileSync(path.join(dir, 'popen.py'), script);
  const r = runUmbra(config(box(`    - {path: python3, args: [${path.join(dir, 'popen.py')}]}\n`)), [], { dir });
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.output('box', 'python3'), 'hello\nexit 0\n');
});

test('calls that reach the machine are refused as for an unprivileged caller; times() counts simulated time', () => {
  const dir = tempDir();
  const script = [
    'import ctypes, os',
    'libc = ctypes.CDLL(None, use_errno=True)',
    'def call(name, nr, *args):',
    '    r = libc.syscall(nr, *args)',
    "    print(name, r, os.strerror(ctypes.get_errno()) if r < 0 else 'ok')",
    "call('reboot', 169, 0xfee1dead, 672274793, 0x1234567, 0)",
    "call('ptrace traceme', 101, 0, 0, 0, 0)",
    "call('unshare net', 272, 0x40000000)",
    "call('unshare fs', 272, 0x200)",
    "call('setns', 308, 0, 0)",
    "call('mount', 165, 0, 0, 0, 0, 0)",
    "print('times elapsed', os.times().elapsed)",
    '',
  ].join('\n');
  fs.writeFileSync(path.join(dir, 'refuse.py'), script);
  const r = runUmbra(
    config(box(`    - {path: python3, args: [${path.join(dir, 'refuse.py')}], start_time: 2s}\n`)),
    [],
    {
      dir,
    },
  );
  assert.equal(r.status, 0, r.stderr);
  assert.equal(
    r.output('box', 'python3'),
    [
      'reboot -1 Operation not permitted',
      'ptrace traceme -1 Operation not permitted',
      'unshare net -1 Operation not permitted',
      'unshare fs 0 ok',
      'setns -1 Operation not permitted',
      'mount -1 Operation not permitted',
      'times elapsed 3.0',
      '',
    ].join('\n'),
  );
});

test("pthread calls on the main thread (glibc's cached native tid) name that thread, as natively", () => {
  const native = spawnSync(program('main_tid'), [], { encoding: 'utf8' });
  assert.equal(native.status, 0);
  const r = runUmbra(config(host('box', [{ path: program('main_tid') }])));
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.output('box', 'main_tid'), native.stdout);
});
