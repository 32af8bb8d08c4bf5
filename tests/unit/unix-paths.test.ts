// The pure parts of per-host unix socket paths: the last component the shim
// hashes, the canonical name a path has on the machine, the hash itself, and
// the host's set with its mirrored directories.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { canonicalPath, insideHostDir, lastComponent, nameHash, UnixPathSpace } from '../../src/net/unix-paths';

test('lastComponent ignores trailing slashes, as the shim does', () => {
  assert.equal(lastComponent('/tmp/x.sock'), 'x.sock');
  assert.equal(lastComponent('x.sock'), 'x.sock');
  assert.equal(lastComponent('/run/postgresql/.s.PGSQL.5432/'), '.s.PGSQL.5432');
  assert.equal(lastComponent('a//b//'), 'b');
  assert.equal(lastComponent('/'), '');
});

test('nameHash is 32-bit FNV-1a of the UTF-8 bytes', () => {
  assert.equal(nameHash(''), 2166136261);
  assert.equal(nameHash('a'), 0xe40c292c);
  assert.equal(nameHash('foobar'), 0xbf9cf968);
  assert.equal(nameHash('\u00fc'), 0x119dd44a); // the bytes c3 bc, not the one latin1 byte fc
});

test('canonicalPath resolves the directory, not the last component', (t) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'umbra-unit-'));
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  const real = fs.realpathSync(dir);
  fs.mkdirSync(path.join(dir, 'd'));
  fs.symlinkSync(path.join(dir, 'd'), path.join(dir, 'link'));
  fs.symlinkSync('elsewhere', path.join(dir, 'd', 'last'));
  assert.equal(canonicalPath(path.join(dir, 'link', 'x.sock')), path.join(real, 'd', 'x.sock'));
  assert.equal(canonicalPath(path.join(dir, 'link', 'last')), path.join(real, 'd', 'last'));
  assert.equal(canonicalPath(path.join(dir, 'd', '..', 'd', 'y')), path.join(real, 'd', 'y'));
  assert.equal(canonicalPath(path.join(dir, 'missing', 'x.sock')), null);
  assert.equal(canonicalPath('/'), null);
  assert.ok(insideHostDir(dir, path.join(real, 'd', 'x.sock')));
  assert.ok(!insideHostDir(path.join(dir, 'd'), path.join(real, 'dd')));
});

test('a host space mirrors absolute paths in .unix, with directories any user may write, and starts empty', (t) => {
  const hostDir = fs.mkdtempSync(path.join(os.tmpdir(), 'umbra-unit-'));
  t.after(() => fs.rmSync(hostDir, { recursive: true, force: true }));
  fs.mkdirSync(path.join(hostDir, '.unix', 'tmp'), { recursive: true });
  fs.writeFileSync(path.join(hostDir, '.unix', 'tmp', 'stale'), '');
  const space = new UnixPathSpace(hostDir);
  assert.ok(!fs.existsSync(path.join(hostDir, '.unix')), 'an earlier run leaves nothing behind');
  assert.equal(space.size, 0);
  space.prepare('/run/postgresql/.s.PGSQL.5432');
  assert.equal(fs.statSync(path.join(hostDir, '.unix', 'run', 'postgresql')).mode & 0o7777, 0o1777);
  space.add('/run/postgresql/.s.PGSQL.5432');
  assert.equal(space.fileOf('/run/postgresql/.s.PGSQL.5432'), path.join(hostDir, '.unix/run/postgresql/.s.PGSQL.5432'));
  assert.ok(space.has('/run/postgresql/.s.PGSQL.5432'));
  assert.ok(space.mayHold('.s.PGSQL.5432'));
  assert.ok(!space.mayHold('postgresql'));
  space.remove('/run/postgresql/.s.PGSQL.5432');
  assert.equal(space.size, 0);
});
