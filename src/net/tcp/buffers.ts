// Byte stores for bulk TCP: a chunked send buffer addressed by stream offset
// (segments are views into immutable bytes, copies happen only across chunk
// edges), a receive queue of payload views, and a run-based out-of-order queue.

const EMPTY = new Uint8Array(0);

/** Bytes per send-buffer chunk; big enough that per-chunk work is negligible. */
const CHUNK_BYTES = 64 * 1024;

/**
 * Holds unacknowledged plus unsent bytes, addressed by absolute stream offset.
 * Bytes once written are never modified (new data only lands past a chunk's
 * fill mark), so views handed out stay valid however long a segment lives.
 */
export class SendBuffer {
  private chunks: Uint8Array[] = [];
  private fill: number[] = [];
  private headIndex = 0;
  /** Stream offset of chunks[headIndex][0]. */
  private headChunkOffset = 0;
  /** Stream offset of the first byte still held (the oldest unacknowledged byte). */
  private startOffset = 0;
  private endOffsetValue = 0;

  /** Stream offset just past the last byte written. */
  get endOffset(): number {
    return this.endOffsetValue;
  }
  get start(): number {
    return this.startOffset;
  }
  /** Bytes held (unacknowledged plus unsent). */
  get length(): number {
    return this.endOffsetValue - this.startOffset;
  }

  append(data: Uint8Array): void {
    let from = 0;
    while (from < data.length) {
      const n = this.reserve(data.length - from);
      this.reservedChunk.set(data.subarray(from, from + n), this.reservedAt);
      this.commit(n);
      from += n;
    }
  }

  /** The chunk and offset of the room that the last reserve() found. */
  reservedChunk: Uint8Array = EMPTY;
  reservedAt = 0;

  /**
   * Finds room for up to `max` new bytes in one chunk (a new chunk when the
   * last is full): the caller fills reservedChunk from reservedAt, for the
   * returned count at most, and then commits what it wrote. Filling the chunk
   * directly spares a copy of every byte sent.
   */
  reserve(max: number): number {
    let last = this.chunks.length - 1;
    if (last < this.headIndex || this.fill[last] === CHUNK_BYTES) {
      this.chunks.push(new Uint8Array(CHUNK_BYTES));
      this.fill.push(0);
      last += 1;
    }
    const used = this.fill[last]!;
    this.reservedChunk = this.chunks[last]!;
    this.reservedAt = used;
    return Math.min(CHUNK_BYTES - used, max);
  }

  /** Appends the first n bytes of the last reserve()'s room. */
  commit(n: number): void {
    const last = this.chunks.length - 1;
    if (n < 0 || this.chunks[last] !== this.reservedChunk || this.fill[last]! + n > CHUNK_BYTES) {
      throw new Error(`tcp: send buffer commit of ${n} bytes without room reserved`);
    }
    this.fill[last] = this.fill[last]! + n;
    this.endOffsetValue += n;
  }

  /** Returns bytes [offset, offset + len): a view when they sit in one chunk, else a copy. */
  read(offset: number, len: number): Uint8Array {
    if (offset < this.startOffset || offset + len > this.endOffsetValue || len < 0) {
      throw new Error(`tcp: send buffer read ${offset}+${len} outside [${this.startOffset}, ${this.endOffsetValue})`);
    }
    const rel = offset - this.headChunkOffset;
    let index = this.headIndex + Math.floor(rel / CHUNK_BYTES);
    let within = rel % CHUNK_BYTES;
    if (within + len <= CHUNK_BYTES) return this.chunks[index]!.subarray(within, within + len);
    const out = new Uint8Array(len);
    let done = 0;
    while (done < len) {
      const n = Math.min(CHUNK_BYTES - within, len - done);
      out.set(this.chunks[index]!.subarray(within, within + n), done);
      done += n;
      index += 1;
      within = 0;
    }
    return out;
  }

  /** Forgets bytes before `offset` (they were acknowledged). */
  release(offset: number): void {
    if (offset < this.startOffset || offset > this.endOffsetValue) {
      throw new Error(`tcp: send buffer release to ${offset} outside [${this.startOffset}, ${this.endOffsetValue}]`);
    }
    this.startOffset = offset;
    // Drop whole chunks that lie entirely before the new start; a chunk that is
    // still being filled (the tail) is never dropped while bytes remain.
    while (this.headIndex < this.chunks.length && this.headChunkOffset + CHUNK_BYTES <= offset) {
      if (this.headIndex === this.chunks.length - 1 && this.fill[this.headIndex]! < CHUNK_BYTES) break;
      this.chunks[this.headIndex] = EMPTY;
      this.headIndex += 1;
      this.headChunkOffset += CHUNK_BYTES;
    }
    if (this.headIndex > 64 && this.headIndex * 2 > this.chunks.length) {
      this.chunks = this.chunks.slice(this.headIndex);
      this.fill = this.fill.slice(this.headIndex);
      this.headIndex = 0;
    }
  }
}

/** In-order received bytes waiting for the application, kept as the payload views that carried them. */
export class ReceiveQueue {
  private pieces: Uint8Array[] = [];
  private headIndex = 0;
  /** Bytes of pieces[headIndex] already consumed. */
  private headSkip = 0;
  private lengthValue = 0;

  get length(): number {
    return this.lengthValue;
  }

  push(data: Uint8Array): void {
    if (data.length === 0) return;
    this.pieces.push(data);
    this.lengthValue += data.length;
  }

  pushAll(list: readonly Uint8Array[]): void {
    for (const p of list) this.push(p);
  }

  /** Copies up to into.length bytes into `into`; consumes them unless peeking. */
  read(into: Uint8Array, consume: boolean): number {
    let done = 0;
    let index = this.headIndex;
    let skip = this.headSkip;
    while (done < into.length && index < this.pieces.length) {
      const piece = this.pieces[index]!;
      const n = Math.min(piece.length - skip, into.length - done);
      into.set(piece.subarray(skip, skip + n), done);
      done += n;
      skip += n;
      if (skip === piece.length) {
        index += 1;
        skip = 0;
      }
    }
    if (consume) {
      for (let i = this.headIndex; i < index; i++) this.pieces[i] = EMPTY;
      this.headIndex = index;
      this.headSkip = skip;
      this.lengthValue -= done;
      if (this.headIndex > 1024 && this.headIndex * 2 > this.pieces.length) {
        this.pieces = this.pieces.slice(this.headIndex);
        this.headIndex = 0;
      }
    }
    return done;
  }

  clear(): void {
    this.pieces = [];
    this.headIndex = 0;
    this.headSkip = 0;
    this.lengthValue = 0;
  }
}

/** A contiguous run of out-of-order bytes [start, end) in absolute stream positions. */
interface Run {
  start: number;
  end: number;
  pieces: Uint8Array[];
  /** Arrival counter of the most recent piece, so SACK can report the newest block first. */
  touched: number;
}

/**
 * Out-of-order data above rcv_nxt, kept as a few disjoint runs (one per hole)
 * so inserting the common case (extending the newest run) and listing SACK
 * blocks are both cheap.
 */
export class OutOfOrderQueue {
  private runs: Run[] = [];
  private bytes = 0;
  private counter = 0;

  get length(): number {
    return this.bytes;
  }
  get isEmpty(): boolean {
    return this.runs.length === 0;
  }
  get runCount(): number {
    return this.runs.length;
  }

  /** Stores the parts of [start, start + data.length) not already held. */
  insert(start: number, data: Uint8Array): void {
    const end = start + data.length;
    if (data.length === 0) return;
    this.counter += 1;
    const last = this.runs[this.runs.length - 1];
    if (last !== undefined && start === last.end) {
      // the steady state while a hole is outstanding: the next in-order segment above it
      last.pieces.push(data);
      last.end = end;
      last.touched = this.counter;
      this.bytes += data.length;
      return;
    }
    // General case: add the uncovered sub-ranges as new runs, then merge neighbours.
    let cursor = start;
    const added: Run[] = [];
    for (const run of this.runs) {
      if (run.end <= cursor) continue;
      if (run.start >= end) break;
      if (run.start > cursor) {
        added.push({
          start: cursor,
          end: run.start,
          pieces: [data.subarray(cursor - start, run.start - start)],
          touched: this.counter,
        });
      }
      cursor = Math.max(cursor, run.end);
      if (cursor >= end) break;
      run.touched = this.counter;
    }
    if (cursor < end)
      added.push({ start: cursor, end, pieces: [data.subarray(cursor - start)], touched: this.counter });
    if (added.length === 0) return;
    for (const r of added) this.bytes += r.end - r.start;
    const all = this.runs.concat(added).sort((a, b) => a.start - b.start);
    const merged: Run[] = [];
    for (const r of all) {
      const prev = merged[merged.length - 1];
      if (prev !== undefined && prev.end === r.start) {
        prev.end = r.end;
        for (const p of r.pieces) prev.pieces.push(p);
        prev.touched = Math.max(prev.touched, r.touched);
      } else {
        merged.push(r);
      }
    }
    this.runs = merged;
  }

  /**
   * Removes and returns the data that is now in order at `pos`, trimming
   * anything below it. Returns the pieces and the new in-order position.
   */
  takeInOrder(pos: number): { pieces: Uint8Array[]; next: number } {
    const pieces: Uint8Array[] = [];
    let next = pos;
    while (this.runs.length > 0) {
      const run = this.runs[0]!;
      if (run.start > next) break;
      this.runs.shift();
      this.bytes -= run.end - run.start;
      if (run.end <= next) continue;
      let at = run.start;
      for (const p of run.pieces) {
        const pEnd = at + p.length;
        if (pEnd > next) pieces.push(at >= next ? p : p.subarray(next - at));
        at = pEnd;
      }
      next = run.end;
    }
    return { pieces, next };
  }

  /** Up to `max` runs as [start, end), the most recently extended first (RFC 2018 §4). */
  blocks(max: number): Array<{ start: number; end: number }> {
    const sorted = [...this.runs].sort((a, b) => b.touched - a.touched);
    return sorted.slice(0, max).map((r) => ({ start: r.start, end: r.end }));
  }

  clear(): void {
    this.runs = [];
    this.bytes = 0;
  }
}
