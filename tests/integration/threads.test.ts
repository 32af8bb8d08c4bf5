// Threads under umbra: pthreads, futexes, joins, thread exit, Python and
// Node threads, and native preemption of loops that never make a syscall.
// The 100 000-round condvar ring is in tests/slow/threads.test.ts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { config, host, program, runProgram, runUmbra } from '../helpers/umbra';
import { noRdtscTrap } from '../helpers/rdtsc';
import { condvarRingOutput } from '../helpers/threads';

const box = (processes: string) => host('box', processes);

test('mutex/condvar ring of 4 threads for 10 000 rounds: the token goes round in order, all joined', () => {
  const r = runProgram('condvar_ring', '10000');
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.output('box', 'condvar_ring'), condvarRingOutput(10_000));
});

test('the main thread exiting first does not end the process', () => {
  const r = runProgram('thread_exit');
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.output('box', 'thread_exit'), 'main exits first\nworker done at 946684801\n');
});

test('a thread spinning without syscalls is preempted; time moves in whole sim intervals', () => {
  const r = runProgram('spin_flag', undefined, 'stop_time: 10 s', [
    '--native-preemption-enabled',
    'true',
    '--native-preemption-sim-interval',
    '10ms',
  ]);
  assert.equal(r.status, 0, r.stderr);
  const m = /^joined elapsed_ns=(\d+)\n$/.exec(r.output('box', 'spin_flag'));
  assert.ok(m, r.output('box', 'spin_flag'));
  const ns = Number(m[1]);
  assert.ok(ns >= 10_000_000 && ns % 10_000_000 === 0, `elapsed ${ns} is a positive multiple of 10 ms`);
});

test('preemption still works when the program takes SIGVTALRM for itself (handler and mask)', () => {
  const r = runProgram('spin_flag', 'hostile', 'stop_time: 10 s', ['--native-preemption-enabled', 'true']);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.output('box', 'spin_flag'), /^joined elapsed_ns=\d+0000000\n$/);
});

test('spinning on rdtsc and on clock_gettime ends with the CPU-latency model', { skip: noRdtscTrap }, () => {
  const r = runUmbra(
    config(box(`    - {path: ${program('clock_spin')}}\n`), 'stop_time: 10 s\nmodel_unblocked_syscall_latency: true'),
  );
  assert.equal(r.status, 0, r.stderr);
  const out = r.output('box', 'clock_spin');
  assert.match(
    out,
    /^rdtsc advanced by 1000 cycles after some reads\nclock_gettime advanced by 1 ms, elapsed_ns=(\d+)\n$/,
  );
  const elapsed = Number(/elapsed_ns=(\d+)/.exec(out)?.[1]);
  assert.ok(elapsed >= 1_000_000 && elapsed < 1_001_000, `elapsed ${elapsed}`);
});

test('a raw sched_yield loop lets the other thread run and ends', () => {
  const r = runProgram('yield_spin', undefined, 'stop_time: 10 s');
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.output('box', 'yield_spin'), 'flag seen after some yields\n');
});

test('python threading.Thread and node worker_threads run to completion', () => {
  const r = runUmbra(
    config(
      box(`    - path: python3
      args: [-c, "import threading, time\\ndef w(n):\\n  time.sleep(n); print('thread', n, time.time(), flush=True)\\nts = [threading.Thread(target=w, args=(i,)) for i in (2, 1)]\\n[t.start() for t in ts]; [t.join() for t in ts]; print('joined', time.time())"]
    - path: node
      args: [-e, "const { Worker } = require('worker_threads'); const w = new Worker('const { parentPort } = require(\\"worker_threads\\"); setTimeout(() => parentPort.postMessage(Date.now()), 1500);', { eval: true }); w.on('message', (m) => { console.log('worker says', m); w.terminate(); });"]
`),
    ),
  );
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.output('box', 'python3'), 'thread 1 946684801.0\nthread 2 946684802.0\njoined 946684802.0\n');
  assert.equal(r.output('box', 'node'), 'worker says 946684801500\n');
});
