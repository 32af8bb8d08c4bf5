// Slow tier: no fixed limits. Twenty thousand hosts with one short-lived
// process each, and one process holding fifty thousand threads alive at once,
// both far past the 4096 hosts and 16384 threads the shared region once had.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { config, host, program, runUmbra, SLOW_HANG_TIMEOUT_MS } from '../helpers/umbra';

/**
 * Fifty thousand native threads need a pid_max above Linux's small-machine
 * default of 32768. As root the test raises it (a fresh CI machine is ours);
 * otherwise it says what to do rather than fail obscurely inside the program.
 */
function ensurePidMax(min: number): void {
  const file = '/proc/sys/kernel/pid_max';
  const now = Number(fs.readFileSync(file, 'utf8'));
  if (now >= min) return;
  try {
    fs.writeFileSync(file, String(min));
  } catch {
    throw new Error(`this test needs kernel.pid_max >= ${min} (it is ${now}): sysctl -w kernel.pid_max=${min}`);
  }
}

test('20 000 hosts, one short-lived process each: every one runs on its own host', () => {
  const n = 20_000;
  const hosts: string[] = [];
  for (let i = 0; i < n; i++) hosts.push(host(`h${i}`, [{ path: '/bin/uname', args: '-n', start_time: '1 s' }]));
  const r = runUmbra(config(hosts.join(''), 'stop_time: 5 s'), [], { timeoutMs: SLOW_HANG_TIMEOUT_MS });
  assert.equal(r.status, 0, r.stderr.slice(-2000));
  const outcomes = r.outcomes();
  assert.equal(outcomes.length, n);
  assert.equal(outcomes.filter((o) => o.ok).length, n);
  for (const i of [0, 1, 4095, 4096, 4097, 12_345, n - 1]) assert.equal(r.output(`h${i}`, 'uname'), `h${i}\n`);
});

test('50 000 threads alive at once in one process: all created, joined, summed', () => {
  const n = 50_000;
  ensurePidMax(n + 20_000);
  const r = runUmbra(config(host('box', [{ path: program('many_threads'), args: String(n) }]), 'stop_time: 1 h'), [], {
    timeoutMs: SLOW_HANG_TIMEOUT_MS,
  });
  assert.equal(r.status, 0, r.stderr.slice(-2000));
  const sum = (n * (n + 1)) / 2;
  assert.equal(r.output('box', 'many_threads'), `created ${n} of ${n}\njoined ${n}, sum ${sum}\n`);
});
