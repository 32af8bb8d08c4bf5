// Static programs: no ld.so can preload the shim into them, so umbra execs its own loader
// (native/loader/), which attaches the way the shim does, maps the program and enters it. Used by
// the configured spawn and by execve alike.
import { isStaticElf } from '../config/executable';
import { LOADER_PATH } from '../native';

/** The variable through which the loader learns which program to map (scrubbed before it runs). */
const LOADER_EXE_VAR = 'UMBRA_LOADER_EXE';

export interface NativeLaunch {
  /** What the native execve runs. */
  execPath: string;
  /** The managed environment, plus the loader's variable for a static program. */
  env: string[];
  /** The static program the loader runs, or null for a dynamic program or a script. */
  staticImage: string | null;
}

/**
 * How to start `program` (an absolute path that resolveExecutable accepted, canonically
 * `resolvedPath`) with the managed environment `env`: directly, or through the loader when it is a
 * static ELF. A path through another process's /proc entries (fexecve's /proc/<pid>/fd/N) is
 * handed to the loader as the file it names: the loader opens it after the old image is gone.
 */
export function nativeLaunch(program: string, resolvedPath: string, env: string[]): NativeLaunch {
  if (!isStaticElf(program)) return { execPath: program, env, staticImage: null };
  const image = program.startsWith('/proc/') ? resolvedPath : program;
  return { execPath: LOADER_PATH, env: [...env, `${LOADER_EXE_VAR}=${image}`], staticImage: image };
}
