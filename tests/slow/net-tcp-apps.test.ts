// Slow tier: the full-length runs of tests/integration/net-tcp-apps.test.ts
// and net-tcp.test.ts: nginx serving 10 MiB to ten clients, iperf3 -t 10,
// and redis-benchmark (10 000 SETs and GETs by 50 clients) against
// redis-server from another host and over loopback.
import { test } from 'node:test';
import { runUmbra, SLOW_HANG_TIMEOUT_MS } from '../helpers/umbra';
import { assertIperf3NearGigabit, assertRedisRates, iperf3Config, nginxServesFile, redisConfig } from '../helpers/apps';

const opts = { timeoutMs: SLOW_HANG_TIMEOUT_MS };

test('nginx (sendfile on) serves a 10 MiB file to five curl and five wget clients, byte-correct', () => {
  nginxServesFile(10 * 1024 * 1024, opts);
});

test('iperf3 -s and iperf3 -c server -t 10 on the 1 Gbit switch: the client reports close to 1 Gbit/s', () => {
  assertIperf3NearGigabit(runUmbra(iperf3Config(10), [], opts), 10);
});

test('redis-server with redis-benchmark on another host and over loopback', () => {
  assertRedisRates(runUmbra(redisConfig(10_000), [], opts));
});
