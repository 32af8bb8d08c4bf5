// Limits the shared-memory region puts on a configuration: more hosts than it
// has host blocks (UMBRA_MAX_HOSTS, exported by the addon) is a config error
// naming the key and the limit, not a crash at start-up. The real limit is a
// million hosts, too many to write out in a test: the check takes the limit
// as a parameter, and the config path is exercised with the real one.
import { test } from 'node:test';
import assert from 'node:assert/strict';

import { LIMITS } from '../../src/abi/protocol';
import { hostCountProblem, loadConfig } from '../../src/config/load';
import { native } from '../../src/native';

function withHosts(n: number): string {
  const hosts: string[] = [];
  for (let i = 0; i < n; i++) hosts.push(`  h${i}:\n    network_node_id: 0\n    processes: []\n`);
  return `general:\n  stop_time: 10 s\nnetwork:\n  graph:\n    type: 1_gbit_switch\nhosts:\n${hosts.join('')}`;
}

function load(text: string) {
  return loadConfig({ text, fileName: 'config.yaml' }, {}, { cwd: process.cwd(), env: process.env });
}

test('the host limit is the shared region capacity the addon reports, and far above Shadow-sized runs', () => {
  assert.equal(LIMITS.MAX_HOSTS, native().layout().maxHosts);
  assert.equal(LIMITS.MAX_HOSTS, native().protocol().limits.MAX_HOSTS);
  assert.ok(LIMITS.MAX_HOSTS >= 100_000, `only ${LIMITS.MAX_HOSTS} host blocks`);
  assert.ok(LIMITS.MAX_THREADS >= 100_000, `only ${LIMITS.MAX_THREADS} thread slots`);
  assert.ok(LIMITS.MAX_PROCS >= 65_536, `only ${LIMITS.MAX_PROCS} process slots`);
});

test('up to the limit fits; one more is a problem naming both numbers', () => {
  assert.equal(hostCountProblem(4, 4), null);
  assert.equal(hostCountProblem(5, 4), '5 hosts are more than one simulation can hold (limit 4)');
  assert.equal(hostCountProblem(LIMITS.MAX_HOSTS), null);
  assert.match(hostCountProblem(LIMITS.MAX_HOSTS + 1) ?? '', new RegExp(`limit ${LIMITS.MAX_HOSTS}\\)$`));
});

test('twenty thousand hosts load', () => {
  assert.equal(load(withHosts(20_000)).hosts.length, 20_000);
});
