// `umbra check-determinism`: two runs compared syscall by syscall and packet by
// packet. The examples and a multi-host TCP/UDP/threads scenario are
// deterministic; a program that reads a file the other run changed is found,
// named and located.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { config, host, program, REPO, runUmbra, runUmbraFile, tempDir } from '../helpers/umbra';

for (const example of fs.readdirSync(path.join(REPO, 'examples')).filter((f) => f.endsWith('.yaml'))) {
  test(`examples/${example} is deterministic`, () => {
    const r = runUmbraFile(path.join(REPO, 'examples', example), [], { argsFirst: ['check-determinism'] });
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stderr, /\*\* Deterministic: \d+ configured process/);
    // Both runs really traced syscalls and kept their outputs.
    const traces = fs.readdirSync(path.join(r.dataDir, 'run-2', 'hosts'), { recursive: true }).map(String);
    assert.ok(
      traces.some((f) => f.endsWith('.strace')),
      traces.join(' '),
    );
  });
}

test('a multi-host TCP, UDP and threads scenario is deterministic', () => {
  const yaml = config(
    host('server', [
      { path: program('tcp_bulk'), args: 'server 8080 2000000', expected_final_state: 'running' },
      { path: program('udp_pingpong'), args: 'server 9000 20' },
    ]) +
      host('client', [
        { path: program('tcp_bulk'), args: 'client server 8080', start_time: '1s' },
        { path: program('udp_pingpong'), args: 'client server 9000 20', start_time: '1s' },
      ]) +
      host('threads', [{ path: program('condvar_ring'), args: '200' }]),
    'stop_time: 20 s',
    { nodes: 2, bandwidth: '10 Mbit', latency: '10 ms' },
  );
  const r = runUmbra(yaml, ['--check-determinism', '--parallelism', '3']);
  assert.equal(r.status, 0, r.stderr);
  // The second run has the hosts run at once: parallelism must change nothing either.
  assert.match(r.stderr, /running the simulation twice.*\(at parallelism 1 and 3\)/);
  assert.match(r.stderr, /\*\* Deterministic: 5 configured processes ended alike/);
  const pcap = fs.statSync(path.join(r.dataDir, 'run-1', 'hosts', 'client', 'eth0.pcap'));
  assert.ok(pcap.size > 2_000_000, `capture of ${pcap.size} bytes`);
});

test('a divergence planted by a program reading a file the other run changed is found and located', () => {
  const counter = path.join(tempDir(), 'counter');
  const yaml = config(
    host('quiet', [{ path: 'sleep', args: '3' }]) +
      host('noisy', [{ path: program('run_counter'), args: [counter], start_time: '2s' }]),
    'stop_time: 10 s',
  );
  const r = runUmbra(yaml, ['check-determinism']);
  assert.equal(r.status, 1, r.stderr);
  assert.equal(fs.readFileSync(counter, 'utf8'), 'xx'); // each run appended once
  const err = r.stderr;
  assert.match(err, /\*\* NOT deterministic/);
  // First divergence: the datagram whose length is the run number, one second after the program read it.
  assert.match(err, /First divergence at simulated time 00:00:03\.000000000:/);
  assert.match(
    err,
    /host noisy, process run_counter\.1000, thread 1000: syscall \d+ of hosts\/noisy\/run_counter\.1000\.strace/,
  );
  const runs = [...err.matchAll(/ {4}run ([12]): (sendto\(\d+, ptr, (\d), 0x0, ptr, 16\) = (\d)) at 00:00:03/g)];
  assert.equal(runs.length, 2, err);
  assert.notEqual(runs[0][3], runs[1][3]);
  for (const m of runs) assert.equal(m[3], m[4]);
  // Every file that differs is named; the quiet host is not among them.
  assert.match(err, /hosts\/noisy\/lo\.pcap: packet 1 differs \(at 00:00:03\.000000000\)/);
  assert.match(err, /hosts\/noisy\/run_counter\.1000\.stdout: first difference at byte 4, line 1/);
  assert.doesNotMatch(err, /hosts\/quiet\//);
});

test('check-determinism with a bad configuration: one line naming the key, exit 2, nothing run', () => {
  const r = runUmbra(config(host('box', [{ path: 'true' }]), 'stop_time: soon'), ['check-determinism']);
  assert.equal(r.status, 2, r.stderr);
  assert.match(r.stderr, /^umbra: .*general\.stop_time.*\n$/);
  assert.ok(!fs.existsSync(r.dataDir));
});
