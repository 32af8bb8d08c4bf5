// Unix socket paths outside a host's directory (/tmp/x.sock) are per host, as
// if each host had a machine of its own: two hosts (or two runs) binding the
// same path each get their own file, which stat, chmod, rename, unlink and
// connect of that host see; nothing appears at the shared path, and a stale
// file there does not get in the way. The calls answer as on Linux.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { config, host, program, runUmbra, tempDir } from '../helpers/umbra';

/** A fresh path in /tmp, removed (if anything made it) when the test ends. */
function tmpSocketPath(t: { after: (fn: () => void) => void }): string {
  const p = `/tmp/umbra-test-${crypto.randomBytes(6).toString('hex')}.sock`;
  t.after(() => fs.rmSync(p, { force: true }));
  return p;
}

/** What unix_ns prints run natively (at a path of its own, the one in /tmp may be taken on purpose). */
function nativeOutput(t: { after: (fn: () => void) => void }, mode: string, token: string, keep = false): string {
  const r = spawnSync(program('unix_ns'), [tmpSocketPath(t), mode, token, ...(keep ? ['keep'] : [])], {
    cwd: tempDir(),
    encoding: 'utf8',
    timeout: 60_000,
  });
  assert.equal(r.status, 0, r.stderr);
  return r.stdout;
}

function unixNs(p: string, mode: string, token: string, keep = false): { path: string; args: string[] } {
  return { path: program('unix_ns'), args: [p, mode, token, ...(keep ? ['keep'] : [])] };
}

/** Makes a socket file at p natively, as a crashed program would leave it. */
function staleSocket(p: string): void {
  const r = spawnSync(
    '/usr/bin/python3',
    ['-c', 'import socket, sys\ns = socket.socket(socket.AF_UNIX)\ns.bind(sys.argv[1])', p],
    { encoding: 'utf8', timeout: 60_000 },
  );
  assert.equal(r.status, 0, r.stderr);
  assert.ok(fs.statSync(p).isSocket());
}

test('two hosts bind the same /tmp path: each has its own file, as a machine of its own would', (t) => {
  const sock = tmpSocketPath(t);
  const r = runUmbra(
    config(host('alpha', [unixNs(sock, '600', 'alpha')]) + host('beta', [unixNs(sock, '640', 'beta')])),
  );
  assert.equal(r.status, 0, r.stderr + r.stdout);
  // Each host's chmod shows in its own stat only, each accepts its own client; the rest as on Linux.
  assert.equal(r.output('alpha', 'unix_ns.1000.stdout'), nativeOutput(t, '600', 'alpha'));
  assert.equal(r.output('beta', 'unix_ns.1000.stdout'), nativeOutput(t, '640', 'beta'));
  assert.match(r.output('beta', 'unix_ns.1000.stdout'), /^fstatat path: ok mode 640$/m);
  assert.ok(!fs.existsSync(sock), 'nothing at the shared path after the run');
  for (const h of ['alpha', 'beta']) {
    assert.ok(!fs.existsSync(path.join(r.dataDir, 'hosts', h, '.unix', sock)), `${h} unlinked its file`);
  }
});

test('a stale socket file at the path does not make bind fail, and stays the machine one', (t) => {
  const sock = tmpSocketPath(t);
  staleSocket(sock);
  const staleIno = fs.statSync(sock).ino;
  const r = runUmbra(
    config(host('alpha', [unixNs(sock, '600', 'alpha')]) + host('beta', [unixNs(sock, '640', 'beta', true)])),
  );
  assert.equal(r.status, 0, r.stderr + r.stdout);
  assert.equal(r.output('alpha', 'unix_ns.1000.stdout'), nativeOutput(t, '600', 'alpha'));
  assert.equal(r.output('beta', 'unix_ns.1000.stdout'), nativeOutput(t, '640', 'beta', true));
  assert.equal(fs.statSync(sock).ino, staleIno, 'the machine file is untouched');
  // beta kept its socket bound: the file is in beta's directory, under the path it bound.
  const own = fs.statSync(path.join(r.dataDir, 'hosts', 'beta', '.unix', sock));
  assert.ok(own.isSocket());
  assert.equal(own.mode & 0o7777, 0o640);
});

test('two runs on one machine bind the same path while the first one still has its file', (t) => {
  const sock = tmpSocketPath(t);
  const first = runUmbra(config(host('alpha', [unixNs(sock, '600', 'alpha', true)])));
  assert.equal(first.status, 0, first.stderr + first.stdout);
  assert.ok(fs.statSync(path.join(first.dataDir, 'hosts', 'alpha', '.unix', sock)).isSocket());
  const second = runUmbra(config(host('alpha', [unixNs(sock, '600', 'alpha')])));
  assert.equal(second.status, 0, second.stderr + second.stdout);
  assert.equal(second.output('alpha', 'unix_ns.1000.stdout'), nativeOutput(t, '600', 'alpha'));
  assert.ok(!fs.existsSync(sock));
});

test('two runs at once bind and keep the same path: each has its own file, and the runs are alike', (t) => {
  const sock = tmpSocketPath(t);
  const r = runUmbra(config(host('alpha', [unixNs(sock, '600', 'alpha', true)])), [], {
    argsFirst: ['check-determinism'],
  });
  assert.equal(r.status, 0, r.stderr + r.stdout);
  assert.match(r.stderr, /Deterministic/);
  for (const run of ['run-1', 'run-2']) {
    const dir = path.join(r.dataDir, run, 'hosts', 'alpha');
    assert.equal(fs.readFileSync(path.join(dir, 'unix_ns.1000.stdout'), 'utf8'), nativeOutput(t, '600', 'alpha', true));
    assert.ok(fs.statSync(path.join(dir, '.unix', sock)).isSocket(), `${run} kept its own file`);
  }
  assert.ok(!fs.existsSync(sock));
});

test('bind outside the host directory checks the real directory and file as Linux does', (t) => {
  const dir = tempDir();
  const missing = `/tmp/umbra-test-${crypto.randomBytes(6).toString('hex')}-missing/x.sock`;
  const regular = tmpSocketPath(t);
  fs.writeFileSync(regular, 'not a socket');
  const script = path.join(dir, 'edges.py');
  fs.writeFileSync(
    script,
    [
      'import os, socket, sys',
      'os.umask(0o22)',
      'def bind(p):',
      '    s = socket.socket(socket.AF_UNIX)',
      '    try:',
      '        s.bind(p)',
      "        return 'ok'",
      '    except OSError as e:',
      '        return e.strerror',
      `print('missing dir:', bind(${JSON.stringify(missing)}))`,
      `print('regular file:', bind(${JSON.stringify(regular)}))`,
      // A relative path through a symbolic link to /tmp names the same file as the absolute one.
      "name = 'umbra-test-' + sys.argv[1] + '.sock'",
      "os.symlink('/tmp', 'tmplink')",
      "s = socket.socket(socket.AF_UNIX); s.bind('tmplink/' + name); s.listen(1)",
      "c = socket.socket(socket.AF_UNIX); c.connect('/tmp/' + name)",
      "print('through link:', oct(os.stat('/tmp/' + name).st_mode))",
      "os.unlink('/tmp/' + name)",
      "print('after unlink:', os.path.exists('tmplink/' + name))",
      // A name that is not ASCII: the shim's filter hashes its UTF-8 bytes.
      "name = '/tmp/umbra-test-\u00fc' + sys.argv[1] + '.sock'",
      's = socket.socket(socket.AF_UNIX); s.bind(name)',
      'c = socket.socket(socket.AF_UNIX); s.listen(1); c.connect(name)',
      "print('not ascii:', oct(os.lstat(name).st_mode))",
      'os.unlink(name)',
      '',
    ].join('\n'),
  );
  const linked = crypto.randomBytes(6).toString('hex');
  t.after(() => fs.rmSync(`/tmp/umbra-test-${linked}.sock`, { force: true }));
  t.after(() => fs.rmSync(`/tmp/umbra-test-\u00fc${linked}.sock`, { force: true }));
  const native = spawnSync('/usr/bin/python3', [script, linked], { cwd: tempDir(), encoding: 'utf8', timeout: 60_000 });
  assert.equal(native.status, 0, native.stderr);
  const r = runUmbra(config(host('box', [{ path: '/usr/bin/python3', args: [script, linked] }])), [], { dir });
  assert.equal(r.status, 0, r.stderr + r.stdout);
  assert.equal(r.output('box', 'python3'), native.stdout);
  assert.equal(
    native.stdout,
    'missing dir: No such file or directory\nregular file: Address already in use\n' +
      'through link: 0o140755\nafter unlink: False\nnot ascii: 0o140755\n',
  );
  assert.equal(fs.readFileSync(regular, 'utf8'), 'not a socket');
});
