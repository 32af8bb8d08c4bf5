// Statically linked programs run through umbra's loader (native/loader/): a gcc -static and a
// musl-gcc -static build of the same C client talk UDP and TCP to a dynamic server on another
// host, sleep and read the clocks, with the same output as the dynamic build; exec works in both
// directions between dynamic and static images; Debian's busybox-static runs shell loops, wget
// and nc.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { config, host, program, PROGRAMS, runUmbra, tempDir, which } from '../helpers/umbra';

/** A static build of tests/programs/<name>.c (the Makefile's STATIC_PROGS). */
function staticProgram(name: string, libc: 'glibc' | 'musl'): string {
  const p = path.join(PROGRAMS, 'static', `${name}-${libc}`);
  if (!fs.existsSync(p)) throw new Error(`${p} is missing: run 'make -C native' (musl builds need musl-tools)`);
  return p;
}

/** The echo server (always the dynamic build) on host `web`, and `client` on host `box`. */
function peerRun(client: string): string {
  const yaml = config(
    host('web', [{ path: program('static_peer'), args: 'serve 7000', expected_final_state: 'running' }]) +
      host('box', [{ path: client, args: 'client web 7000', start_time: '1 s' }]),
    'stop_time: 20 s',
  );
  const r = runUmbra(yaml);
  assert.equal(r.status, 0, r.stderr + r.stdout);
  return r.output('box', `${path.basename(client)}.1000.stdout`);
}

const EXPECTED = new RegExp(
  '^slept 1500 ms\\n' +
    'realtime (\\d+)\\.5\\d{8} gettimeofday \\1\\.5\\d{5} time \\1\\n' +
    'AT_RANDOM [0-9a-f]{32}\\ngetrandom [0-9a-f]{16}\\n' +
    'rdtsc moved with the clock: yes\\n' +
    'udp reply: HELLO OVER UDP\\ntcp reply: HELLO OVER TCP\\ndone at \\d+\\.\\d{9}\\n$',
);

test('gcc -static and musl-gcc -static clients: simulated time, seeded randomness, UDP and TCP to a dynamic peer', () => {
  const dynamic = peerRun(program('static_peer'));
  assert.match(dynamic, EXPECTED);
  for (const libc of ['glibc', 'musl'] as const) {
    const out = peerRun(staticProgram('static_peer', libc));
    assert.match(out, EXPECTED, libc);
    // The same clocks, the same AT_RANDOM (drawn before the program runs) and the same replies as
    // the dynamic build; a libc's own getrandom draws at start-up and its own work (the last
    // line's instant) differ between libcs.
    const same = (s: string): string => s.replace(/^getrandom .*\n/mu, '').replace(/^done at .*\n/mu, '');
    assert.equal(same(out), same(dynamic), libc);
    assert.match(out, /^realtime 946684802\.5/mu);
    assert.equal(peerRun(staticProgram('static_peer', libc)), out, `${libc}: same output twice`);
  }
});

test('exec: a dynamic shell runs a static program, a static shell runs a dynamic one and execs a static one', () => {
  const busybox = which('busybox');
  const glibc = staticProgram('static_peer', 'glibc');
  const musl = staticProgram('static_peer', 'musl');
  const dyn = program('static_peer');
  const yaml = config(
    host('web', [{ path: dyn, args: 'serve 7000', expected_final_state: 'running' }]) +
      host('box', [
        { path: '/bin/sh', args: ['-c', `${glibc} client web 7000 | tail -2; echo sh: $?`], start_time: '1 s' },
        { path: busybox, args: ['sh', '-c', `${dyn} client web 7000 | tail -2; echo busybox: $?`], start_time: '2 s' },
        // musl's static client exec'd by the static busybox shell: static → static.
        { path: busybox, args: ['sh', '-c', `exec ${musl} client web 7000`], start_time: '3 s' },
      ]),
    'stop_time: 20 s',
  );
  const r = runUmbra(yaml);
  assert.equal(r.status, 0, r.stderr + r.stdout);
  const sh = path.basename(fs.realpathSync('/bin/sh'));
  assert.match(r.output('box', `${sh}.1000.stdout`), /^tcp reply: HELLO OVER TCP\ndone at [\d.]+\nsh: 0\n$/);
  const [viaBusybox, execd] = r.outputs('box', 'busybox.');
  assert.match(viaBusybox, /^tcp reply: HELLO OVER TCP\ndone at [\d.]+\nbusybox: 0\n$/);
  assert.match(execd, EXPECTED);
});

test('busybox-static: sh loops with sleep, wget from busybox httpd on another host, nc to a dynamic echo server', () => {
  const busybox = which('busybox');
  const dir = tempDir();
  const www = path.join(dir, 'www');
  fs.mkdirSync(www);
  fs.writeFileSync(path.join(www, 'index.html'), 'served in simulated time\n');
  const script =
    'for i in 1 2 3; do sleep 1; echo "tick $i $(date +%s)"; done; ' +
    'wget -q -O - http://web/index.html; ' +
    'echo "nc: $(echo hello nc | nc web 7000)"; ' +
    'n=0; while [ $n -lt 5 ]; do n=$((n+1)); sleep 0.5; done; echo "loop done at $(date +%s)"';
  const yaml = config(
    host('web', [
      { path: busybox, args: ['httpd', '-f', '-p', '80', '-h', www], expected_final_state: 'running' },
      { path: program('static_peer'), args: 'serve 7000', expected_final_state: 'running' },
    ]) + host('box', [{ path: busybox, args: ['sh', '-c', script], start_time: '1 s' }]),
    'stop_time: 30 s',
  );
  const r = runUmbra(yaml, [], { dir });
  assert.equal(r.status, 0, r.stderr + r.stdout);
  assert.equal(
    r.output('box', 'busybox.1000.stdout'),
    'tick 1 946684802\ntick 2 946684803\ntick 3 946684804\nserved in simulated time\nnc: HELLO NC\n' +
      'loop done at 946684806\n',
  );
});

test('a static program re-executes itself through /proc/self/exe, its /proc/<pid>/exe and fexecve', () => {
  const dynamic = runUmbra(config(host('box', [{ path: program('exec_self') }])));
  assert.equal(dynamic.status, 0, dynamic.stderr + dynamic.stdout);
  const expected = dynamic.output('box', 'exec_self.');
  assert.match(expected, /fexecve: child exited 7\n$/);
  for (const libc of ['glibc', 'musl'] as const) {
    const r = runUmbra(config(host('box', [{ path: staticProgram('exec_self', libc) }])));
    assert.equal(r.status, 0, r.stderr + r.stdout);
    assert.equal(r.output('box', `exec_self-${libc}.`), expected, libc);
  }
});

test("a static program's /proc/self/exe and name are its own, not the loader's", () => {
  const busybox = which('busybox');
  const script = 'readlink /proc/self/exe; cat /proc/self/comm; busybox readlink /proc/thread-self/exe';
  const r = runUmbra(config(host('box', [{ path: busybox, args: ['sh', '-c', script] }])));
  assert.equal(r.status, 0, r.stderr + r.stdout);
  const real = fs.realpathSync(busybox);
  assert.equal(r.output('box', 'busybox.1000.stdout'), `${real}\nbusybox\n${real}\n`);
});

test('a #! script whose interpreter is static (busybox sh) runs, configured and by exec, as the kernel would run it', () => {
  const busybox = fs.realpathSync(which('busybox'));
  const dir = tempDir();
  const script = path.join(dir, 'greet.sh');
  fs.writeFileSync(
    script,
    `#!${busybox} sh\necho "0=$0 args=$*"; readlink /proc/self/exe; sleep 2; echo "at $(date +%s)"\n`,
    { mode: 0o755 },
  );
  const native = spawnSync(script, ['a', 'b c'], { encoding: 'utf8' });
  assert.equal(native.status, 0, native.stderr);
  const r = runUmbra(
    config(
      host('box', [
        { path: script, args: ['a', 'b c'] },
        { path: '/bin/sh', args: ['-c', `${script} x; echo "sh: $?"`], start_time: '1 s' },
      ]),
    ),
    [],
    { dir },
  );
  assert.equal(r.status, 0, r.stderr + r.stdout);
  assert.equal(r.output('box', 'greet.sh.'), `0=${script} args=a b c\n${busybox}\nat 946684802\n`);
  assert.equal(native.stdout.split('\n').slice(0, 2).join('\n'), `0=${script} args=a b c\n${busybox}`);
  const sh = path.basename(fs.realpathSync('/bin/sh'));
  assert.equal(r.output('box', `${sh}.`), `0=${script} args=x\n${busybox}\nat 946684803\nsh: 0\n`);
});

/** stdout of `bin` alone on a host, run to its end. */
function soloOutput(bin: string): string {
  const r = runUmbra(config(host('box', [{ path: bin }]), 'stop_time: 100 s'));
  assert.equal(r.status, 0, `${bin}: ${r.stderr}${r.stdout}`);
  return r.output('box', `${path.basename(bin)}.1000.stdout`);
}

// Test programs of the fast tier whose dynamic builds other tests check against Linux: signals
// (handlers, masks, sigsuspend, kill between processes), alternate signal stacks, raw clone
// threads, thread exit, timerfd, epoll, pipes between threads, condition variables, fault handlers.
const BOTH_LIBCS = ['signals', 'thread_exit', 'pipe_threads', 'condvar_ring', 'fault_handler'];
const GLIBC_ONLY = ['altstack', 'raw_clone', 'timerfd_test', 'epoll_test'];

test('static builds (glibc, musl) print what the dynamic builds print: signals, threads, timers, epoll', () => {
  for (const name of [...BOTH_LIBCS, ...GLIBC_ONLY]) {
    const dynamic = soloOutput(program(name));
    assert.notEqual(dynamic, '', name);
    const libcs = BOTH_LIBCS.includes(name) ? (['glibc', 'musl'] as const) : (['glibc'] as const);
    for (const libc of libcs) assert.equal(soloOutput(staticProgram(name, libc)), dynamic, `${name}-${libc}`);
  }
});

test('exec of a path whose file was replaced by a static build runs the new file through the loader', () => {
  const dir = tempDir();
  const x = path.join(dir, 'x');
  const dyn = program('bench_syscall');
  const stat = staticProgram('bench_syscall', 'musl');
  // The same path, exec'd, overwritten in place with a static build, exec'd again: what umbra
  // learnt about the first file must not decide how the second starts (natively, getppid would
  // answer the real parent and the sum would differ).
  const script = `cp ${dyn} ${x} && ${x} getppid 3 && cp ${stat} ${x} && ${x} getppid 3 && cp ${dyn} ${x} && ${x} getppid 3`;
  const r = runUmbra(config(host('box', [{ path: '/bin/sh', args: ['-c', script] }]), 'stop_time: 10 s'));
  assert.equal(r.status, 0, r.stderr + r.stdout);
  const sh = path.basename(fs.realpathSync('/bin/sh'));
  const lines = r.output('box', `${sh}.1000.stdout`).trim().split('\n');
  assert.equal(lines.length, 3);
  const sums = lines.map((l) => /sum=(\d+)$/.exec(l)?.[1]);
  // Three children of the same shell (pid 1000): getppid answers 1000 in each.
  assert.deepEqual(sums, ['3000', '3000', '3000']);
});

test('a #! script with a dynamic interpreter, run by execve in place, is what the kernel would run', () => {
  const dir = tempDir();
  const script = path.join(dir, 'script.sh');
  fs.writeFileSync(script, '#!/bin/sh\necho "script: $(basename "$0") $1"\nreadlink /proc/$$/exe\n', { mode: 0o755 });
  const cmd = `exec ${script} one`;
  const native = spawnSync('/bin/sh', ['-c', cmd], { encoding: 'utf8' }).stdout;
  assert.equal(native, `script: script.sh one\n${fs.realpathSync('/bin/sh')}\n`);
  const r = runUmbra(config(host('box', [{ path: '/bin/sh', args: ['-c', cmd] }]), 'stop_time: 10 s'));
  assert.equal(r.status, 0, r.stderr + r.stdout);
  const sh = path.basename(fs.realpathSync('/bin/sh'));
  assert.equal(r.output('box', `${sh}.1000.stdout`), native);
});
