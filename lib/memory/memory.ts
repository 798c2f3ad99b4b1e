import { join } from 'node:path';
import { invalidInput } from '../shared/index.js';
import { type ActorOptions, fileStamp, listFiles, mutate, readText } from '../storage/index.js';
import type { Workspace } from '../storage/index.js';

/*
 * Memories are the consolidated run notes in knowledge/runs/. Each keeps its age (front matter
 * `updated`) and how often it was recalled (`recalls`, counted when a memory is injected into a brief).
 * Relevance is the seed's forgetting curve:
 *   relevance = 0.6 · 1 / (1 + 0.1 · days) + 0.4 · log10(1 + recalls)
 * so a fresh note starts at 0.6 and halves in ten days unless it keeps being recalled.
 */

export interface Memory {
  name: string;
  path: string;
  updated: string;
  days: number;
  recalls: number;
  relevance: number;
}

export function relevance(days: number, recalls: number): number {
  return 0.6 * (1 / (1 + 0.1 * Math.max(0, days))) + 0.4 * Math.log10(1 + Math.max(0, recalls));
}

function field(text: string, key: string): string | undefined {
  const head = /^---\n([\s\S]*?)\n---/.exec(text)?.[1] ?? '';
  return new RegExp(`^${key}:\\s*(.+)$`, 'm').exec(head)?.[1]?.trim();
}

/** A memory with the text it was scored from (what an archive move writes). */
interface ReadMemory extends Memory {
  text: string;
}

function readMemories(ws: Workspace, now: number): ReadMemory[] {
  const out: ReadMemory[] = [];
  for (const file of listFiles(ws, ws.runNotesDir, (name) => name.endsWith('.md'))) {
    const path = join(ws.runNotesDir, file);
    const text = readText(ws, path);
    if (text === undefined) continue; // removed by hand since it was listed
    const stamp = fileStamp(ws, path);
    const written = field(text, 'updated')?.replace(/^(['"])(.*)\1$/, '$2');
    // A full timestamp is aged to the millisecond; a bare date (older notes) counts from its midnight UTC.
    const parsed = written === undefined ? Number.NaN : Date.parse(written);
    const at = Number.isNaN(parsed) ? (stamp?.mtimeMs ?? now) : parsed;
    const updated = Number.isNaN(parsed) ? new Date(at).toISOString() : written!;
    const days = Math.max(0, (now - at) / 86_400_000);
    const recalls = Number(field(text, 'recalls') ?? 0) || 0;
    out.push({
      name: `runs/${file.slice(0, -3)}`,
      path,
      updated,
      days: Math.round(days * 10) / 10,
      recalls,
      relevance: relevance(days, recalls),
      text,
    });
  }
  return out.sort((a, b) => a.relevance - b.relevance || (a.name < b.name ? -1 : 1));
}

/** Every memory, least relevant first, as of `now` (default: the clock). */
export function listMemories(ws: Workspace, options: { now?: Date } = {}): Memory[] {
  return readMemories(ws, (options.now ?? new Date()).getTime()).map(({ text: _text, ...memory }) => memory);
}

/**
 * Keeps the `budget` most relevant memories and moves the rest to knowledge/archive/runs/ (never
 * deleting), each move recorded as a `memory.archived` event. One mutation: the memories are scored
 * under the lock, and every move and its event land together.
 */
export async function pruneMemories(ws: Workspace, budget: number, options: ActorOptions = {}) {
  if (!Number.isInteger(budget) || budget < 0)
    throw invalidInput('budget must be a whole number ≥ 0', { field: 'budget' });
  return mutate(ws, options, (m) => {
    const memories = readMemories(ws, m.now.getTime());
    const archived = memories.slice(0, Math.max(0, memories.length - budget));
    for (const memory of archived) {
      m.writeText(join(ws.runNotesArchiveDir, `${memory.name.slice('runs/'.length)}.md`), memory.text);
      m.remove(memory.path);
      m.emit('memory.archived', memory.name, {
        relevance: Number(memory.relevance.toFixed(3)),
        days: memory.days,
        recalls: memory.recalls,
      });
    }
    return { kept: memories.length - archived.length, archived: archived.map((a) => a.name) };
  });
}
