// Limits the shared-memory region puts on a configuration: more hosts than it
// has host blocks (UMBRA_MAX_HOSTS, exported by the addon) is a config error
// naming the key and the limit, not a crash at start-up.
import { test } from 'node:test';
import assert from 'node:assert/strict';

import { LIMITS } from '../../src/abi/protocol';
import { loadConfig } from '../../src/config/load';
import { ConfigError } from '../../src/config/types';
import { native } from '../../src/native';

function withHosts(n: number): string {
  const hosts: string[] = [];
  for (let i = 0; i < n; i++) hosts.push(`  h${i}:\n    network_node_id: 0\n    processes: []\n`);
  return `general:\n  stop_time: 10 s\nnetwork:\n  graph:\n    type: 1_gbit_switch\nhosts:\n${hosts.join('')}`;
}

function load(text: string) {
  return loadConfig({ text, fileName: 'config.yaml' }, {}, { cwd: process.cwd(), env: process.env });
}

test('the host limit is the shared region capacity the addon reports', () => {
  assert.equal(LIMITS.MAX_HOSTS, native().layout().maxHosts);
  assert.equal(LIMITS.MAX_HOSTS, native().protocol().limits.MAX_HOSTS);
});

test('exactly the limit of hosts loads', () => {
  assert.equal(load(withHosts(LIMITS.MAX_HOSTS)).hosts.length, LIMITS.MAX_HOSTS);
});

test('one host more than the limit is one config error naming hosts and the limit', () => {
  assert.throws(
    () => load(withHosts(LIMITS.MAX_HOSTS + 1)),
    (err: unknown) => {
      assert.ok(err instanceof ConfigError, `expected ConfigError, got ${String(err)}`);
      assert.equal(err.message.split('\n').length, 1);
      assert.match(err.message, /^config\.yaml: hosts: /);
      assert.match(err.message, new RegExp(`${LIMITS.MAX_HOSTS + 1} hosts .*limit ${LIMITS.MAX_HOSTS}\\)`));
      return true;
    },
  );
});
