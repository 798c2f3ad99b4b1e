import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { invalidInput } from '../shared/index.js';
import { mutate } from '../storage/index.js';
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

/** Every memory, least relevant first. */
export function listMemories(ws: Workspace, now = Date.now()): Memory[] {
  const dir = join(ws.knowledgeDir, 'runs');
  let names: string[];
  try {
    names = readdirSync(dir).filter((n) => n.endsWith('.md'));
  } catch {
    return [];
  }
  return names
    .map((name) => {
      const path = join(dir, name);
      const text = readFileSync(path, 'utf8');
      const updated = field(text, 'updated') ?? statSync(path).mtime.toISOString().slice(0, 10);
      const days = Math.max(0, (now - Date.parse(updated)) / 86_400_000);
      const recalls = Number(field(text, 'recalls') ?? 0) || 0;
      return {
        name: `runs/${name.slice(0, -3)}`,
        path,
        updated,
        days: Math.round(days * 10) / 10,
        recalls,
        relevance: relevance(days, recalls),
      };
    })
    .sort((a, b) => a.relevance - b.relevance || (a.name < b.name ? -1 : 1));
}

/**
 * Keeps the `budget` most relevant memories and moves the rest to knowledge/archive/runs/ (never
 * deleting), each move recorded as a `memory.archived` event.
 */
export async function pruneMemories(
  ws: Workspace,
  budget: number,
  options: { actor?: string; now?: number } = {},
) {
  if (!Number.isInteger(budget) || budget < 0) throw invalidInput('--budget must be a whole number ≥ 0');
  const memories = listMemories(ws, options.now);
  const archived = memories.slice(0, Math.max(0, memories.length - budget));
  await mutate(ws, options.actor, (m) => {
    for (const memory of archived) {
      m.writeText(join(ws.knowledgeDir, 'archive', `${memory.name}.md`), readFileSync(memory.path, 'utf8'));
      m.remove(memory.path);
      m.emit('memory.archived', memory.name, {
        relevance: Number(memory.relevance.toFixed(3)),
        days: memory.days,
        recalls: memory.recalls,
      });
    }
  });
  return { kept: memories.length - archived.length, archived: archived.map((a) => a.name) };
}
