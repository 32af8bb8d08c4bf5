// general.parallelism must never change what a run produces: a multi-host run
// (PHOLD over UDP between four hosts, a TCP transfer, a UDP ping-pong, four
// threads on condition variables, timerfd timers; pcap on every host and the
// syscall trace in the log) over links with jitter, a bandwidth limit,
// reordering, duplication and loss (the shared link state hosts running at once
// must not race for), with the CPU-latency model moving host clocks ahead,
// gives the same bytes at --parallelism 1, 2 and 4, the run report included.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { host, program, removeTempDir, runUmbra } from '../helpers/umbra';

const PCAP = 'host_options: {pcap_enabled: true}';
const PHOLD_HOSTS = 4;

// Two nodes: node 0 has its own 1 ms self-loop with jitter; the edge between them
// shapes every packet with the link model (one random stream, one queue per direction).
const GRAPH = `graph [
  directed 0
  node [ id 0 host_bandwidth_up "100 Mbit" host_bandwidth_down "100 Mbit" ]
  node [ id 1 host_bandwidth_up "100 Mbit" host_bandwidth_down "100 Mbit" ]
  edge [ source 0 target 0 latency "1 ms" jitter "300 us" packet_loss 0.0 ]
  edge [ source 1 target 1 latency "1 ms" packet_loss 0.0 ]
  edge [ source 0 target 1 latency "10 ms" jitter "2 ms" bandwidth "20 Mbit" packet_loss 0.01
         packet_reorder 0.02 packet_duplicate 0.01 ]
]`;

// Host names in byte order a0..a3 first, so they get 11.0.0.1.. in index order, as phold addresses peers.
const hostsYaml =
  Array.from({ length: PHOLD_HOSTS }, (_, i) =>
    host(`a${i}`, [{ path: program('phold'), args: `${i} ${PHOLD_HOSTS} 7 8`, start_time: '1 s' }], i % 2, PCAP),
  ).join('') +
  host(
    'server',
    [
      { path: program('tcp_bulk'), args: 'server 8080 300000' },
      { path: program('udp_pingpong'), args: 'server 9000 10' },
    ],
    1,
    PCAP,
  ) +
  host(
    'client',
    [
      { path: program('tcp_bulk'), args: 'client server 8080', start_time: '1 s' },
      { path: program('udp_pingpong'), args: 'client server 9000 10', start_time: '2 s' },
    ],
    0,
    PCAP,
  ) +
  host('threads', [{ path: program('condvar_ring'), args: '100' }, { path: program('timerfd_test') }], 0, PCAP);

const yaml =
  'general:\n  data_directory: out.data\n  stop_time: 15 s\n  log_level: trace\n  report: true\n' +
  '  model_unblocked_syscall_latency: true\n' +
  `network:\n  graph:\n    type: gml\n    inline: |\n${GRAPH.replace(/^/gm, '      ')}\n` +
  `hosts:\n${hostsYaml}`;

interface RunBytes {
  log: string;
  files: Map<string, Buffer>;
}

function run(parallelism: number): RunBytes {
  const r = runUmbra(yaml, ['--parallelism', String(parallelism)]);
  try {
    assert.equal(r.status, 0, r.stderr);
    const files = new Map<string, Buffer>();
    const hostsDir = path.join(r.dataDir, 'hosts');
    for (const h of fs.readdirSync(hostsDir).sort()) {
      for (const f of r.files(h)) files.set(`${h}/${f}`, fs.readFileSync(path.join(hostsDir, h, f)));
    }
    files.set('sim-stats.json', fs.readFileSync(path.join(r.dataDir, 'sim-stats.json')));
    files.set('report.html', fs.readFileSync(path.join(r.dataDir, 'report.html')));
    return { log: r.stdout, files };
  } finally {
    removeTempDir(r.dir);
  }
}

test('parallelism 1, 2 and 4 give byte-identical stdout, pcap, log and stats', () => {
  const one = run(1);
  // The run did what it is meant to exercise.
  let received = 0;
  for (let i = 0; i < PHOLD_HOSTS; i++) {
    const out = one.files.get(`a${i}/phold.1000.stdout`)?.toString() ?? '';
    const m = new RegExp(`^host ${i} sent \\d+ received (\\d+)\\n$`).exec(out);
    assert.ok(m, out);
    received += Number(m[1]);
  }
  assert.ok(received > PHOLD_HOSTS * 3, `phold messages received: ${received}`);
  assert.match(one.files.get('client/tcp_bulk.1000.stdout')?.toString() ?? '', /300000/);
  assert.ok((one.files.get('a0/eth0.pcap')?.length ?? 0) > 200);
  assert.match(one.log, /\[TRACE\] \[a3\]/);
  for (const p of [2, 4]) {
    const other = run(p);
    assert.equal(other.log, one.log, `log at parallelism ${p}`);
    assert.deepEqual([...other.files.keys()], [...one.files.keys()], `files at parallelism ${p}`);
    for (const [name, bytes] of one.files) {
      assert.ok(bytes.equals(other.files.get(name) as Buffer), `${name} differs at parallelism ${p}`);
    }
  }
});

test('a configured process that cannot start is refused alike at parallelism 1 and 2 (the spawner thread)', () => {
  const logs: string[] = [];
  for (const parallelism of [1, 2]) {
    // The program exists when the configuration is loaded; another host deletes it before its start time.
    const dir = fs.mkdtempSync(path.join(fs.realpathSync(os.tmpdir()), 'umbra-gone-'));
    try {
      const prog = path.join(dir, 'vanishing');
      fs.copyFileSync('/bin/true', prog);
      fs.chmodSync(prog, 0o755);
      const yaml =
        'general:\n  data_directory: out.data\n  stop_time: 5 s\n' +
        'network:\n  graph:\n    type: 1_gbit_switch\n' +
        'hosts:\n' +
        host('eraser', [{ path: '/bin/rm', args: [prog], start_time: '1 s' }]) +
        host('late', [{ path: prog, start_time: '2 s', expected_final_state: '{exited: 127}' }]) +
        host('other', [{ path: program('phold'), args: '0 1 1 2', start_time: '2 s' }]);
      const r = runUmbra(yaml, ['--parallelism', String(parallelism)], { dir });
      assert.equal(r.status, 0, r.stdout + r.stderr);
      assert.match(r.stdout, new RegExp(`\\[late\\] late\\.vanishing\\.1000: cannot start ${prog}: errno 2\\n`));
      logs.push(r.stdout.replaceAll(dir, '<dir>'));
    } finally {
      removeTempDir(dir);
    }
  }
  assert.equal(logs[1], logs[0]);
});
