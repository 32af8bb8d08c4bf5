// Where the simulator writes its own text: the log on standard output, the
// progress line and the summary on standard error. A write that fails (a
// closed pipe as in `umbra cfg.yaml | head`, a full disk, /dev/full) must not
// end the run: the sink stops writing, counts what it drops, and says so once
// the run is over.
import { writeSync } from 'node:fs';

/** Errno codes in words, for messages a user reads. */
const REASONS: Record<string, string> = {
  EPIPE: 'the reader closed the pipe',
  ENOSPC: 'no space left on the device',
  EDQUOT: 'disk quota exceeded',
  EIO: 'input/output error',
  EBADF: 'the descriptor is not open',
  EFBIG: 'the file is too large',
  EROFS: 'read-only file system',
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  ENOENT: 'no such file or directory',
  ENOTDIR: 'not a directory',
  EISDIR: 'is a directory',
  EEXIST: 'already exists',
  ENAMETOOLONG: 'file name too long',
  ELOOP: 'too many levels of symbolic links',
};

/** `no space left on the device (ENOSPC)` for an errno error; the message for anything else. */
export function describeIoError(err: unknown): string {
  const code = errnoCode(err);
  if (code !== undefined) return `${REASONS[code] ?? 'error'} (${code})`;
  return err instanceof Error ? err.message : String(err);
}

export function errnoCode(err: unknown): string | undefined {
  if (typeof err === 'object' && err !== null && 'code' in err && typeof err.code === 'string') return err.code;
  return undefined;
}

// A non-blocking descriptor (a pipe Node put in O_NONBLOCK mode) says EAGAIN when
// full; the writer waits for the reader rather than dropping text.
const pause = new Int32Array(new SharedArrayBuffer(4));
const EAGAIN_WAIT_MS = 1;
const EAGAIN_GIVE_UP_MS = 60_000;

export class TextSink {
  /** Why writing stopped, or null while it works. */
  failure: string | null = null;
  /** Lines not written since writing failed (the failed write's included). */
  droppedLines = 0;

  constructor(
    readonly fd: number,
    /** What the descriptor is, for the summary: 'standard output'. */
    readonly name: string,
  ) {}

  /** Writes all of `text`; false (and nothing thrown) once the descriptor has failed. */
  write(text: string): boolean {
    if (this.failure !== null) {
      this.droppedLines += countLines(text);
      return false;
    }
    try {
      // The common case, a whole string in one call, allocates nothing more.
      const written = writeSync(this.fd, text);
      if (written < Buffer.byteLength(text)) this.writeRest(Buffer.from(text).subarray(written));
      return true;
    } catch (err) {
      if (errnoCode(err) !== 'EAGAIN') return this.fail(err, text);
    }
    try {
      this.writeRest(Buffer.from(text));
      return true;
    } catch (err) {
      return this.fail(err, text);
    }
  }

  private fail(err: unknown, text: string): false {
    this.failure = describeIoError(err);
    this.droppedLines += countLines(text);
    return false;
  }

  private writeRest(rest: Buffer): void {
    let waitedMs = 0;
    while (rest.length > 0) {
      try {
        rest = rest.subarray(writeSync(this.fd, rest));
      } catch (err) {
        if (errnoCode(err) !== 'EAGAIN' || waitedMs >= EAGAIN_GIVE_UP_MS) throw err;
        Atomics.wait(pause, 0, 0, EAGAIN_WAIT_MS);
        waitedMs += EAGAIN_WAIT_MS;
      }
    }
  }

  /** One line for the summary when writing failed: `<what> could not be written to standard output: …`. */
  report(what: string): string | null {
    if (this.failure === null) return null;
    const lost = this.droppedLines === 1 ? '1 line was' : `${this.droppedLines} lines were`;
    return `${what} could not be written to ${this.name}: ${this.failure}; ${lost} dropped`;
  }
}

function countLines(text: string): number {
  let n = 0;
  for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) n++;
  return Math.max(n, 1);
}

/** The process's standard output and error, shared by everything that writes to them. */
export const STDOUT = new TextSink(1, 'standard output');
export const STDERR = new TextSink(2, 'standard error');
