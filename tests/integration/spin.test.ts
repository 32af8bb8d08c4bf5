// The spin rule end to end under the default configuration: programs that
// wait for the clock in a loop that never blocks (C, Python, Node) end, at
// exact simulated times, the same in every run.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { config, host, program, runProgram, runScript, runUmbra } from '../helpers/umbra';
import { noRdtscTrap } from '../helpers/rdtsc';
import { SPIN } from '../../src/abi/protocol';

test('C: free clock reads, a new count after a block, clock spins of every kind, and a zero-timeout poll loop', () => {
  const out = (): string => {
    const r = runProgram('spin_wait', String(SPIN.FREE_READS), 'stop_time: 10 s');
    assert.equal(r.status, 0, r.stderr);
    return r.output('box', 'spin_wait');
  };
  const first = out();
  const free = SPIN.FREE_READS;
  assert.equal(
    first,
    [
      `${free} reads at one instant: all equal; read ${free + 2}: +${SPIN.STEP_NS} ns`,
      // The two charged reads came before the sleep.
      `after a 1 ms sleep at +1002000 ns: ${free} reads all equal`,
      // Each spin: its free reads, then one step per read until the deadline, plus the read that prints.
      'clock_gettime spin of 2 ms ended at +3003000 ns',
      'syscall(clock_gettime) spin of 3 ms ended at +6005000 ns',
      'gettimeofday spin of 4 ms ended at +10007000 ns',
      'time() spin to the next second ended at +1000002000 ns, second 1',
      'polled thousands of times; the write came after +5001000 ns',
      '',
    ].join('\n'),
  );
  assert.equal(out(), first, 'same output in a second run');
});

test('C: spinning on rdtsc, then on clock_gettime, ends under the default configuration', { skip: noRdtscTrap }, () => {
  const r = runUmbra(config(host('box', [{ path: program('clock_spin') }]), 'stop_time: 10 s'));
  assert.equal(r.status, 0, r.stderr);
  assert.equal(
    r.output('box', 'clock_spin'),
    'rdtsc advanced by 1000 cycles after some reads\nclock_gettime advanced by 1 ms, elapsed_ns=1001000\n',
  );
});

test('python: a loop on time.time() until a deadline ends one step after it, the same twice', () => {
  const src = [
    'import time',
    'start = time.time()',
    'deadline = start + 0.25',
    'n = 0',
    'while time.time() < deadline:',
    '    n += 1',
    'print("start %.6f end %.6f" % (start, time.time()), n > 200000)',
    '',
  ].join('\n');
  const outs = [0, 1].map(() => {
    const r = runScript('python3', 'spin.py', src, 'stop_time: 10 s');
    assert.equal(r.status, 0, r.stderr);
    return r.output('box', 'python3');
  });
  assert.equal(outs[0], 'start 946684800.000000 end 946684800.250001 True\n');
  assert.equal(outs[1], outs[0]);
});

test('node: a loop on Date.now() until a deadline ends, and the event loop runs on afterwards', () => {
  const src = [
    'const start = Date.now();',
    'let n = 0;',
    'while (Date.now() < start + 250) n++;',
    'console.log(`spun from ${start} to ${Date.now()}`, n > 200000);',
    "setTimeout(() => console.log('timer at', Date.now()), 100);",
    '',
  ].join('\n');
  const outs = [0, 1].map(() => {
    const r = runScript('node', 'spin.js', src, 'stop_time: 10 s');
    assert.equal(r.status, 0, r.stderr);
    return r.output('box', 'node');
  });
  assert.equal(outs[0], 'spun from 946684800000 to 946684800250 true\ntimer at 946684800350\n');
  assert.equal(outs[1], outs[0]);
});
