// The TypeScript API: a simulation described as an object runs in-process and
// reports each configured process's outcome; bad input is a ConfigError.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ConfigError, simulate } from '../../src/index';
import { tempDir } from '../helpers/umbra';

test('simulate() runs a configuration object and returns the outcomes', () => {
  const dir = tempDir();
  const result = simulate(
    {
      general: { stop_time: '1 h', data_directory: 'api.data' },
      network: { graph: { type: '1_gbit_switch' } },
      hosts: {
        box: {
          network_node_id: 0,
          processes: [
            { path: 'sleep', args: '600' },
            { path: 'date', args: '+%s', start_time: '10 min' },
            { path: 'sleep', args: '7200', expected_final_state: 'running' },
          ],
        },
      },
    },
    { cwd: dir },
  );
  assert.equal(result.simTimeNs, 3600e9);
  assert.equal(result.unexpected, 0);
  // pids follow start order: both sleeps start at 0, date at 10 min
  assert.deepEqual(
    result.outcomes.map((o) => [o.name, o.actual]),
    [
      ['box.sleep.1000', { kind: 'exited', code: 0 }],
      ['box.date.1002', { kind: 'exited', code: 0 }],
      ['box.sleep.1001', { kind: 'running' }],
    ],
  );
  assert.equal(fs.readFileSync(path.join(dir, 'api.data/hosts/box/date.1002.stdout'), 'utf8'), '946685400\n');
});

test('a second simulate() in the same process starts from a clean slate', () => {
  const dir = tempDir();
  const r = simulate(
    'general: {stop_time: 10 s, data_directory: again.data}\nnetwork: {graph: {type: 1_gbit_switch}}\nhosts:\n  box:\n    network_node_id: 0\n    processes:\n    - {path: date, args: "+%s", start_time: 3 s}\n',
    { cwd: dir },
  );
  assert.equal(r.unexpected, 0);
  assert.equal(fs.readFileSync(path.join(dir, 'again.data/hosts/box/date.1000.stdout'), 'utf8'), '946684803\n');
});

test('simulate() rejects a bad configuration with a ConfigError naming the key', () => {
  assert.throws(
    () =>
      simulate(
        'general: {stop_time: 10 s}\nnetwork: {graph: {type: 1_gbit_switch}}\nhosts:\n  box: {network_node_id: 0, processes: [], colour: red}\n',
        { cwd: tempDir() },
      ),
    (e: unknown) => e instanceof ConfigError && /colour/.test(e.message),
  );
});
