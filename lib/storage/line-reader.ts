import { readRange, readRangeInto } from './files.js';
import type { Rooted } from './files.js';

/*
 * Lines of a file read in chunks through `readRange`, never as one string, so that a log larger than
 * V8's string limit is read at all, and a read of its tail costs only the tail. Lines are split on the
 * byte 10 (`\n`), which never occurs inside a UTF-8 sequence, and decoded one by one; a `\r` before it
 * stays in the line, as `text.split('\n')` would leave it.
 */

/** One line: its text without the `\n`, and the byte offset where it starts. */
export interface FileLine {
  text: string;
  offset: number;
}

/** Bytes read per chunk backwards: a tail of 20 events is about 4 KiB. */
export const BACKWARD_CHUNK = 64 * 1024;
/**
 * Bytes read per chunk forwards. Small enough that a chunk's decoded text is an ordinary young-generation
 * string: V8 puts larger strings in its large-object space, which only a full collection frees, so
 * streaming a log in 1 MiB chunks grew the heap by much of the log before anything was collected.
 */
export const FORWARD_CHUNK = 64 * 1024;

const NEWLINE = 10;
const joined = (pieces: Buffer[]) => (pieces.length === 1 ? pieces[0]! : Buffer.concat(pieces));

/**
 * The lines of `[from, to)` from the last to the first, as `text.split('\n')` would give them reversed:
 * a file ending with `\n` yields an empty line first. Stop early by leaving the loop.
 */
export function* readLinesBackward(
  ws: Rooted,
  path: string,
  from: number,
  to: number,
  chunk = BACKWARD_CHUNK,
): Generator<FileLine> {
  for (const block of readLineBlocksBackward(ws, path, from, to, chunk)) yield* block.lines();
}

/** Some consecutive lines of a file: their text (joined by `\n`), and the lines themselves, last first. */
export interface LineBlock {
  text: string;
  lines: () => Iterable<FileLine>;
}

/**
 * The lines of `[from, to)` as readLinesBackward gives them, in blocks (the whole lines of a chunk,
 * decoded at once; a line that spans chunks on its own), so that a caller looking for a few lines can
 * pass over a block after one search of its text instead of a step per line.
 */
export function* readLineBlocksBackward(
  ws: Rooted,
  path: string,
  from: number,
  to: number,
  chunk = BACKWARD_CHUNK,
): Generator<LineBlock> {
  const single = (line: FileLine): LineBlock => ({ text: line.text, lines: () => [line] });
  let pending: Buffer[] = [];
  let pos = to;
  while (pos > from) {
    const start = Math.max(from, pos - chunk);
    const buffer = readRange(ws, path, start, pos - start);
    pos = start;
    const last = buffer.lastIndexOf(NEWLINE);
    if (last === -1) {
      pending.unshift(buffer);
      continue;
    }
    yield single({
      text: joined([buffer.subarray(last + 1), ...pending]).toString('utf8'),
      offset: start + last + 1,
    });
    const first = buffer.indexOf(NEWLINE);
    pending = [buffer.subarray(0, first)];
    if (first < last)
      yield {
        // Decoded when asked for: readLinesBackward only wants the lines.
        get text() {
          return buffer.toString('utf8', first + 1, last);
        },
        lines: () => wholeLinesBackward(buffer, start, first + 1, last),
      };
  }
  yield single({ text: pending.length === 0 ? '' : joined(pending).toString('utf8'), offset: from });
}

/** The lines of `buffer[begin, end)` (which ends before a newline) from the last, `base` being its offset. */
function* wholeLinesBackward(buffer: Buffer, base: number, begin: number, end: number): Generator<FileLine> {
  const text = buffer.toString('utf8', begin, end);
  const bytes = end - begin;
  if (text.length === bytes && Buffer.byteLength(text) === bytes) {
    // ASCII, as event lines nearly always are: decoded at once, each character one byte.
    let stop = text.length;
    for (;;) {
      const at = stop === 0 ? -1 : text.lastIndexOf('\n', stop - 1);
      yield { text: text.slice(at + 1, stop), offset: base + begin + at + 1 };
      if (at === -1) return;
      stop = at;
    }
  }
  let stop = end;
  for (;;) {
    // lastIndexOf counts a negative start from the end: never pass it one
    const at = stop === begin ? -1 : buffer.lastIndexOf(NEWLINE, stop - 1);
    const lineStart = at >= begin ? at + 1 : begin;
    yield { text: buffer.toString('utf8', lineStart, stop), offset: base + lineStart };
    if (at < begin) return;
    stop = at;
  }
}

/**
 * The lines of `[from, to)` in order, as `text.split('\n')` gives them: a last line without its `\n` is
 * yielded too (an empty one after a final `\n`).
 */
export function* readLinesForward(
  ws: Rooted,
  path: string,
  from: number,
  to: number,
  chunk = FORWARD_CHUNK,
): Generator<string> {
  // The pieces of the line whose end is not reached yet, copied out of the reused chunk buffer.
  let pending: Buffer[] = [];
  let pos = from;
  const chunkBuffer = Buffer.allocUnsafe(Math.max(1, Math.min(chunk, to - from)));
  while (pos < to) {
    const length = Math.min(chunkBuffer.length, to - pos);
    const read = readRangeInto(
      ws,
      path,
      pos,
      length === chunkBuffer.length ? chunkBuffer : chunkBuffer.subarray(0, length),
    );
    if (read === 0) break; // the file shrank under us: what was read is all there is
    const buffer = chunkBuffer.subarray(0, read);
    pos += read;
    const first = buffer.indexOf(NEWLINE);
    if (first === -1) {
      pending.push(Buffer.from(buffer));
      continue;
    }
    yield joined([...pending, buffer.subarray(0, first)]).toString('utf8');
    pending = [];
    const last = buffer.lastIndexOf(NEWLINE);
    // The whole lines of this chunk are decoded at once: far cheaper than one decode per line.
    if (last > first) yield* buffer.toString('utf8', first + 1, last).split('\n');
    if (last + 1 < buffer.length) pending.push(Buffer.from(buffer.subarray(last + 1)));
  }
  yield pending.length === 0 ? '' : joined(pending).toString('utf8');
}

/** Where the last line of `[from, to)` starts: just past its last `\n`, or `from` when it has none. */
export function lastLineStart(ws: Rooted, path: string, from: number, to: number): number {
  const [line] = readLinesBackward(ws, path, from, to);
  return line!.offset;
}

/** The 1-based line number at each of `offsets` (line starts, ascending), by counting `\n` before them. */
export function lineNumbersAt(ws: Rooted, path: string, offsets: readonly number[]): number[] {
  const numbers: number[] = [];
  let count = 0;
  let pos = 0;
  for (const offset of offsets) {
    while (pos < offset) {
      const buffer = readRange(ws, path, pos, Math.min(FORWARD_CHUNK, offset - pos));
      if (buffer.length === 0) break;
      for (let at = buffer.indexOf(NEWLINE); at !== -1; at = buffer.indexOf(NEWLINE, at + 1)) count++;
      pos += buffer.length;
    }
    numbers.push(count + 1);
  }
  return numbers;
}
