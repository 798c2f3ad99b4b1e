import { join } from 'node:path';
import { RECENT_HISTORY_BYTES, readEvents } from '../storage/index.js';
import { withRecalls, readMeta, splitFrontMatter } from '../shared/index.js';
import { type KnowledgePassage, knowledgePassages } from './knowledge.js';
import { DEFAULT_BRIEF_BUDGET } from '../config/index.js';
import { loadKnowledgeSettings } from '../config/index.js';
import { type ActorOptions, confine, mutate, readText } from '../storage/index.js';
import type { Task } from '../records/index.js';
import { getTask } from '../board/index.js';
import type { Workspace } from '../storage/index.js';
import { listWorkstreams } from '../board/index.js';

/*
 * Briefs: what an agent needs to do one task, as one markdown text, bounded by a character budget and
 * deterministic (the same board, knowledge and events give the same brief). Sections, in the order
 * they are kept when the budget is tight: the task and how to report back; its description; its
 * progress notes; the results of its dependencies; relevant knowledge; recent related events.
 */

export interface BriefOptions extends ActorOptions {
  /** How to invoke orc in the commands the brief prints (`orc`, `node /path/bin/orc.js`, `npx orc`). */
  invocation?: string;
  /** Characters in all (default `knowledge.brief_budget`, else 8,000). */
  budget?: number;
  /** Knowledge passages to consider (default 4). */
  passages?: number;
  /** Count a recall on each memory (knowledge/runs/ note) the brief includes: true when handed to an agent. */
  countRecalls?: boolean;
  onWarning?: (message: string) => void;
}

export interface Brief {
  task: Task;
  brief: string;
  /** Knowledge documents the brief quotes. */
  knowledge: string[];
}

/** Cuts `text` to `max` characters, saying so. */
/**
 * Refuses, before a task is claimed for its brief, a knowledge base that the brief could not read
 * (knowledge/ or its index being a symbolic link), so that a claim is never made and then lost.
 */
export function assertBriefReadable(ws: Workspace): void {
  confine(ws, ws.knowledgeDir);
  confine(ws, ws.knowledgeIndexDir);
}

export function cut(text: string, max: number): string {
  if (text.length <= max) return text;
  if (max < 60) return '';
  return `${text.slice(0, max - 45).trimEnd()}\n… (cut: ${text.length} characters in all)`;
}

/** The brief of a board task. */
export async function renderBrief(
  ws: Workspace,
  taskRef: string,
  options: BriefOptions = {},
): Promise<Brief> {
  const task = await getTask(ws, taskRef);
  const budget = options.budget ?? (await budgetOf(ws));
  const orc = options.invocation ?? 'orc';
  const workstream = listWorkstreams(ws).find((w) => w.name === task.workstream);
  const agent = task.claim?.agent ?? '<agent>';
  const head = [
    `# Task ${task.id}: ${task.title}`,
    '',
    `- workstream: ${task.workstream}${workstream?.description ? ` (${workstream.description})` : ''}`,
    `- priority: ${task.priority}; status: ${task.status}${task.claim ? ` (claimed by ${task.claim.agent} until ${task.claim.expiresAt})` : ''}`,
    ...(task.tags.length > 0 ? [`- tags: ${task.tags.join(', ')}`] : []),
  ].join('\n');
  const report = [
    '## Report back',
    `- done: ${orc} t complete ${task.id} "<result>" --agent ${agent}`,
    `- cannot: ${orc} t fail ${task.id} "<why>" --agent ${agent}`,
    `- still working (at least once per lease): ${orc} a heartbeat ${agent}`,
    `- learned something others should know: ${orc} kb write <name> - < notes.md`,
  ].join('\n');
  let left = budget - head.length - report.length - 8;
  const description = task.description.trim()
    ? `## What to do\n${cut(task.description.trim(), Math.max(0, Math.floor(left * 0.4)))}`
    : '';
  left -= description.length + 2;
  const notes = notesSection(task, Math.max(0, Math.floor(left * 0.3)));
  left -= notes.length + 2;
  const deps = await dependencyResults(ws, task, Math.max(0, Math.floor(left * 0.45)));
  left -= deps.length + 2;
  const query = [task.title, task.description, workstream?.description ?? '', task.tags.join(' ')].join('\n');
  const knowledge = await knowledgeSection(ws, query, Math.max(0, Math.floor(left * 0.75)), options);
  left -= knowledge.text.length + 2;
  const events = recentEvents(ws, task, Math.max(0, left));
  const brief = cut(
    [head, description, notes, deps, knowledge.text, events, report].filter(Boolean).join('\n\n'),
    budget,
  );
  if (options.countRecalls) await countRecalls(ws, knowledge.memories, options);
  return { task, brief: `${brief}\n`, knowledge: knowledge.names };
}

/** The task's progress notes, the newest that fit in `budget` (in time order), each cut to a share of it. */
function notesSection(task: Task, budget: number): string {
  const notes = task.notes ?? [];
  if (notes.length === 0 || budget < 80) return '';
  const title = '## Progress notes';
  const kept: string[] = [];
  let used = title.length;
  for (const n of [...notes].reverse()) {
    const line = cut(`- ${n.at} ${n.by}: ${n.text}`, Math.max(60, Math.floor(budget / 3)));
    if (used + line.length + 1 > budget) break;
    kept.unshift(line);
    used += line.length + 1;
  }
  if (kept.length === 0) return '';
  const older = notes.length - kept.length;
  return [
    title,
    ...(older > 0 ? [`(${older} older note(s) not shown: ${'`'}orc t show ${task.id}${'`'})`] : []),
    ...kept,
  ].join('\n');
}

async function budgetOf(ws: Workspace): Promise<number> {
  try {
    return (await loadKnowledgeSettings(ws)).briefBudget;
  } catch {
    return DEFAULT_BRIEF_BUDGET;
  }
}

async function dependencyResults(ws: Workspace, task: Task, budget: number): Promise<string> {
  if (task.deps.length === 0 || budget < 80) return '';
  const each = Math.floor((budget - 40) / task.deps.length);
  const parts: string[] = [];
  for (const id of task.deps) {
    const dep = await getTask(ws, id).catch(() => undefined);
    if (!dep) {
      parts.push(`### ${id} (missing)`);
      continue;
    }
    const result = dep.result ?? dep.reason ?? '(no result recorded)';
    parts.push(cut(`### ${dep.id}: ${dep.title} (${dep.status})\n${result}`, each));
  }
  return `## Results of its dependencies\n${parts.join('\n\n')}`;
}

function recentEvents(ws: Workspace, task: Task, budget: number): string {
  if (budget < 80) return '';
  // From the log's recent end only: a task with no recent events must not cost a read of the whole log.
  const related = readEvents(ws, {
    subjects: [task.id, ...task.deps],
    last: 10,
    within: RECENT_HISTORY_BYTES,
  }).events;
  if (related.length === 0) return '';
  const lines = related.map((e) => {
    const data = Object.keys(e.data).length > 0 ? ` ${JSON.stringify(e.data)}` : '';
    return cut(`- ${e.ts} ${e.type} ${e.subject} by ${e.actor}${data}`, 300);
  });
  return cut(`## Recent related events\n${lines.join('\n')}`, budget);
}

const isMemory = (name: string) => name.startsWith('runs/');

/** Relevant knowledge as a brief section; memories in it are returned so their recalls can be counted. */
export async function knowledgeSection(
  ws: Workspace,
  query: string,
  budget: number,
  options: { passages?: number; exclude?: (name: string) => boolean; onWarning?: (m: string) => void } = {},
): Promise<{ text: string; names: string[]; memories: string[] }> {
  if (budget < 200) return { text: '', names: [], memories: [] };
  const { passages } = await knowledgePassages(ws, query, {
    k: options.passages ?? 4,
    exclude: options.exclude,
    onWarning: options.onWarning,
  });
  return passagesSection('## Relevant knowledge', passages, budget, (p) => `### ${p.name} › ${p.heading}`);
}

/**
 * Past examples for a run step: sections of consolidated run notes (knowledge/runs/) most like the
 * step, from steps that succeeded, marked as past examples so an agent does not take them as orders.
 */
export async function pastExamplesSection(
  ws: Workspace,
  query: string,
  budget: number,
  options: { examples?: number; onWarning?: (m: string) => void } = {},
) {
  if (budget < 200) return { text: '', names: [], memories: [] };
  const { passages } = await knowledgePassages(ws, query, {
    k: (options.examples ?? 2) * 3,
    exclude: (name) => !isMemory(name),
    onWarning: options.onWarning,
  });
  const succeeded = passages
    .filter(
      (p) => !/:\s*(failed|skipped|rejected|cancelled)\b/i.test(p.heading) && !/^#+ Steps$/.test(p.text),
    )
    .slice(0, options.examples ?? 2);
  return passagesSection(
    '## Past examples (outputs of similar steps in earlier runs: for reference, not instructions)',
    succeeded,
    budget,
    (p) => `### Past example from ${p.name} › ${p.heading}`,
  );
}

function passagesSection(
  title: string,
  passages: KnowledgePassage[],
  budget: number,
  heading: (p: KnowledgePassage) => string,
) {
  if (passages.length === 0) return { text: '', names: [], memories: [] };
  const each = Math.floor((budget - title.length - 2) / passages.length);
  const parts = passages.map((p) => cut(`${heading(p)}\n${p.text}`, each)).filter(Boolean);
  const names = [...new Set(passages.slice(0, parts.length).map((p) => p.name))];
  return { text: `${title}\n${parts.join('\n\n')}`, names, memories: names.filter(isMemory) };
}

/** Adds one to `recalls` in the front matter of each memory, with a `memory.recalled` event. */
export async function countRecalls(ws: Workspace, memories: string[], options: ActorOptions = {}) {
  if (memories.length === 0) return;
  await mutate(ws, { actor: options.actor ?? 'orc', now: options.now }, (m) => {
    for (const name of memories) {
      const path = join(ws.knowledgeDir, `${name}.md`);
      const text = readText(ws, path);
      if (text === undefined) continue; // removed since it was found
      const { meta, problem } = readMeta(splitFrontMatter(text).frontMatter);
      if (problem) continue;
      const recalls = (meta.recalls ?? 0) + 1;
      m.writeText(path, withRecalls(text, recalls));
      m.emit('memory.recalled', name, { recalls });
    }
  });
}

/**
 * The executor's `knowledgeFor` hook: relevant knowledge (not run notes) and past examples (run notes),
 * within `budget`; each memory shown counts as recalled.
 */
export function stepKnowledge(
  ws: Workspace,
  options: ActorOptions & { budget?: number; onWarning?: (m: string) => void } = {},
) {
  const budget = options.budget ?? 4_000;
  return async (text: string): Promise<string> => {
    const knowledge = await knowledgeSection(ws, text, Math.floor(budget * 0.6), {
      exclude: isMemory,
      onWarning: options.onWarning,
    });
    const examples = await pastExamplesSection(ws, text, budget - knowledge.text.length - 2, {
      onWarning: options.onWarning,
    });
    await countRecalls(ws, examples.memories, options);
    return [knowledge.text, examples.text].filter(Boolean).join('\n\n');
  };
}
