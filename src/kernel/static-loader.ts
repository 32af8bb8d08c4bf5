// Static programs: no ld.so can preload the shim into them, so umbra execs its own loader
// (native/loader/), which attaches the way the shim does, maps the program and enters it. Used by
// the configured spawn and by execve alike.
import * as fs from 'node:fs';
import { isStaticElf, staticInterpreter } from '../config/executable';
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
 * What starting `program` takes, from its file alone: run it as it is, or map
 * `image` with the loader, as a static ELF or as the static interpreter of a #!
 * script (`interpreter`: how the script names it, and its one argument).
 */
export type LaunchShape =
  | { kind: 'plain' }
  | { kind: 'static'; image: string }
  | { kind: 'script'; image: string; written: string; arg: string | null };

function readable(file: string): boolean {
  try {
    fs.accessSync(file, fs.constants.R_OK);
    return fs.statSync(file).isFile();
  } catch {
    return false;
  }
}

/**
 * Inspects `program` (an absolute path that resolveExecutable accepted, canonically
 * `resolvedPath`). A path through another process's /proc entries (fexecve's /proc/<pid>/fd/N)
 * is handed to the loader as the file it names: the loader opens it after the old image is gone.
 */
export function launchShape(program: string, resolvedPath: string, cwd: string): LaunchShape {
  // A program that can no longer be read (deleted, made unreadable since the configuration was
  // loaded) is started as it is: its exec then fails with the kernel's errno, as on Linux.
  if (!readable(program)) return { kind: 'plain' };
  if (isStaticElf(program)) return { kind: 'static', image: program.startsWith('/proc/') ? resolvedPath : program };
  const interpreter = staticInterpreter(program, cwd);
  if (interpreter === null) return { kind: 'plain' };
  return { kind: 'script', image: interpreter.located, written: interpreter.written, arg: interpreter.arg };
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
      return { execPath: program, argv, env, staticImage: null };
    case 'static':
      return {
        execPath: LOADER_PATH,
        argv,
        env: [...env, `${LOADER_EXE_VAR}=${shape.image}`],
        staticImage: shape.image,
      };
    case 'script': {
      const args = [shape.written, ...(shape.arg === null ? [] : [shape.arg]), program, ...argv.slice(1)];
      return {
        execPath: LOADER_PATH,
        argv: args,
        env: [...env, `${LOADER_EXE_VAR}=${shape.image}`],
        staticImage: shape.image,
      };
    }
  }
}
