// Static programs: no ld.so can preload the shim into them, so umbra execs its own loader
// (native/loader/), which attaches the way the shim does, maps the program and enters it. Used by
// the configured spawn and by execve alike.
import * as fs from 'node:fs';
import { isElf, isStaticElf, scriptInterpreter } from '../config/executable';
import { LOADER_PATH } from '../native';

/** The variable through which the loader learns which program to map (scrubbed before it runs). */
const LOADER_EXE_VAR = 'UMBRA_LOADER_EXE';

export interface NativeLaunch {
  /** What the native execve runs, and with which arguments. */
  execPath: string;
  argv: string[];
  /** The managed environment, plus the loader's variable for a static program. */
  env: string[];
  /** The static program the loader runs, or null for a dynamic program or a script. */
  staticImage: string | null;
}

/**
 * What starting `program` takes, from its file alone: run it as it is, or map `image` with the
 * loader (a static ELF, or a #! script's interpreter: `written` as the script names it, its one
 * argument `arg`); `exe` is the canonical file, what /proc/<pid>/exe names.
 */
export type LaunchShape =
  | { kind: 'plain' }
  | { kind: 'dynamic' }
  | { kind: 'static'; image: string; exe: string }
  | { kind: 'script'; image: string; exe: string; written: string; arg: string | null }
  /** A script whose interpreter is a dynamic ELF: the kernel runs it, or the loader in place. */
  | { kind: 'dynamic-script'; image: string; exe: string; written: string; arg: string | null };

/**
 * Starting `program` in place of the image of a process that keeps its seccomp filter: always
 * through the loader (its first instructions must make their syscalls from the raw page); a
 * dynamic program is mapped with its interpreter there. Null for what the loader cannot start (a
 * script whose interpreter is not an ELF, an unreadable file): those get a new native process.
 */
export function inPlaceLaunch(
  program: string,
  resolvedPath: string,
  argv: string[],
  env: string[],
  shape: LaunchShape,
): NativeLaunch | null {
  switch (shape.kind) {
    case 'plain':
      return null;
    case 'dynamic':
      return throughLoader(argv, env, program.startsWith('/proc/') ? resolvedPath : program, resolvedPath);
    case 'static':
      return throughLoader(argv, env, shape.image, shape.exe);
    case 'script':
    case 'dynamic-script':
      return throughLoader(scriptArgv(shape, program, argv), env, shape.image, shape.exe);
  }
}

/** The loader mapping `image` (canonically `exe`) with `argv`. */
function throughLoader(argv: string[], env: string[], image: string, exe: string): NativeLaunch {
  return { execPath: LOADER_PATH, argv, env: [...env, `${LOADER_EXE_VAR}=${image}`], staticImage: exe };
}

/** What the kernel runs for a script: the interpreter as the script names it, its argument, the script. */
function scriptArgv(shape: { written: string; arg: string | null }, program: string, argv: string[]): string[] {
  return [shape.written, ...(shape.arg === null ? [] : [shape.arg]), program, ...argv.slice(1)];
}

/** What a file is, for starting it: 'unreadable' also covers missing files and non-files. */
type FileClass = 'unreadable' | 'static' | 'dynamic' | 'other';

/**
 * Classes of the files started so far, each with the identity of the file it was read from
 * (device, inode, size, modification and change times: a rewrite, rename over or chmod changes
 * one). A 10 000-host run starts the same program 10 000 times; without this each start opened
 * and read it three times on the simulator's thread.
 */
const fileClasses = new Map<string, { identity: string; cls: Exclude<FileClass, 'unreadable'> }>();

function fileClass(file: string): FileClass {
  let st: fs.BigIntStats | undefined;
  try {
    st = fs.statSync(file, { bigint: true, throwIfNoEntry: false });
  } catch {
    return 'unreadable';
  }
  if (st === undefined || !st.isFile()) return 'unreadable';
  // /proc/<pid>/fd/N names whatever that descriptor holds now: never remembered.
  const remember = !file.startsWith('/proc/');
  const identity = `${st.dev}:${st.ino}:${st.size}:${st.mtimeNs}:${st.ctimeNs}`;
  const known = remember ? fileClasses.get(file) : undefined;
  if (known !== undefined && known.identity === identity) return known.cls;
  try {
    fs.accessSync(file, fs.constants.R_OK);
  } catch {
    return 'unreadable';
  }
  const cls = isStaticElf(file) ? 'static' : isElf(file) ? 'dynamic' : 'other';
  if (remember) fileClasses.set(file, { identity, cls });
  return cls;
}

/**
 * Inspects `program` (an absolute path that resolveExecutable accepted, canonically
 * `resolvedPath`). A path through another process's /proc entries (fexecve's /proc/<pid>/fd/N)
 * is handed to the loader as the file it names: the loader opens it after the old image is gone.
 */
export function launchShape(program: string, resolvedPath: string, cwd: string): LaunchShape {
  // A program that can no longer be read (deleted, made unreadable since the configuration was
  // loaded) is started as it is: its exec then fails with the kernel's errno, as on Linux.
  const cls = fileClass(program);
  if (cls === 'unreadable') return { kind: 'plain' };
  if (cls === 'static') {
    return { kind: 'static', image: program.startsWith('/proc/') ? resolvedPath : program, exe: resolvedPath };
  }
  if (cls === 'dynamic') return { kind: 'dynamic' };
  const interpreter = scriptInterpreter(program, cwd);
  if (interpreter === null) return { kind: 'plain' };
  const exe = fs.realpathSync(interpreter.located);
  const named = { image: interpreter.located, exe, written: interpreter.written, arg: interpreter.arg };
  const interpreterClass = fileClass(interpreter.located);
  if (interpreterClass === 'static') return { kind: 'script', ...named };
  return interpreterClass === 'dynamic' ? { kind: 'dynamic-script', ...named } : { kind: 'plain' };
}

/**
 * How to start `program` with `argv` and the managed environment `env`: directly, or through
 * the loader (for a script, the loader then does what the kernel does: the interpreter as
 * argv[0], its argument, the script's path).
 */
export function nativeLaunch(
  program: string,
  resolvedPath: string,
  argv: string[],
  env: string[],
  cwd: string,
  shape: LaunchShape = launchShape(program, resolvedPath, cwd),
): NativeLaunch {
  switch (shape.kind) {
    case 'plain':
    case 'dynamic':
    case 'dynamic-script':
      return { execPath: program, argv, env, staticImage: null };
    case 'static':
      return throughLoader(argv, env, shape.image, shape.exe);
    case 'script':
      return throughLoader(scriptArgv(shape, program, argv), env, shape.image, shape.exe);
  }
}
