// Starting a configured process: its simulated process and first thread, the
// environment that loads the shim, its output files, and the native spawn
// through the addon. Ends with the thread running up to its first block.
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { ProcessConfig } from '../config/types';
import type { Host } from '../host/host';
import type { Process } from '../host/process';
import type { Thread } from '../host/thread';
import { SHIM_PATH, WAIT_RESULT } from '../native';
import { watchSilentThread } from './watchdog';
import { nativeLaunch } from './static-loader';
import { diedBeforeStart } from './run-loop';
import type { Kernel } from './kernel';

/** Size of the auxiliary vector's AT_RANDOM block (Linux: 16 bytes). */
const AT_RANDOM_BYTES = 16;

/**
 * The environment a managed program starts with: the shim first in LD_PRELOAD, our channel, the
 * simulated hosts file (never taken from the shared region, which every managed program can write).
 */
export function managedEnv(
  env: Array<[string, string]>,
  slot: number,
  hostsFilePath = '',
  preloadLibc = false,
): string[] {
  const userPreload = env.find(([k]) => k === 'LD_PRELOAD')?.[1];
  const preload = [SHIM_PATH, ...(userPreload ? userPreload.split(':').filter((x) => x && x !== SHIM_PATH) : [])];
  const out = env.filter(([k]) => k !== 'LD_PRELOAD' && !k.startsWith('UMBRA_')).map(([k, v]) => `${k}=${v}`);
  // use_preload_libc rides on UMBRA_CHANNEL: the shim must remove an even count (shim.c, scrub_environment).
  out.push(`LD_PRELOAD=${preload.join(':')}`, `UMBRA_CHANNEL=${slot}${preloadLibc ? ',l' : ''}`);
  if (hostsFilePath !== '') out.push(`UMBRA_HOSTS_FILE=${hostsFilePath}`);
  return out;
}

/**
 * Draws a new image's AT_RANDOM bytes from the host's seeded RNG into t's channel, where the shim
 * finds them after START (it rewrites AT_RANDOM with them), and returns a view of them for the
 * addon, which writes the same bytes before the loader runs: one draw, one value.
 */
export function seedAtRandom(k: Kernel, t: Thread): Uint8Array {
  const off = t.chOff + k.shm.layout.chRandom;
  t.process.host.rng.fill(k.shm.u8, off, AT_RANDOM_BYTES);
  return k.shm.u8.subarray(off, off + AT_RANDOM_BYTES);
}

/**
 * Starts a configured process now. Returns the process (possibly already
 * ended), or null when the shared region has no free process or thread slot
 * (the launcher's fork failing with EAGAIN): the run goes on without it.
 */
export function spawnConfigured(k: Kernel, host: Host, cfg: ProcessConfig): Process | null {
  const exe = path.basename(cfg.resolvedPath);
  if (!k.procSlots.hasFree() || !k.threadSlots.hasFree()) {
    k.log.error(host.name, `cannot start ${cfg.path}: every process or thread slot is in use (EAGAIN)`);
    return null;
  }
  const p = k.newProcess(host, 1, exe, cfg);
  const vpid = p.vpid;
  const t = k.newThread(p, vpid);
  // The located path, not the realpath: a wrapper behind a symlink dispatches on its name.
  const launch = nativeLaunch(
    cfg.execPath ?? cfg.resolvedPath,
    cfg.resolvedPath,
    [cfg.path, ...cfg.args],
    k.managedEnv(cfg.environment, t.slot),
    host.dir,
  );
  p.staticImage = launch.staticImage;
  const out = path.join(host.dir, `${exe}.${vpid}.stdout`);
  const err = path.join(host.dir, `${exe}.${vpid}.stderr`);
  if (k.opts.straceLoggingMode !== 'off') {
    p.straceFd = fs.openSync(path.join(host.dir, `${exe}.${vpid}.strace`), 'w');
    k.straceFds.push(p.straceFd);
  }
  const atRandom = seedAtRandom(k, t);
  const messages = {
    started: `${p.name}: started ${cfg.path} ${cfg.args.join(' ')}`,
    failed: `${p.name}: cannot start ${cfg.resolvedPath}`,
  };
  if (k.sched.canPostStart()) {
    // Created, exec'd and traced to its first instruction on the spawner thread while other hosts run.
    k.spawnPosted(t, launch, { cwd: host.dir, stdout: out, stderr: err }, atRandom, messages);
    return p;
  }
  const pid = k.addon.spawn(launch.execPath, launch.argv, launch.env, host.dir, out, err, atRandom);
  if (pid < 0) {
    notStarted(k, p, messages.failed, -pid);
    return p;
  }
  k.attachNative(p, pid);
  k.log.debug(host.name, messages.started);
  let waited = k.addon.waitRequest(t.slot, pid, k.opts.watchdogTimeoutNs);
  if (waited === WAIT_RESULT.STILL_WAITING) waited = watchSilentThread(k, t, pid);
  if (waited === WAIT_RESULT.DIED) {
    diedBeforeStart(k, t);
    return p;
  }
  k.runThread(t);
  return p;
}

/** p's exec failed with errno (`failed` says what could not start): logged, and p ends as exit 127. */
export function notStarted(k: Kernel, p: Process, failed: string, errno: number): void {
  k.log.error(p.host.name, `${failed}: errno ${errno}`);
  p.waitStatus = 127 << 8;
  k.endProcess(p);
}
