/*
 * BM25 over the live chunks of a knowledge index (pure): a function of the index's numbers and the
 * query's terms, so ranking is tested without a disk. knowledge-index.ts hands it the data it reads.
 */

// BM25 parameters, the usual ones.
const K1 = 1.2;
const B = 0.75;

/** What ranking reads of an index: its state, and the base's chunk lengths and postings. */
export interface RankingData {
  state: {
    /** Chunks in the base, replaced ones included, and their total length. */
    baseChunks: number;
    baseLength: number;
    /** Base chunk ranges `[first, count, total length]` replaced by later changes. */
    deleted: readonly (readonly [number, number, number])[];
    /** Chunks changed since the base was built, with their term counts. */
    overlay: ReadonlyArray<{ len: number; tf: Readonly<Record<string, number>> }>;
  };
  /** The length of each base chunk, by chunk number. */
  baseLengths: ArrayLike<number>;
  /** A term's postings in the base: chunk number and term count, alternately (empty when none). */
  postings(term: string): readonly number[];
}

/** A ranked chunk: a base chunk number (≥ 0), or `-(i + 1)` for overlay chunk `i`. */
export interface RankedKey {
  key: number;
  score: number;
}

/**
 * The chunks that match any of `queryTerms` (distinct, already analysed), best first, at most
 * `limit`; ties go to the lower key. Base chunks replaced by later changes (`state.deleted`) are
 * left out, of the document frequencies too.
 */
export function rankBm25(data: RankingData, queryTerms: readonly string[], limit: number): RankedKey[] {
  const { state } = data;
  if (queryTerms.length === 0) return [];
  const isDeleted = deletedTest(state.deleted);
  const deletedCount = state.deleted.reduce((n, [, count]) => n + count, 0);
  const deletedLength = state.deleted.reduce((n, [, , length]) => n + length, 0);
  const overlayLength = state.overlay.reduce((n, c) => n + c.len, 0);
  const total = state.baseChunks - deletedCount + state.overlay.length;
  if (total <= 0) return [];
  const averageLength = Math.max(1, (state.baseLength - deletedLength + overlayLength) / total);
  // Dense score arrays: tens of thousands of chunks cost less than a Map's allocations per posting.
  const baseScores = new Float64Array(state.baseChunks);
  const overlayScores = new Float64Array(state.overlay.length);
  const weight = (idf: number, tf: number, len: number) =>
    (idf * tf * (K1 + 1)) / (tf + K1 * (1 - B + (B * len) / averageLength));
  for (const term of queryTerms) {
    const list = data.postings(term);
    let df = 0;
    for (let i = 0; i < list.length; i += 2) if (!isDeleted(list[i]!)) df++;
    const inOverlay: number[] = [];
    state.overlay.forEach((chunk, i) => {
      if (Object.hasOwn(chunk.tf, term)) inOverlay.push(i);
    });
    df += inOverlay.length;
    if (df === 0) continue;
    const idf = Math.log(1 + (total - df + 0.5) / (df + 0.5));
    for (let i = 0; i < list.length; i += 2) {
      const no = list[i]!;
      if (!isDeleted(no)) baseScores[no]! += weight(idf, list[i + 1]!, data.baseLengths[no]!);
    }
    for (const i of inOverlay) {
      const chunk = state.overlay[i]!;
      overlayScores[i]! += weight(idf, chunk.tf[term]!, chunk.len);
    }
  }
  const best = new TopRanked(limit);
  for (let key = 0; key < baseScores.length; key++)
    if (baseScores[key]! > 0) best.offer(key, baseScores[key]!);
  for (let i = 0; i < overlayScores.length; i++)
    if (overlayScores[i]! > 0) best.offer(-(i + 1), overlayScores[i]!);
  return best.sorted();
}

/** Whether `a` ranks before `b`: higher score, then lower key. */
const beats = (score: number, key: number, b: RankedKey) =>
  score > b.score || (score === b.score && key < b.key);
const before = (a: RankedKey, b: RankedKey) => beats(a.score, a.key, b);

/**
 * The `limit` best of many offered keys, in a heap whose root is the worst kept: a common term
 * scores most of the chunks, and sorting them all to keep fifty cost more than the scoring.
 */
class TopRanked {
  private readonly heap: RankedKey[] = [];
  constructor(private readonly limit: number) {}

  offer(key: number, score: number): void {
    const { heap } = this;
    if (heap.length < this.limit) {
      heap.push({ key, score });
      let i = heap.length - 1;
      while (i > 0) {
        const parent = (i - 1) >> 1;
        if (!before(heap[parent]!, heap[i]!)) break;
        [heap[parent], heap[i]] = [heap[i]!, heap[parent]!];
        i = parent;
      }
      return;
    }
    // Full: most offers of a common term lose to the worst kept, turned away before any allocation.
    if (heap.length === 0 || !beats(score, key, heap[0]!)) return;
    heap[0] = { key, score };
    let i = 0;
    for (;;) {
      const left = 2 * i + 1;
      const right = left + 1;
      let worst = i;
      if (left < heap.length && before(heap[worst]!, heap[left]!)) worst = left;
      if (right < heap.length && before(heap[worst]!, heap[right]!)) worst = right;
      if (worst === i) return;
      [heap[worst], heap[i]] = [heap[i]!, heap[worst]!];
      i = worst;
    }
  }

  sorted(): RankedKey[] {
    return [...this.heap].sort((a, b) => b.score - a.score || a.key - b.key);
  }
}

/** Whether a base chunk number falls in one of the replaced ranges `[first, count, length]`. */
export function deletedTest(ranges: readonly (readonly [number, number, number])[]): (no: number) => boolean {
  if (ranges.length === 0) return () => false;
  const sorted = [...ranges].sort((a, b) => a[0] - b[0]);
  return (no) => {
    let lo = 0;
    let hi = sorted.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      const [first, count] = sorted[mid]!;
      if (no < first) hi = mid - 1;
      else if (no >= first + count) lo = mid + 1;
      else return true;
    }
    return false;
  };
}
