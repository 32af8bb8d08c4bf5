// Advisory file locks under umbra: a waiter blocks in simulated time (not
// natively, which would freeze the run) until the holder, sleeping 5 s,
// releases; Linux's answers for flock, fcntl record and OFD locks, and lockf.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { config, program, runUmbra } from '../helpers/umbra';

const box = (processes: string) => `  box:\n    network_node_id: 0\n    processes:\n${processes}`;

test('flock, fcntl record locks (F_GETLK, EDEADLK), OFD locks and lockf between processes', () => {
  const r = runUmbra(config(box(`    - {path: ${program('file_locks')}}\n`)));
  assert.equal(r.status, 0, r.stderr + r.stdout);
  assert.equal(
    r.output('box', 'file_locks'),
    [
      ' 0.000 parent: flock LOCK_EX held',
      ' 0.000 child: inherited fd: LOCK_EX granted',
      ' 0.000 child: own fd: LOCK_NB EWOULDBLOCK',
      ' 5.000 parent: LOCK_UN',
      ' 5.000 child: own fd: LOCK_SH granted',
      ' 5.000 parent: F_SETLK write lock on 0..9',
      ' 5.000 child: F_GETLK type=F_WRLCK holder_is_parent=1 start=0 len=10',
      ' 5.000 child: F_SETLK EAGAIN',
      ' 5.000 child: F_SETLK on 10..14 granted',
      '10.000 parent: F_UNLCK',
      '10.000 child: F_SETLKW read lock granted',
      '10.000 child: holds byte 1, waits for byte 0',
      '11.000 parent: F_SETLKW byte 1: EDEADLK',
      '12.000 parent: released byte 0',
      '12.000 child: got byte 0',
      '12.000 parent: OFD: second description of the same process refused',
      '12.000 child: OFD: inherited description granted',
      '17.000 parent: OFD unlock',
      '17.000 child: OFD: F_OFD_SETLKW granted',
      '17.000 parent: lockf F_LOCK held',
      '17.000 child: lockf F_TLOCK refused',
      '22.000 parent: close (releases its POSIX locks)',
      "22.0 child: lockf F_LOCK granted after the holder's close",
      '22.000 child: flock LOCK_EX held; exits in 2 s without unlocking',
      '24.000 parent: flock granted when the holder exited',
      '24.000 parent: done',
      '',
    ].join('\n'),
  );
});

const pythonFlock = [
  'import fcntl, os, time',
  't0 = time.time()',
  "f = open('py.lock', 'w')",
  'fcntl.flock(f, fcntl.LOCK_EX)',
  'pid = os.fork()',
  'if pid == 0:',
  "    g = open('py.lock', 'w')",
  '    try:',
  '        fcntl.flock(g, fcntl.LOCK_EX | fcntl.LOCK_NB)',
  '    except BlockingIOError:',
  "        print('child: busy at', time.time() - t0, flush=True)",
  '    fcntl.flock(g, fcntl.LOCK_EX)',
  "    print('child: locked at', time.time() - t0, flush=True)",
  '    os._exit(0)',
  'time.sleep(5)',
  "print('parent: unlock at', time.time() - t0, flush=True)",
  'fcntl.flock(f, fcntl.LOCK_UN)',
  'os.waitpid(pid, 0)',
].join('\\n');

test('python fcntl.flock: the child waits 5 simulated seconds for the parent', () => {
  const r = runUmbra(config(box(`    - {path: python3, args: ["-c", "${pythonFlock}"]}\n`)));
  assert.equal(r.status, 0, r.stderr + r.stdout);
  assert.equal(r.output('box', 'python3'), 'child: busy at 0.0\nparent: unlock at 5.0\nchild: locked at 5.0\n');
});
