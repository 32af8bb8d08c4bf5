// Byte copies for the syscall hot path. Buffer#copy and TypedArray#set of a
// subarray build a view object per call; a small copy is cheaper as a loop.

/** Below this many bytes a loop beats set() of a subarray, which allocates a view. */
const SMALL_COPY_BYTES = 64;

/** Copies len bytes from src[from..] to dst[to..] (non-overlapping, or dst before src). */
export function copyBytes(src: Uint8Array, from: number, dst: Uint8Array, to: number, len: number): void {
  if (len <= SMALL_COPY_BYTES) {
    for (let i = 0; i < len; i++) dst[to + i] = src[from + i];
  } else {
    dst.set(src.subarray(from, from + len), to);
  }
}
