// Debian servers over simulated TCP: nginx (sendfile on) serving a 2 MiB
// file to ten curl and wget clients, byte for byte, iperf3 measuring the
// 1 Gbit switch for 2 s, and redis-cli talking to redis-server across hosts
// and over loopback. tests/slow/ has the full-length runs (a 10 MiB file,
// iperf3 -t 10, redis-benchmark).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { config, host, runUmbra, which } from '../helpers/umbra';
import { assertIperf3NearGigabit, iperf3Config, nginxServesFile } from '../helpers/apps';

test('nginx (sendfile on) serves a 2 MiB file to five curl and five wget clients, byte-correct', () => {
  nginxServesFile(2 * 1024 * 1024);
});

test('iperf3 -s and iperf3 -c server -t 2 on the 1 Gbit switch: the client reports close to 1 Gbit/s', () => {
  assertIperf3NearGigabit(runUmbra(iperf3Config(2)), 2);
});

test('redis-cli sets and reads keys on redis-server from another host and over loopback', () => {
  const server = which('redis-server');
  const cli = which('redis-cli');
  const r = runUmbra(
    config(
      host('server', [
        `{path: ${server}, args: "--save \\"\\" --appendonly no --port 6379 --protected-mode no", ` +
          'expected_final_state: running}',
        { path: cli, args: '-h 127.0.0.1 INCRBY visits 5', start_time: '1s' },
        { path: cli, args: '-h 127.0.0.1 GET greeting', start_time: '3s' },
      ]) +
        host('client', [
          { path: cli, args: '-h server SET greeting hello', start_time: '2s' },
          { path: cli, args: '-h server INCR visits', start_time: '2s' },
          { path: cli, args: '-h server MGET greeting visits nothing', start_time: '4s' },
        ]),
      'stop_time: 10s',
    ),
  );
  assert.equal(r.status, 0, r.stderr + r.stdout);
  assert.deepEqual(r.outputs('server', 'redis-cli.'), ['5\n', 'hello\n']);
  assert.deepEqual(r.outputs('client', 'redis-cli.'), ['OK\n', '6\n', 'hello\n6\n\n']);
});
