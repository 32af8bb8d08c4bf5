// Slow tier: PostgreSQL 15 under load. pgbench -i and a pgbench run of two
// clients from another host, then psql counts what the run wrote.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { config, host, runUmbra, SLOW_HANG_TIMEOUT_MS } from '../helpers/umbra';
import { initCluster, pgbench, postgresServer, psql } from '../helpers/postgres';

test('pgbench -i and pgbench -c 2 -t 50 from another host against postgres', () => {
  const pg = initCluster();
  const r = runUmbra(
    config(
      host('server', [postgresServer(pg)]) +
        host('client', [
          pgbench('server', ['-i', '-s', '1'], '5 s'),
          pgbench('server', ['-c', '2', '-t', '50'], '40 s'),
          psql('server', 'select count(*) from pgbench_history', '100 s'),
        ]),
      'stop_time: 120 s',
    ),
    [],
    { ...pg.run, timeoutMs: SLOW_HANG_TIMEOUT_MS },
  );
  assert.equal(r.status, 0, r.stderr + r.stdout);
  const [init, run, count] = r.outputs('client', 'pg_wrapper.');
  assert.equal(init, '');
  assert.match(r.output('client', 'pg_wrapper.1000.stderr'), /100000 of 100000 tuples \(100%\) done/);
  assert.match(run, /number of transactions actually processed: 100\/100\n/);
  assert.match(run, /number of failed transactions: 0 /);
  assert.equal(count, '100\n');
});
