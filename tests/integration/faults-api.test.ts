// The fault schedule from TypeScript: simulate() takes YAML-form entries and
// entries with a function, which act through `ctl` and read the run's state
// (simulated time, processes, their output) to decide when to strike.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { ConfigError, simulate, type FaultControl, type ProcessView } from '../../src/index';
import { program, tempDir } from '../helpers/umbra';

const SEC = 1_000_000_000;

function cluster(schedule: unknown[]): Record<string, unknown> {
  const req = program('req_loop');
  return {
    general: { stop_time: '40 s', data_directory: 'api.data' },
    network: { graph: { type: '1_gbit_switch' } },
    hosts: {
      client: {
        network_node_id: 0,
        processes: [{ path: req, args: 'client server 80 25 1000 2000 reconnect', start_time: '1 s' }],
      },
      server: { network_node_id: 0, processes: [{ path: req, args: 'server 80', expected_final_state: 'running' }] },
    },
    schedule,
  };
}

const replies = (ctl: FaultControl): number => {
  const client = ctl.processes().find((p) => p.host === 'client');
  if (client?.stdoutPath == null || !fs.existsSync(client.stdoutPath)) return 0;
  return (fs.readFileSync(client.stdoutPath, 'utf8').match(/ reply /g) ?? []).length;
};

test('a function waits (ctl.after) until the client has 5 replies, then partitions; a YAML entry heals', () => {
  const dir = tempDir();
  let partitionedAtNs = -1;
  let seen: ProcessView[] = [];
  const wait = (ctl: FaultControl): void => {
    if (replies(ctl) < 5) {
      ctl.after('100 ms', wait);
      return;
    }
    partitionedAtNs = ctl.nowNs;
    seen = ctl.processes();
    ctl.partition(['client'], ['server']);
  };
  const result = simulate(
    cluster([
      { at: '1 s', run: wait },
      { at: '20 s', heal: true },
    ]),
    { cwd: dir },
  );
  assert.equal(result.unexpected, 0);
  // Replies come each second from 1 s: the fifth at about 5 s, seen at the next 100 ms poll.
  assert.ok(partitionedAtNs > 5 * SEC && partitionedAtNs <= 5.1 * SEC, `${partitionedAtNs}`);
  assert.deepEqual(
    seen.map((p) => [p.name, p.pid, p.running, p.exit]),
    // By host (client is host 0: hosts are numbered by name), then start order.
    [
      ['client.req_loop.1000', 1000, true, null],
      ['server.req_loop.1000', 1000, true, null],
    ],
  );
  const out = fs.readFileSync(`${dir}/api.data/hosts/client/req_loop.1000.stdout`, 'utf8');
  const lines = out
    .trim()
    .split('\n')
    .map((l) => l.split(' '));
  const during = lines.filter(([t]) => Number(t) > 5200 && Number(t) < 20000);
  assert.ok(during.length > 0 && during.every(([, e]) => e === 'timeout' || e === 'connect'), out);
  assert.ok(
    lines.some(([t, e]) => Number(t) > 20000 && e === 'reply'),
    out,
  );
});

test('ctl.host(...).down()/up(), kill and clockOffset act like their YAML forms; exit states are readable', () => {
  const dir = tempDir();
  const states: Array<Array<[string, boolean, unknown]>> = [];
  const snapshot = (ctl: FaultControl): void => {
    states.push(ctl.processes().map((p) => [p.name, p.running, p.exit]));
  };
  let killed = -1;
  const result = simulate(cluster([]), {
    cwd: dir,
    schedule: [
      { at: '3 s', run: (ctl) => ctl.host('server').down() },
      { at: '3 s', run: snapshot },
      { at: '6 s', run: (ctl) => ctl.host('server').up() },
      { at: '7 s', run: (ctl) => (killed = ctl.host('server').kill('SIGTERM', 'req_loop')) },
      // The signal is delivered when the process next runs, so the state is read a little later.
      { at: '7500 ms', run: snapshot },
      { at: '8 s', run: (ctl) => ctl.host('client').clockOffset('-1 s') },
    ],
  });
  assert.equal(killed, 1);
  assert.deepEqual(states[0], [
    ['client.req_loop.1000', true, null],
    ['server.req_loop.1000', false, { kind: 'signaled', signal: 9 }],
  ]);
  assert.deepEqual(states[1], [
    ['client.req_loop.1000', true, null],
    ['server.req_loop.1000', false, { kind: 'signaled', signal: 9 }],
    ['server.req_loop.1001', false, { kind: 'signaled', signal: 15 }],
  ]);
  // The last incarnation is what the configured process's outcome reports.
  assert.deepEqual(
    result.outcomes.map((o) => [o.name, o.actual]),
    [
      ['client.req_loop.1000', { kind: 'exited', code: 0 }],
      ['server.req_loop.1001', { kind: 'signaled', signal: 15 }],
    ],
  );
});

test('bad API schedule input is a ConfigError naming the entry or call', () => {
  assert.throws(
    () => simulate(cluster([{ at: '50 s', run: () => undefined }]), { cwd: tempDir() }),
    (e: unknown) => e instanceof ConfigError && /schedule\[0\]: at 50000000000 ns is not within/.test(e.message),
  );
  assert.throws(
    () => simulate(cluster([{ at: 'soon', run: () => undefined }]), { cwd: tempDir() }),
    (e: unknown) => e instanceof ConfigError && /schedule\[0\]\.at: 'soon' is not a time/.test(e.message),
  );
  assert.throws(
    () => simulate(cluster([{ at: '2 s', run: (ctl: FaultControl) => ctl.host('nobody').down() }]), { cwd: tempDir() }),
    (e: unknown) => e instanceof ConfigError && /ctl\.host\('nobody'\): no host named 'nobody'/.test(e.message),
  );
  assert.throws(
    () =>
      simulate(cluster([{ at: '2 s', run: (ctl: FaultControl) => ctl.link(0, 3, { up: false }) }]), { cwd: tempDir() }),
    (e: unknown) =>
      e instanceof ConfigError && /ctl\.link\(0, 3\): the network graph has no edge 0 -> 3/.test(e.message),
  );
});
