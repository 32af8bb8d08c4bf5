// The JVM (Debian's default JDK) under the default configuration: an HTTP
// server and client on two hosts, java.util.concurrent timers and futures at
// exact simulated times, and garbage collections while a thread busy-waits on
// System.nanoTime. The Java sources (tests/programs/java) are compiled by
// javac, natively, into a temp dir.
//
// Every JVM runs with -XX:-UsePerfData. Without it the JVM keeps its
// statistics in /tmp/hsperfdata_<user>/<pid>, named by its pid: programs see
// virtual pids, which repeat on every host while all hosts share /tmp, and at
// start-up the JVM deletes the files of pids that kill(pid, 0) says are gone,
// which under umbra are all the real JVMs of the same user on the machine.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { config, host, REPO, runUmbra, SLOW_HANG_TIMEOUT_MS, tempDir, which } from '../helpers/umbra';

const JAVA_SOURCES = path.join(REPO, 'tests', 'programs', 'java');

/** Compiles tests/programs/java/<name>.java files into a new temp dir and returns it (the class path). */
function compile(...names: string[]): string {
  const dir = tempDir('umbra-java-');
  const r = spawnSync(which('javac'), ['-d', dir, ...names.map((n) => path.join(JAVA_SOURCES, `${n}.java`))], {
    encoding: 'utf8',
  });
  assert.equal(r.status, 0, r.stderr);
  return dir;
}

/** A java process line running class `main` from class path `cp`. */
function java(cp: string, main: string, args: string[] = [], startTime?: string) {
  return {
    path: which('java'),
    args: ['-XX:-UsePerfData', '-cp', cp, main, ...args],
    ...(startTime === undefined ? {} : { start_time: startTime }),
  };
}

const run = (yaml: string) => runUmbra(yaml, [], { timeoutMs: SLOW_HANG_TIMEOUT_MS });

test('java: com.sun.net.httpserver on one host answers 10 requests of java.net.http.HttpClient on another', () => {
  const cp = compile('HttpEchoServer', 'HttpEchoClient');
  const yaml = config(
    host('server', [java(cp, 'HttpEchoServer', ['10'])], 0) +
      host('client', [java(cp, 'HttpEchoClient', ['server', '10'], '2 s')], 1),
    'stop_time: 60 s',
    { nodes: 2, bandwidth: '100 Mbit', latency: '10 ms' },
  );
  const outputs = [run(yaml), run(yaml)].map((r) => {
    assert.equal(r.status, 0, r.stderr);
    return [r.output('server', 'java'), r.output('client', 'java')];
  });
  const [server, client] = outputs[0];
  const served = server.trim().split('\n');
  assert.equal(served[0], 'listening');
  assert.equal(served.length, 11, server);
  const answers = client.trim().split('\n');
  assert.equal(answers.length, 10, client);
  let lastMs = 0;
  answers.forEach((line, i) => {
    const m = new RegExp(`^200 hello /r${i} at (\\d+) ms$`).exec(line);
    assert.ok(m, line);
    assert.match(served[i + 1], new RegExp(`^served /r${i} at \\d+ ms$`));
    // Each answer takes at least a round trip (20 ms) after the one before.
    assert.ok(Number(m[1]) >= lastMs + 20, `${line} after ${lastMs} ms`);
    lastMs = Number(m[1]);
  });
  assert.deepEqual(outputs[1], outputs[0], 'the same output in a second run');
});

test('java: ScheduledExecutorService and CompletableFuture run at exact simulated times', () => {
  const cp = compile('Sched');
  const r = run(config(host('box', [java(cp, 'Sched')]), 'stop_time: 60 s'));
  assert.equal(r.status, 0, r.stderr);
  assert.equal(
    r.output('box', 'java'),
    [
      '100 ms tick 0',
      '300 ms tick 1',
      '500 ms tick 2',
      '700 ms tick 3',
      '900 ms tick 4',
      '900 ms ticks done',
      '1200 ms slept 300 for a',
      '1400 ms slept 500 for b',
      '1650 ms result abc',
      '2650 ms scheduled late',
      '2650 ms terminated true',
      '',
    ].join('\n'),
  );
});

test('java: threads allocating through many collections while the main thread busy-waits on System.nanoTime', () => {
  const cp = compile('Busy');
  const r = run(
    config(host('box', [{ ...java(cp, 'Busy'), args: ['-Xmx64m', ...java(cp, 'Busy').args] }]), 'stop_time: 60 s'),
  );
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.output('box', 'java'), 'spun 200 ms, true\nworkers done, allocated 2047987712 bytes\n');
});
