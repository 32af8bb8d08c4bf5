// Processes and emulated signals with real programs: shells that fork and
// pipe, python subprocess and alarm, a C program exercising signal
// semantics, shutdown signals with their expected final states, and many
// short-lived processes (exit statuses, reaping).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { config, host, program, runProgram, runUmbra, tempDir } from '../helpers/umbra';
import { noRdtscTrap } from '../helpers/rdtsc';

const box = (processes: string) => host('box', processes);

const shellAndPython = config(
  box(`    - {path: bash, args: ["-c", "date +%s.%N; for i in 1 2 3; do echo $i | cat; sleep 1; done; date +%s.%N"]}
    - path: python3
      args: [-c, "import subprocess, signal, time\\nt = time.time(); subprocess.run(['sleep', '2']); print('subprocess took', time.time() - t)\\nsignal.signal(signal.SIGALRM, lambda s, f: print('alarm at', time.time() - t))\\nsignal.alarm(3)\\ntime.sleep(10)\\nprint('slept until', time.time() - t)"]
`),
);

test('bash for loop with a pipe and sleep: 1 2 3 in exactly 3 simulated seconds', () => {
  const r = runUmbra(shellAndPython);
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.output('box', 'bash.1000.stdout'), '946684800.000000000\n1\n2\n3\n946684803.000000000\n');
});

test('python subprocess.run(sleep 2) takes 2 s; signal.alarm(3) fires 3 s later; sleep resumes', () => {
  const r = runUmbra(shellAndPython);
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.output('box', 'python3'), 'subprocess took 2.0\nalarm at 5.0\nslept until 12.0\n');
});

test('two runs of forking, piping, signalling programs are byte-identical', () => {
  const a = runUmbra(shellAndPython);
  const b = runUmbra(shellAndPython);
  for (const f of a.files('box')) assert.equal(a.output('box', f), b.output('box', f), f);
  assert.equal(a.stdout, b.stdout);
});

test('signal semantics: EINTR, SA_RESTART, masks, pending, SIGCHLD, sigsuspend, sigtimedwait (as on Linux)', () => {
  const r = runProgram('signals');
  assert.equal(r.status, 0, r.stderr);
  assert.equal(
    r.output('box', 'signals'),
    [
      'read=-1 errno=Interrupted system call alarms=1 at 2.000',
      'restarted read=1 char=x alarms=2 at 5.000',
      'child exited=1 status=7',
      'pending usr1=1 handled=0',
      'after unblock handled=1 code=-6 own_pid=1',
      'child signaled=1 sig=15 chlds=1',
      'sigsuspend=-1 errno=Interrupted system call usr1+1 at 6.000',
      'sigtimedwait timeout=-1 errno=Resource temporarily unavailable at 6.500',
      'sigtimedwait got=10',
      '',
    ].join('\n'),
  );
});

test('shutdown signals: ignored SIGTERM keeps running, default SIGTERM and SIGKILL are reported', () => {
  const r = runUmbra(
    config(
      box(`    - {path: python3, args: [-c, "import signal, time; signal.signal(signal.SIGTERM, signal.SIG_IGN); time.sleep(100)"], shutdown_time: 2s, expected_final_state: running}
    - {path: sleep, args: "100", shutdown_time: 2s, expected_final_state: {signaled: SIGTERM}}
    - {path: sleep, args: "100", shutdown_time: 2s, shutdown_signal: SIGKILL, expected_final_state: {signaled: SIGKILL}}
    - {path: sleep, args: "100", shutdown_time: 2s}
`),
    ),
  );
  assert.equal(r.status, 1);
  assert.deepEqual(r.outcomes(), [
    { name: 'box.python3.1000', ok: true, actual: 'running' },
    { name: 'box.sleep.1001', ok: true, actual: '{signaled: SIGTERM}' },
    { name: 'box.sleep.1002', ok: true, actual: '{signaled: SIGKILL}' },
    { name: 'box.sleep.1003', ok: false, actual: '{signaled: SIGTERM}', expected: '{exited: 0}' },
  ]);
});

test("a program's SIGSEGV handler runs for real faults while the shim keeps rdtsc", { skip: noRdtscTrap }, () => {
  const r = runUmbra(config(box(`    - {path: ${program('fault_handler')}}\n`)));
  assert.equal(r.status, 0, r.stderr);
  assert.equal(
    r.output('box', 'fault_handler'),
    'caught fault at 0x10\ncaught fault at 0x18\nrdtsc still emulated: yes\n',
  );
});

test('nginx with its master/worker model serves requests and stops cleanly on SIGQUIT at shutdown_time', () => {
  const dir = tempDir();
  fs.mkdirSync(path.join(dir, 'www'));
  fs.writeFileSync(path.join(dir, 'www', 'index.html'), 'hello from nginx\n');
  fs.writeFileSync(
    path.join(dir, 'nginx.conf'),
    `user root;
daemon off;
worker_processes 2;
error_log stderr info;
pid nginx.pid;
events { worker_connections 1024; }
http {
  access_log off;
  server { listen 80; root ${path.join(dir, 'www')}; }
}
`,
  );
  const r = runUmbra(
    `general: {stop_time: 10 s, data_directory: out.data}
network: {graph: {type: 1_gbit_switch}}
hosts:
  server:
    network_node_id: 0
    processes:
    - {path: nginx, args: -c ${path.join(dir, 'nginx.conf')} -p ., shutdown_time: 8s, shutdown_signal: SIGQUIT, expected_final_state: {exited: 0}}
  client:
    network_node_id: 0
    processes:
    - {path: curl, args: -s server, start_time: 2s}
    - {path: curl, args: -s server/index.html, start_time: 3s}
`,
    [],
    { dir },
  );
  assert.equal(r.status, 0, r.stderr);
  const curls = r.files('client').filter((f) => f.endsWith('.stdout'));
  assert.equal(curls.length, 2);
  for (const f of curls) assert.equal(r.output('client', f), 'hello from nginx\n');
  const log = r.output(
    'server',
    r.files('server').find((f) => f.startsWith('nginx') && f.endsWith('.stderr')) as string,
  );
  assert.match(log, /start worker process 1001\n/);
  assert.match(log, /start worker process 1002\n/);
  assert.match(log, /signal 3 \(SIGQUIT\) received from 1, shutting down/);
  assert.match(log, /worker process 1001 exited with code 0/);
  assert.match(log, /worker process 1002 exited with code 0/);
  assert.doesNotMatch(log, /\[(alert|emerg)\]/);
});

test('python multiprocessing.Pool: forked workers, shared semaphores, a busy-polling handler thread', () => {
  const r = runUmbra(
    config(
      box(`    - path: python3
      args: [-c, "import multiprocessing as mp\\ndef f(x): return x * x\\nif __name__ == '__main__':\\n  with mp.Pool(2) as p: print(p.map(f, range(8)))"]
`),
    ),
  );
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.output('box', 'python3.1000.stdout'), '[0, 1, 4, 9, 16, 25, 36, 49]\n');
});

test('hundreds of short processes: every exit status reaches waitpid, runs identical, none left behind', () => {
  // runUmbra fails when a managed process of the run outlives umbra.
  const a = runProgram('many_exits', 'x 200');
  assert.equal(a.status, 0, a.stderr);
  assert.equal(a.output('box', 'many_exits'), 'processes=332 mismatched=0\n');
  const b = runProgram('many_exits', 'x 200');
  assert.equal(b.output('box', 'many_exits'), a.output('box', 'many_exits'));
  assert.equal(b.stdout, a.stdout);
});

test('Shadow options umbra has no switch for: accepted, one warning each naming the key', () => {
  // Each key given the value umbra does not behave as (use_preload_openssl_rng: umbra's RNG is always seeded).
  const given: Array<[string, string]> = [
    ['use_cpu_pinning', 'true'],
    ['use_sched_fifo', 'true'],
    ['use_object_counters', 'true'],
    ['use_preload_openssl_rng', 'false'],
    ['use_preload_openssl_crypto', 'true'],
    ['use_memory_manager', 'true'],
    ['use_worker_spinning', 'true'],
    ['use_dynamic_runahead', 'true'],
  ];
  const flags = given.flatMap(([key, value]) => [`--${key.replace(/_/g, '-')}`, value]);
  const r = runProgram('many_exits', 'x 1', 'stop_time: 1 min', [...flags, '--parallelism', '2']);
  assert.equal(r.status, 0, r.stderr);
  for (const [key] of given) {
    const lines = r.stdout.split('\n').filter((l) => l.includes(`experimental.${key}:`));
    assert.equal(lines.length, 1, r.stdout);
    assert.match(lines[0], /\[WARN\] .*experimental\.\w+: accepted for Shadow compatibility; has no effect$/);
  }
  // parallelism is a real setting now: no warning about it.
  assert.doesNotMatch(r.stdout, /general\.parallelism/);
  const quiet = runProgram('many_exits', 'x 1', 'stop_time: 1 min', [
    '--use-cpu-pinning',
    'false',
    '--use-preload-openssl-rng',
    'true',
    '--parallelism',
    '1',
  ]);
  assert.doesNotMatch(quiet.stdout, /no effect/);
});
