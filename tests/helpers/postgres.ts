// PostgreSQL for the tests: a cluster made natively with initdb in a temp dir
// (trusting every address, so other simulated hosts may connect), and the
// process specs of a server and its clients. PostgreSQL refuses to run as
// root: when the tests run as root, initdb runs natively as `postgres`, and the
// server is started under umbra through `runuser -u postgres --` (umbra keeps
// the dropped ids across the exec), as a user of a root-run umbra would.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { tempDir, type ProcessSpec, type RunOptions } from './umbra';

export const PG_BIN = '/usr/lib/postgresql/15/bin';

export interface PgCluster {
  /** The run's directory (umbra runs there). */
  dir: string;
  dataDir: string;
  socketDir: string;
  /** Options for runUmbra: the directory. */
  run: RunOptions;
  /** Under root, the server is started through runuser: its output files carry that name. */
  serverName: string;
  asRoot: boolean;
}

function postgresUser(): { uid: number; gid: number } | undefined {
  if (process.getuid?.() !== 0) return undefined;
  const id = (flag: string): number => Number(spawnSync('id', [flag, 'postgres'], { encoding: 'utf8' }).stdout.trim());
  return { uid: id('-u'), gid: id('-g') };
}

/** A fresh cluster (superuser `postgres`, trust authentication from anywhere). */
export function initCluster(): PgCluster {
  const dir = tempDir('umbra-pg-');
  const asUser = postgresUser();
  const dataDir = path.join(dir, 'pgdata');
  const socketDir = path.join(dir, 'sock');
  fs.mkdirSync(socketDir);
  if (asUser) for (const d of [dir, socketDir]) fs.chownSync(d, asUser.uid, asUser.gid);
  const r = spawnSync(path.join(PG_BIN, 'initdb'), ['-D', dataDir, '--auth=trust', '-U', 'postgres', '-N'], {
    encoding: 'utf8',
    cwd: dir,
    ...(asUser ?? {}),
  });
  assert.equal(r.status, 0, `initdb failed: ${r.stderr}`);
  fs.appendFileSync(path.join(dataDir, 'pg_hba.conf'), 'host all all 0.0.0.0/0 trust\n');
  const asRoot = asUser !== undefined;
  return { dir, dataDir, socketDir, run: { dir }, serverName: asRoot ? 'runuser' : 'postgres', asRoot };
}

/** The server: TCP on every address and the unix socket in the cluster's socket folder. */
export function postgresServer(c: PgCluster, start = '1 s'): ProcessSpec {
  const args = ['-D', c.dataDir, '-k', c.socketDir, '-c', 'listen_addresses=*', '-c', 'max_connections=20'];
  const postgres = path.join(PG_BIN, 'postgres');
  return {
    path: c.asRoot ? '/usr/sbin/runuser' : postgres,
    args: c.asRoot ? ['-u', 'postgres', '--', postgres, ...args] : args,
    start_time: start,
    expected_final_state: 'running',
  };
}

/** psql through Debian's wrapper: `-At` prints bare values. `server` is a host name or the socket folder. */
export function psql(server: string, sql: string, start: string): ProcessSpec {
  return {
    path: '/usr/bin/psql',
    args: ['-h', server, '-U', 'postgres', '-d', 'postgres', '-At', '-c', sql],
    start_time: start,
  };
}

/** pgbench through Debian's wrapper. */
export function pgbench(server: string, args: string[], start: string): ProcessSpec {
  return { path: '/usr/bin/pgbench', args: ['-h', server, '-U', 'postgres', ...args, 'postgres'], start_time: start };
}
