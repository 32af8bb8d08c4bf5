// PostgreSQL 15 under umbra: the postmaster (SysV shared memory, a unix socket
// file it chmods, in a directory outside the host's, TCP) on one host, psql
// through Debian's pg_wrapper from another host over TCP and on the server's
// host over the unix socket.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { config, host, runUmbra } from '../helpers/umbra';
import { initCluster, postgresServer, psql } from '../helpers/postgres';

test('postgres serves psql over TCP from another host and over its unix socket', () => {
  const pg = initCluster();
  const r = runUmbra(
    config(
      host('server', [postgresServer(pg), psql(pg.socketDir, "select 'unix socket ' || 6*7", '3 s')]) +
        host('client', [
          psql(
            'server',
            'create table t(x int); insert into t select generate_series(1,1000); select sum(x) from t',
            '5 s',
          ),
        ]),
      'stop_time: 20 s',
    ),
    [],
    pg.run,
  );
  assert.equal(r.status, 0, r.stderr + r.stdout);
  assert.equal(r.output('server', 'pg_wrapper.'), 'unix socket 42\n');
  assert.equal(r.output('client', 'pg_wrapper.'), 'CREATE TABLE\nINSERT 0 1000\n500500\n');
  const log = r.output('server', `${pg.serverName}.1000.stderr`);
  assert.match(log, /listening on Unix socket ".*\.s\.PGSQL\.5432"/);
  assert.match(log, /database system is ready to accept connections/);
  // The socket directory is outside the host's: the file is the server host's own, kept in its directory.
  const own = path.join(r.dataDir, 'hosts', 'server', '.unix', fs.realpathSync(pg.socketDir), '.s.PGSQL.5432');
  assert.ok(fs.statSync(own).isSocket());
  assert.ok(!fs.existsSync(path.join(pg.socketDir, '.s.PGSQL.5432')), 'nothing at the shared path');
});
