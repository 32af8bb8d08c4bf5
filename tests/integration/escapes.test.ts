// A managed program cannot get out of the simulation: it reaches no real
// network by any route (libc, raw syscalls, shim internals, the shim's own
// syscall instruction), cannot call the shim's pseudo-syscalls, and scribbling
// on the shared region ends only its own process.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as net from 'node:net';
import { config, program, runUmbra } from '../helpers/umbra';

const EPOCH = 946684800;

/** A native TCP server outside umbra that counts the connections it accepts. */
async function nativeServer(): Promise<{ port: number; accepted: () => number; close: () => Promise<void> }> {
  let count = 0;
  const server = net.createServer((s) => {
    count++;
    s.destroy();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const addr = server.address();
  assert.ok(addr !== null && typeof addr === 'object');
  return {
    port: addr.port,
    accepted: () => count,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** Lets the event loop accept whatever the kernel queued while a synchronous run blocked it. */
function settle(): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, 300));
}

test('no route reaches a native TCP server: libc, syscall(), dlsym, the shim syscall gadget', async () => {
  const server = await nativeServer();
  try {
    // Control: the same program run natively does reach the server.
    const native = spawnSync(program('escape'), ['net', String(server.port)], { encoding: 'utf8' });
    assert.match(native.stdout, /^libc connect: 0 OK$/m);
    await settle();
    assert.ok(server.accepted() >= 1, 'the control run must reach the server');
    const before = server.accepted();

    const r = runUmbra(
      config(
        `  box:
    network_node_id: 0
    processes:
    - {path: ${program('escape')}, args: net ${server.port}}
  peer:
    network_node_id: 0
    processes:
    - {path: sleep, args: "2"}
    - {path: date, args: "+%s", start_time: 3s}
`,
        'stop_time: 10s',
      ),
    );
    await settle();
    assert.equal(server.accepted(), before, 'the native server accepted a connection from inside the simulation');
    assert.equal(r.status, 0, r.stderr);
    const out = r.output('box', 'escape.1000.stdout');
    // The simulated loopback has no listener on that port.
    assert.match(out, /^libc connect: -1 ECONNREFUSED$/m);
    assert.match(out, /^syscall connect: -1 ECONNREFUSED$/m);
    for (const name of ['umbra_raw_syscall', 'umbra_syscall', '__start_umbra_raw', 'umbra_clone_thread']) {
      assert.match(out, new RegExp(`^dlsym ${name}: NULL$`, 'm'));
    }
    const gadgets = Number(/^gadgets: (\d+)$/m.exec(out)?.[1]);
    assert.ok(gadgets >= 1, `the shim's raw syscall must be findable for this test to mean anything:\n${out}`);
    for (let i = 0; i < gadgets; i++) {
      for (const call of ['socket', 'kill', 'tgkill', 'ptrace']) {
        assert.match(out, new RegExp(`^gadget ${i} ${call}: -1 EPERM$`, 'm'), out);
      }
    }
    // The simulation went on: the other host's clock is right.
    assert.equal(r.output('peer', 'date.1001.stdout'), `${EPOCH + 3}\n`);
  } finally {
    await server.close();
  }
});

test("the shim's pseudo-syscall numbers are ENOSYS to a program", () => {
  const r = runUmbra(
    config(`  box:
    network_node_id: 0
    processes:
    - {path: ${program('escape')}, args: pseudo}
`),
  );
  assert.equal(r.status, 0, r.stderr);
  assert.equal(
    r.output('box', 'escape.1000.stdout'),
    'syscall 1005: -1 ENOSYS\nsyscall 1006: -1 ENOSYS\nsyscall 1007: -1 ENOSYS\n',
  );
});

test('scribbling on the shared region ends only the scribbler; times and /etc/hosts stay right', () => {
  const r = runUmbra(
    config(
      `  evil:
    network_node_id: 0
    processes:
    - {path: ${program('escape')}, args: scribble-kind, expected_final_state: {signaled: SIGKILL}}
    - {path: ${program('escape')}, args: scribble-clock, start_time: 1s, expected_final_state: {signaled: SIGKILL}}
    - {path: ${program('escape')}, args: scribble-hosts good, start_time: 2s}
    - {path: ${program('escape')}, args: scribble-settings, start_time: 3s}
    - {path: getent, args: hosts good, start_time: 4s}
    - {path: date, args: "+%s", start_time: 5s}
  good:
    network_node_id: 0
    processes:
    - {path: sleep, args: "4"}
    - {path: date, args: "+%s", start_time: 5s}
    - {path: getent, args: hosts evil, start_time: 6s}
`,
      'stop_time: 10s',
    ),
  );
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /evil\.escape\.1000: broke the shim protocol \(.*message kind 99\); killing it/);
  assert.match(r.stdout, /evil\.escape\.1000: killed by SIGKILL/);
  assert.match(r.stdout, /evil\.escape\.1001: broke the shim protocol \(host clock set to \d+ ns, outside/);
  assert.match(r.stdout, /evil\.escape\.1001: killed by SIGKILL/);
  assert.doesNotMatch(r.output('evil', 'escape.1001.stdout'), /still alive/);
  assert.match(r.output('evil', 'escape.1002.stdout'), /^resolve good: 11\.0\.0\.2$/m);
  assert.equal(r.output('evil', 'escape.1003.stdout'), 'found region and channel\nscribbled\n');
  // Shims started after the scribbling read the header and host settings the simulator wrote.
  // getent hosts asks for AF_INET6 first, as on Linux: the hosts file's IPv6 line for the name.
  assert.match(r.output('evil', 'getent.1004.stdout'), /^fd75:6d62:7261::2\s+good$/m);
  assert.equal(r.output('evil', 'date.1005.stdout'), `${EPOCH + 5}\n`);
  assert.match(r.output('good', 'getent.1002.stdout'), /^fd75:6d62:7261::1\s+evil$/m);
  assert.equal(r.output('good', 'date.1001.stdout'), `${EPOCH + 5}\n`);
  // The sleeper on the other host ended when its 4 s were up, not an hour later.
  assert.match(r.stdout, /^00:00:04\.0+ \[INFO\] \[good\] good\.sleep\.1000: exited with status 0$/m);
});
