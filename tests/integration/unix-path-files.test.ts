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

test('the socket file is in the real file system, where the program put it', () => {
  const dir = tempDir();
  const sock = path.join(dir, 'listener.sock');
  const script = path.join(dir, 'listen.py');
  fs.writeFileSync(
    script,
    [
      'import os, socket',
      's = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)',
      `s.bind(${JSON.stringify(sock)})`,
      's.listen(1)',
      `print(oct(os.stat(${JSON.stringify(sock)}).st_mode))`,
      '',
    ].join('\n'),
  );
  const r = runUmbra(config(host('box', [{ path: '/usr/bin/python3', args: [script] }])), [], { dir });
  assert.equal(r.status, 0, r.stderr + r.stdout);
  assert.match(r.output('box', 'python3'), /^0o140\d\d\d\n$/);
  assert.ok(fs.statSync(sock).isSocket(), 'the file stays after the run, as on Linux');
});

test('two hosts may bind the same path: they share the file, each reaches its own socket', () => {
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
  // A host that bound nothing finds a socket file nobody listens on, as on Linux.
  assert.deepEqual(r.outputs('gamma', 'python3'), ['connect: Connection refused\n']);
});
