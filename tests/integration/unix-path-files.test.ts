// Unix sockets bound to a path are socket files, as on Linux: made by bind
// with the caller's umask, seen by stat/chmod/readdir, in the way of a second
// bind until unlinked, and the way connect finds the listener.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { config, host, program, runUmbra, tempDir } from '../helpers/umbra';

test('socket files: stat, chmod, readdir, EADDRINUSE, unlink, rename as on Linux', () => {
  const nativeDir = tempDir();
  const native = spawnSync(program('unix_path_file'), [], { cwd: nativeDir, encoding: 'utf8', timeout: 60_000 });
  assert.equal(native.status, 0, native.stderr);
  const r = runUmbra(config(host('box', [{ path: program('unix_path_file') }])));
  assert.equal(r.status, 0, r.stderr + r.stdout);
  assert.equal(r.output('box', 'unix_path_file.1000.stdout'), native.stdout);
  assert.match(native.stdout, /stat srv.sock: socket 1 mode 755\n/);
});

test('a socket file in the host directory is a real file there; one outside it is in the host directory too', () => {
  const dir = tempDir();
  const outside = path.join(dir, 'listener.sock');
  const script = path.join(dir, 'listen.py');
  fs.writeFileSync(
    script,
    [
      'import os, socket',
      `for p in ('inside.sock', ${JSON.stringify(outside)}):`,
      '    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)',
      '    s.bind(p)',
      '    s.listen(1)',
      '    print(oct(os.stat(p).st_mode))',
      '',
    ].join('\n'),
  );
  const r = runUmbra(config(host('box', [{ path: '/usr/bin/python3', args: [script] }])), [], { dir });
  assert.equal(r.status, 0, r.stderr + r.stdout);
  assert.match(r.output('box', 'python3'), /^0o140\d\d\d\n0o140\d\d\d\n$/);
  const hostDir = path.join(r.dataDir, 'hosts', 'box');
  assert.ok(fs.statSync(path.join(hostDir, 'inside.sock')).isSocket(), 'the file stays after the run, as on Linux');
  // Outside the host directory the machine is shared: the file is the host's own, kept in its directory.
  assert.ok(!fs.existsSync(outside), 'nothing at the shared path');
  const own = path.join(hostDir, '.unix', fs.realpathSync(dir), 'listener.sock');
  assert.ok(fs.statSync(own).isSocket(), 'the host keeps its file');
});

test('two hosts may bind the same path: each has its own file and reaches its own socket', () => {
  const dir = tempDir();
  const sock = path.join(dir, 'shared.sock');
  const server = path.join(dir, 'server.py');
  fs.writeFileSync(
    server,
    [
      'import socket',
      's = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)',
      `s.bind(${JSON.stringify(sock)})`,
      's.listen(1)',
      'c, _ = s.accept()',
      'c.sendall(socket.gethostname().encode())',
      'c.close()',
      '',
    ].join('\n'),
  );
  const client = path.join(dir, 'client.py');
  fs.writeFileSync(
    client,
    [
      'import socket',
      's = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)',
      'try:',
      `    s.connect(${JSON.stringify(sock)})`,
      "    print('served by', s.recv(100).decode())",
      'except OSError as e:',
      "    print('connect:', e.strerror)",
      '',
    ].join('\n'),
  );
  const again = path.join(dir, 'again.py');
  fs.writeFileSync(
    again,
    [
      'import socket',
      's = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)',
      'try:',
      `    s.bind(${JSON.stringify(sock)})`,
      "    print('bound')",
      'except OSError as e:',
      "    print('bind:', e.strerror)",
      '',
    ].join('\n'),
  );
  const py = (script: string, start: string): { path: string; args: string[]; start_time: string } => ({
    path: '/usr/bin/python3',
    args: [script],
    start_time: start,
  });
  const procs = [py(server, '1 s'), py(client, '2 s'), py(again, '3 s')];
  const r = runUmbra(config(host('alpha', procs) + host('beta', procs) + host('gamma', [py(client, '2 s')])), [], {
    dir,
  });
  assert.equal(r.status, 0, r.stderr + r.stdout);
  for (const h of ['alpha', 'beta']) {
    assert.deepEqual(r.outputs(h, 'python3'), ['', `served by ${h}\n`, 'bind: Address already in use\n']);
  }
  // A host that bound nothing finds no file at all: the others' files are theirs.
  assert.deepEqual(r.outputs('gamma', 'python3'), ['connect: No such file or directory\n']);
  assert.ok(!fs.existsSync(sock), 'nothing at the shared path');
});
