// Slow tier: the fault schedule under real servers. Redis replication across
// a partition longer than its replication timeout (the replica catches up by a
// partial resync once healed), and iperf3 following a link's bandwidth change.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runUmbra, SLOW_HANG_TIMEOUT_MS, which } from '../helpers/umbra';

const opts = { timeoutMs: SLOW_HANG_TIMEOUT_MS };

/** `key:value` lines of redis-cli INFO output. */
function info(text: string): Map<string, string> {
  const m = new Map<string, string>();
  for (const line of text.replace(/\r/g, '').split('\n')) {
    const i = line.indexOf(':');
    if (i > 0) m.set(line.slice(0, i), line.slice(i + 1));
  }
  return m;
}

test('redis: a replica partitioned away falls behind while the master takes writes, and catches up after heal', () => {
  const server = which('redis-server');
  const cli = which('redis-cli');
  const bench = which('redis-benchmark');
  const common = '--save \\"\\" --appendonly no --port 6379 --protected-mode no --repl-timeout 10';
  const yaml = `general: {stop_time: 45 s, data_directory: out.data, model_unblocked_syscall_latency: true}
network: {graph: {type: 1_gbit_switch}}
hosts:
  master:
    network_node_id: 0
    processes:
    - {path: ${server}, args: "${common} --repl-diskless-sync-delay 0", expected_final_state: running}
  replica:
    network_node_id: 0
    processes:
    - {path: ${server}, args: "${common} --replicaof master 6379", start_time: 1 s, expected_final_state: running}
  writer:
    network_node_id: 0
    processes:
    - {path: ${bench}, args: "-h master -q -n 2000 -t set -r 100000", start_time: 3 s}
    - {path: ${bench}, args: "-h master -q -n 5000 -t set -r 100000", start_time: 8 s}
    - {path: ${cli}, args: "-h master INFO replication", start_time: 15 s}
    - {path: ${cli}, args: "-h master INFO replication", start_time: 40 s}
    - {path: ${cli}, args: "-h replica INFO replication", start_time: 40 s}
    - {path: ${cli}, args: "-h master DBSIZE", start_time: 41 s}
    - {path: ${cli}, args: "-h replica DBSIZE", start_time: 41 s}
schedule:
- {at: 6 s, partition: [[master, writer], [replica]]}
- {at: 26 s, heal: true}
`;
  const r = runUmbra(yaml, [], opts);
  assert.equal(r.status, 0, r.stderr + r.stdout);
  const [, , during, masterAfter, replicaAfter, masterKeys, replicaKeys] = r.outputs('writer', '');
  const slaveOffset = (m: Map<string, string>): number => Number(/offset=(\d+)/.exec(m.get('slave0') ?? '')?.[1]);

  const d = info(during);
  assert.ok(slaveOffset(d) > 0, during);
  assert.ok(slaveOffset(d) < Number(d.get('master_repl_offset')), `the replica fell behind: ${during}`);

  const m = info(masterAfter);
  const s = info(replicaAfter);
  assert.equal(s.get('role'), 'slave');
  assert.equal(s.get('master_link_status'), 'up');
  assert.equal(s.get('slave_repl_offset'), m.get('master_repl_offset'), 'offsets match');
  assert.equal(slaveOffset(m), Number(m.get('master_repl_offset')));
  assert.equal(replicaKeys, masterKeys);
  assert.ok(Number(masterKeys) > 2000, masterKeys);
  const replicaLog = r.outputs('replica', '')[0];
  assert.match(replicaLog, /Connection with master lost/);
  assert.match(replicaLog, /Successful partial resynchronization with master/);
});

test('iperf3 follows a link bandwidth change mid-run: 20 Mbit, then 5 Mbit, each within 10 %', () => {
  const iperf3 = which('iperf3');
  const yaml = `general: {stop_time: 30 s, data_directory: out.data, model_unblocked_syscall_latency: true}
network:
  graph:
    type: gml
    inline: |
      graph [
        directed 0
        node [ id 0 host_bandwidth_up "100 Mbit" host_bandwidth_down "100 Mbit" ]
        node [ id 1 host_bandwidth_up "100 Mbit" host_bandwidth_down "100 Mbit" ]
        edge [ source 0 target 0 latency "1 ms" ]
        edge [ source 1 target 1 latency "1 ms" ]
        edge [ source 0 target 1 latency "10 ms" bandwidth "20 Mbit" ]
      ]
hosts:
  server: {network_node_id: 0, processes: [{path: ${iperf3}, args: "-s", expected_final_state: running}]}
  client: {network_node_id: 1, processes: [{path: ${iperf3}, args: "-c server -t 16 -i 1", start_time: 2 s}]}
schedule:
- {at: 10 s, link: {source: 0, target: 1, bandwidth: 5 Mbit}}
`;
  const r = runUmbra(yaml, [], opts);
  assert.equal(r.status, 0, r.stderr + r.stdout);
  assert.match(r.output('client', 'iperf3.'), /iperf Done\./);
  // The receiver's one-second intervals; payload is 1448 of every 1500 bytes on the wire.
  const intervals = [
    ...r
      .output('server', 'iperf3.')
      .matchAll(/(\d+)\.00-\s*\d+\.00\s+sec\s+[0-9.]+ [KM]Bytes\s+([0-9.]+) ([KM])bits\/sec/g),
  ].map((m) => ({ start: Number(m[1]), mbps: Number(m[2]) / (m[3] === 'K' ? 1000 : 1) }));
  assert.equal(intervals.length, 16, r.output('server', 'iperf3.'));
  const payload = 1448 / 1500;
  // The change comes 8 s into the test: the intervals around it (7-10 s) and the first (slow start) are left out.
  for (const { start, mbps } of intervals) {
    const expected = start >= 10 ? 5 * payload : start <= 6 && start >= 1 ? 20 * payload : null;
    if (expected === null) continue;
    assert.ok(
      Math.abs(mbps - expected) <= 0.1 * expected,
      `${start}-${start + 1} s: ${mbps} Mbit/s, expected ${expected}`,
    );
  }
});
