// OpenSSH end to end: Debian's sshd on one host (privilege separation on, as
// packaged), ssh running a command and scp copying a file from another; and
// the IP_OPTIONS answer sshd checks on every connection, compared with Linux.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { config, host, program, runUmbra, tempDir, which } from '../helpers/umbra';

test('getsockopt/setsockopt(IP_OPTIONS) on TCP and UDP sockets answer as on Linux (none set: optlen 0)', () => {
  const native = spawnSync(program('ip_options'), [], { encoding: 'utf8', timeout: 30_000 });
  assert.equal(native.status, 0, native.stderr);
  assert.match(native.stdout, /^accepted: optlen 0$/m);
  const r = runUmbra(config(host('box', [{ path: program('ip_options') }]), 'stop_time: 10s'));
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.output('box', 'ip_options.1000.stdout'), native.stdout);
});

/** Host and user keys made natively with ssh-keygen, an sshd config for them, and a file to copy. */
function sshSetup(): { dir: string; sshdConfig: string; userKey: string; payload: string } {
  const dir = tempDir('umbra-ssh-');
  const keygen = which('ssh-keygen');
  for (const name of ['host_key', 'user_key']) {
    const k = spawnSync(keygen, ['-q', '-t', 'ed25519', '-N', '', '-C', name, '-f', path.join(dir, name)]);
    assert.equal(k.status, 0, String(k.stderr));
  }
  fs.copyFileSync(path.join(dir, 'user_key.pub'), path.join(dir, 'authorized_keys'));
  // Debian's sshd refuses to start without its privilege separation directory, which the
  // openssh-server service (not the package) creates at boot.
  fs.mkdirSync('/run/sshd', { recursive: true, mode: 0o755 });
  const sshdConfig = path.join(dir, 'sshd_config');
  fs.writeFileSync(
    sshdConfig,
    [
      'Port 22',
      `HostKey ${path.join(dir, 'host_key')}`,
      `AuthorizedKeysFile ${path.join(dir, 'authorized_keys')}`,
      'UsePAM no',
      'StrictModes no',
      'PermitRootLogin prohibit-password',
      'PasswordAuthentication no',
      'PidFile none',
      'Subsystem sftp /usr/lib/openssh/sftp-server',
      '',
    ].join('\n'),
  );
  const payload = path.join(dir, 'payload.bin');
  // Content no shortcut could fake: a deterministic pseudo-random 200 kB.
  const bytes = Buffer.alloc(200_000);
  let x = 12345;
  for (let i = 0; i < bytes.length; i++) {
    x = (x * 1103515245 + 12345) >>> 0;
    bytes[i] = x >>> 24;
  }
  fs.writeFileSync(payload, bytes);
  return { dir, sshdConfig, userKey: path.join(dir, 'user_key'), payload };
}

const CLIENT_OPTS = '-o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o BatchMode=yes';

test('ssh runs a command on a simulated sshd, and scp copies a file to it byte for byte', () => {
  const s = sshSetup();
  const copied = path.join(s.dir, 'copied.bin');
  const sshd = `{path: ${which('sshd')}, args: "-D -e -f ${s.sshdConfig}", expected_final_state: running}`;
  const r = runUmbra(
    config(
      host('server', [sshd]) +
        host(
          'client',
          [
            { path: which('ssh'), args: `-i ${s.userKey} ${CLIENT_OPTS} server 'echo hi; uname -n'`, start_time: '1s' },
            {
              path: which('scp'),
              args: `-i ${s.userKey} ${CLIENT_OPTS} ${s.payload} server:${copied}`,
              start_time: '5s',
            },
          ],
          1,
        ),
      'stop_time: 20s',
      { nodes: 2, bandwidth: '100 Mbit', latency: '10 ms' },
    ),
    [],
    { dir: s.dir },
  );
  assert.equal(r.status, 0, r.stderr + r.output('server', 'sshd.1000.stderr'));
  assert.equal(r.output('client', 'ssh.'), 'hi\nserver\n');
  assert.match(r.output('server', 'sshd.1000.stderr'), /Accepted publickey for root from 11\.0\.0\.\d+/);
  assert.ok(fs.readFileSync(copied).equals(fs.readFileSync(s.payload)), 'scp copied the file unchanged');
});
