import { type Claim, type LostClaim, type Task, type TaskNote, orderTask } from './task-schema.js';
import { compareText } from '../shared/index.js';

/*
 * Three-way merges of orc's files, field by field, with fixed rules so that every machine resolves the
 * same conflict the same way. Pure: JSON values in, JSON value out. The table of record kinds
 * (lib/storage/record-kinds.ts) says which rule each kind takes; the git merge driver and
 * `orc doctor --fix` apply them through lib/git/merge-files.ts, which validates every side.
 */

type Json = unknown;
type Doc = Record<string, Json>;

const same = (a: Json, b: Json) => JSON.stringify(a) === JSON.stringify(b);

/** Set semantics for lists: what either side added stays, what either side removed goes. */
export function mergeList<T>(base: readonly T[] | undefined, ours: readonly T[], theirs: readonly T[]): T[] {
  const b = base ?? [];
  const key = (v: T) => JSON.stringify(v);
  const removed = new Set(
    [
      ...b.filter((v) => !ours.some((o) => key(o) === key(v))),
      ...b.filter((v) => !theirs.some((t) => key(t) === key(v))),
    ].map(key),
  );
  const out: T[] = [];
  const seen = new Set<string>();
  for (const v of [...b, ...ours, ...theirs]) {
    const k = key(v);
    if (seen.has(k) || removed.has(k)) continue;
    seen.add(k);
    out.push(v);
  }
  return out;
}

/**
 * Generic record merge: a field changed on one side only takes that change; a field changed on both
 * sides takes the value of the side whose `clock` is later (ties: ours). Lists merge as sets.
 */
export function mergeRecord(base: Doc | undefined, ours: Doc, theirs: Doc, clock: (d: Doc) => string): Doc {
  const oursLater = clock(ours) >= clock(theirs);
  const out: Doc = {};
  const keys = [...new Set([...Object.keys(ours), ...Object.keys(theirs)])];
  for (const key of keys) {
    const b = base?.[key];
    const o = ours[key];
    const t = theirs[key];
    if (!(key in theirs)) out[key] = o;
    else if (!(key in ours)) out[key] = t;
    else if (same(o, t) || same(t, b)) out[key] = o;
    else if (same(o, b)) out[key] = t;
    else if (Array.isArray(o) && Array.isArray(t))
      out[key] = mergeList(Array.isArray(b) ? b : undefined, o, t);
    else out[key] = oursLater ? o : t;
  }
  return out;
}

/** Finished beats unfinished: done > failed > cancelled > claimed > open. */
const STATUS_RANK: Record<string, number> = { open: 0, claimed: 1, cancelled: 2, failed: 3, done: 4 };

const laterOf = (a: string, b: string) => (a >= b ? a : b);

/**
 * Merges two versions of one task. Rules, applied where both sides changed a field:
 * - status: the more finished one wins (done > failed > cancelled > claimed > open);
 * - claim: of two claims the earlier wins; every claim that does not survive is recorded in `lost`;
 * - title, description, priority, result, reason: the side edited later (`updatedAt`) wins;
 * - tags, deps: merged as sets; attempts: the larger; updatedAt: the later;
 * - notes: the union by id, in time order (notes are only ever added).
 */
export function mergeTask(base: Task | undefined, ours: Task, theirs: Task): Task {
  const generic = mergeRecord(
    base as Doc | undefined,
    ours as unknown as Doc,
    theirs as unknown as Doc,
    (d) => String(d.updatedAt ?? ''),
  ) as unknown as Task;
  const merged: Task = { ...generic };
  const statusChanged = (t: Task) => base === undefined || t.status !== base.status;
  if (statusChanged(ours) && statusChanged(theirs) && ours.status !== theirs.status) {
    merged.status =
      (STATUS_RANK[ours.status] ?? 0) >= (STATUS_RANK[theirs.status] ?? 0) ? ours.status : theirs.status;
  }
  const claims = [ours.claim, theirs.claim].filter((c): c is Claim => c !== null && c !== undefined);
  const distinct = claims.filter((c, i) => claims.findIndex((d) => d.token === c.token) === i);
  distinct.sort((a, b) => compareText(a.claimedAt, b.claimedAt) || compareText(a.agent, b.agent));
  // The surviving claim: the earliest, if the merged task is still claimed at all.
  let winner: Claim | null = null;
  if (merged.status === 'claimed') {
    winner = distinct[0] ?? null;
    if (winner) {
      // A renewal on the other side extends the same claim: keep the later expiry.
      const other = claims.find((c) => c.token === winner!.token && c !== winner);
      if (other) winner = { ...winner, expiresAt: laterOf(winner.expiresAt, other.expiresAt) };
    } else merged.status = 'open';
  }
  merged.claim = winner;
  const lostTo = winner ? winner.agent : merged.status;
  const lost: LostClaim[] = mergeList(base?.lost, ours.lost ?? [], theirs.lost ?? []);
  for (const claim of distinct) {
    if (claim.token === winner?.token) continue;
    const side = ours.claim?.token === claim.token ? ours : theirs;
    const other = side === ours ? theirs : ours;
    // A claim the other side ended (its holder completed or released it, or it expired) is not lost
    // to the merge: only a live claim that the merge overrode is.
    const endedByOther = base?.claim?.token === claim.token && other.claim?.token !== claim.token;
    if (side.status !== 'claimed' || endedByOther) continue;
    if (!lost.some((l) => l.token === claim.token)) {
      lost.push({ agent: claim.agent, token: claim.token, claimedAt: claim.claimedAt, lostTo });
    }
  }
  merged.attempts = Math.max(ours.attempts ?? 0, theirs.attempts ?? 0);
  merged.updatedAt = laterOf(ours.updatedAt, theirs.updatedAt);
  merged.lost = lost;
  merged.notes = mergeNotes(ours.notes, theirs.notes);
  return orderTask(merged);
}

/** Notes are never edited nor removed: the union by id, in time order (then by id). */
export function mergeNotes(ours: readonly TaskNote[] = [], theirs: readonly TaskNote[] = []): TaskNote[] {
  const byId = new Map<string, TaskNote>();
  for (const note of [...ours, ...theirs]) if (!byId.has(note.id)) byId.set(note.id, note);
  return [...byId.values()].sort((a, b) => compareText(a.at, b.at) || compareText(a.id, b.id));
}

export interface EventMerge {
  /** Every event once, in time order, then the unreadable lines. */
  text: string;
  /** Only the events. */
  eventText: string;
  duplicates: number;
  unreadable: string[];
}

/**
 * Merges event logs: the union of every line, each event id once, in timestamp order (stable). Lines
 * that are not events are kept, after the events, so nothing is lost.
 */
export function mergeEventLines(...texts: string[]): EventMerge {
  const events: Array<{ id: string; ts: string; line: string; order: number }> = [];
  const seen = new Set<string>();
  const unreadable: string[] = [];
  let duplicates = 0;
  let order = 0;
  for (const text of texts) {
    for (const raw of text.split('\n')) {
      const line = raw.trimEnd();
      if (line === '') continue;
      let parsed: { id?: unknown; ts?: unknown } | undefined;
      try {
        parsed = JSON.parse(line);
      } catch {
        parsed = undefined;
      }
      if (!parsed || typeof parsed.id !== 'string' || typeof parsed.ts !== 'string') {
        if (!/^(<{7}|={7}|>{7}|\|{7})( |$)/.test(line) && !unreadable.includes(line)) unreadable.push(line);
        continue;
      }
      if (seen.has(parsed.id)) {
        duplicates++;
        continue;
      }
      seen.add(parsed.id);
      events.push({ id: parsed.id, ts: parsed.ts, line, order: order++ });
    }
  }
  events.sort((a, b) => compareText(a.ts, b.ts) || a.order - b.order);
  const asText = (lines: string[]) => (lines.length ? `${lines.join('\n')}\n` : '');
  const eventLines = events.map((e) => e.line);
  return {
    text: asText([...eventLines, ...unreadable]),
    eventText: asText(eventLines),
    duplicates,
    unreadable,
  };
}

const eventIdOf = (line: string) => /^\{"id":"([^"]+)"/.exec(line)?.[1];

/**
 * Merges two versions of the live event log against their base: the union of both, except the events
 * of the base that one side no longer holds. A side drops events from events.jsonl only by closing it
 * into a segment (or by `orc doctor --fix` removing a copy), and those events live on in that segment:
 * keeping them here as well would log them twice.
 */
export function mergeLiveEventLog(base: string | undefined, ours: string, theirs: string): EventMerge {
  const merged = mergeEventLines(ours, theirs);
  if (!base) return merged;
  const idsOf = (text: string) =>
    new Set(
      text
        .split('\n')
        .map(eventIdOf)
        .filter((id) => id !== undefined),
    );
  const [inOurs, inTheirs] = [idsOf(ours), idsOf(theirs)];
  const moved = new Set([...idsOf(base)].filter((id) => !inOurs.has(id) || !inTheirs.has(id)));
  if (moved.size === 0) return merged;
  const keep = (text: string) =>
    text
      .split('\n')
      .filter((line) => {
        const id = eventIdOf(line);
        return id === undefined || !moved.has(id);
      })
      .join('\n');
  return { ...merged, text: keep(merged.text), eventText: keep(merged.eventText) };
}

/** Splits a file with git conflict markers into its two sides (common text goes to both). */
export function splitConflict(text: string): { ours: string; theirs: string } | undefined {
  if (!/^<{7}( |$)/m.test(text)) return undefined;
  let ours = '';
  let theirs = '';
  let mode: 'both' | 'ours' | 'base' | 'theirs' = 'both';
  for (const line of text.split(/(?<=\n)/)) {
    if (/^<{7}( |\n|$)/.test(line)) mode = 'ours';
    else if (/^\|{7}( |\n|$)/.test(line) && mode === 'ours') mode = 'base';
    else if (/^={7}(\n|$)/.test(line) && (mode === 'ours' || mode === 'base')) mode = 'theirs';
    else if (/^>{7}( |\n|$)/.test(line) && mode === 'theirs') mode = 'both';
    else if (mode === 'both') {
      ours += line;
      theirs += line;
    } else if (mode === 'ours') ours += line;
    else if (mode === 'theirs') theirs += line;
  }
  return { ours, theirs };
}

/**
 * Merges two versions of a run or cycle file: these belong to the one process that runs them, so the
 * side updated later (`updatedAt`, else `startedAt`) wins whole; merging their step lists field by field
 * could join two states of one step.
 */
export function mergeOwnedRecord<T extends { updatedAt?: string; startedAt?: string }>(
  ours: T,
  theirs: T,
): T {
  const clock = (d: T) => d.updatedAt ?? d.startedAt ?? '';
  return compareText(clock(theirs), clock(ours)) > 0 ? theirs : ours;
}
