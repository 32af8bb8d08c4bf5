// A configured process starts through the path as configured, not its
// resolved symlink target, so wrappers that dispatch on their name work: a
// script behind a symlink sees the link as $0, as when a shell runs it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { config, host, program, runUmbra, tempDir } from '../helpers/umbra';

test('a script behind a symlink sees the link as $0, natively and under umbra', () => {
  const dir = tempDir();
  const script = path.join(dir, 'wrapper.sh');
  fs.writeFileSync(script, '#!/bin/sh\necho "0=$0 base=$(basename "$0")"\n', { mode: 0o755 });
  const link = path.join(dir, 'mytool');
  fs.symlinkSync('wrapper.sh', link);
  const native = spawnSync(link, [], { encoding: 'utf8' });
  assert.equal(native.stdout, `0=${link} base=mytool\n`);
  const r = runUmbra(
    config(host('box', [{ path: link }, { path: '/bin/sh', args: ['-c', `${link}; echo done`], start_time: '2 s' }])),
    [],
    { dir },
  );
  assert.equal(r.status, 0, r.stderr + r.stdout);
  assert.equal(r.output('box', 'wrapper.sh.'), native.stdout);
  // execve inside the simulation runs the link too: the shell's child prints the same.
  const sh = `${path.basename(fs.realpathSync('/bin/sh'))}.`;
  assert.equal(r.output('box', sh), `${native.stdout}done\n`);
});

test("Debian's pg_wrapper behind /usr/bin/psql finds the program it stands for", () => {
  const native = spawnSync('/usr/bin/psql', ['--version'], { encoding: 'utf8' });
  assert.equal(native.status, 0, native.stderr);
  const r = runUmbra(config(host('box', [{ path: '/usr/bin/psql', args: ['--version'] }])));
  assert.equal(r.status, 0, r.stderr + r.stdout);
  assert.match(r.output('box', 'pg_wrapper.'), /^psql \(PostgreSQL\) \d+/);
  assert.equal(r.output('box', 'pg_wrapper.'), native.stdout);
});

test('a process re-executes itself through /proc/self/exe, its own /proc/<pid>/exe and fexecve, as natively', () => {
  const native = spawnSync(program('exec_self'), [], { encoding: 'utf8' });
  assert.equal(native.status, 0);
  const r = runUmbra(config(host('box', [{ path: program('exec_self') }])));
  assert.equal(r.status, 0, r.stderr + r.stdout);
  assert.equal(r.output('box', 'exec_self.'), native.stdout);
});
