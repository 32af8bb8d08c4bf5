// Privilege dropping: a process that changes its ids and then execs keeps
// them (file permission checks, capabilities, umask, limits as on Linux);
// capget/capset name processes by virtual pid; setpriv and runuser work.
// Each case is compared with the same command run natively (as root).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import {
  config,
  HANG_TIMEOUT_MS,
  host,
  program,
  REPO,
  runUmbra,
  tempDir,
  which,
  type ProcessSpec,
} from '../helpers/umbra';

/** The stdout of `cmd args` run natively; it must succeed. */
function native(cmd: string, args: string[]): string {
  const r = spawnSync(cmd, args, { encoding: 'utf8', timeout: 30_000 });
  assert.equal(r.status, 0, `${cmd} ${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
}

/** Runs each command as its own process on host 'box', one second apart; returns their stdouts in order. */
function underUmbra(cmds: Array<[string, string[]]>): string[] {
  const procs: ProcessSpec[] = cmds.map(([path, args], i) => ({ path, args, start_time: `${i}s` }));
  const r = runUmbra(config(host('box', procs), 'stop_time: 20s'));
  assert.equal(r.status, 0, r.stderr);
  assert.doesNotMatch(r.stderr, /unsupported syscall/);
  return r.outputs('box', '');
}

test('ids set before execve stay set in the new image: su-style wrapper, kept capabilities, capget by pid, SO_PEERCRED', () => {
  if (process.getuid?.() !== 0) throw new Error('this test compares privilege dropping with Linux: run it as root');
  const p = program('privdrop');
  const cmds: Array<[string, string[]]> = [
    [p, ['su', '65534', '65534', p, 'report']],
    [p, ['keepcaps', p, 'report']],
    [p, ['capget']],
    [p, ['peercred']],
  ];
  const expected = cmds.map(([cmd, args]) => native(cmd, args));
  // Sanity of the native side: the new image really runs as nobody and keeps only the ambient capability.
  assert.match(expected[0], /^uid 65534 65534 65534 gid 65534 65534 65534 groups 65534$/m);
  assert.match(expected[0], /^open \/etc\/shadow: Permission denied$/m);
  assert.match(expected[1], /^caps permitted 400 effective 400 inheritable 400$/m);
  assert.match(expected[1], /^umask 027 nofile 200$/m);
  assert.match(expected[3], /^listener sees child: uid 65534 gid 65534 child yes$/m);
  assert.match(expected[3], /^kill\(parent, 0\): Operation not permitted$/m);
  assert.deepEqual(underUmbra(cmds), expected);
});

test('setpriv --reuid/--regid/--clear-groups and runuser -u print what they print natively', () => {
  const setpriv = which('setpriv');
  const runuser = which('runuser');
  const cmds: Array<[string, string[]]> = [
    [setpriv, ['--reuid=nobody', '--regid=nogroup', '--clear-groups', 'id']],
    [runuser, ['-u', 'nobody', '--', 'id']],
    [setpriv, ['--reuid=nobody', '--regid=nogroup', '--clear-groups', 'grep', '^Cap', '/proc/self/status']],
  ];
  const expected = cmds.map(([cmd, args]) => native(cmd, args));
  assert.match(expected[0], /^uid=65534\(nobody\) gid=65534\(nogroup\) groups=65534\(nogroup\)$/m);
  assert.deepEqual(underUmbra(cmds), expected);
});

test('a process that dropped its privileges still reads the simulated /etc/hosts (the data directory is private)', () => {
  // The test's data directory lies in a 0700 temporary directory, which nobody cannot enter.
  const [hosts] = underUmbra([
    [which('setpriv'), ['--reuid=nobody', '--regid=nogroup', '--clear-groups', 'cat', '/etc/hosts']],
  ]);
  assert.match(hosts, /^11\.0\.0\.1 box$/m);
});

test('execve as a user who cannot read the shim fails with ELIBACC instead of running outside the simulation', () => {
  // A copy of umbra inside the test's private (0700) directory: nobody cannot reach its shim.
  const dir = tempDir();
  const pkg = path.join(dir, 'umbra-copy');
  for (const part of [
    'package.json',
    'binding.gyp',
    'bin',
    'dist',
    'build/Release/umbra_native.node',
    'native/out/libumbra_shim.so',
  ])
    fs.cpSync(path.join(REPO, part), path.join(pkg, part), { recursive: true });
  fs.symlinkSync(path.join(REPO, 'node_modules'), path.join(pkg, 'node_modules'));
  const cfg = path.join(dir, 'config.yaml');
  const setpriv = `{path: ${which('setpriv')}, args: "--reuid=nobody --regid=nogroup --clear-groups true", expected_final_state: {exited: 126}}`;
  fs.writeFileSync(cfg, config(host('box', [setpriv]), 'stop_time: 10s'));
  const r = spawnSync(process.execPath, [path.join(pkg, 'bin', 'umbra.js'), 'config.yaml'], {
    cwd: dir,
    encoding: 'utf8',
    timeout: HANG_TIMEOUT_MS,
  });
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout + r.stderr, /execve \S*\/true: the user it runs as cannot read the shim/);
  const stderr = fs.readFileSync(path.join(dir, 'out.data', 'hosts', 'box', 'setpriv.1000.stderr'), 'utf8');
  assert.match(stderr, /Can not access a needed shared library/);
});
