import { join, resolve } from 'node:path';
import { loadBoardSettings } from '../config/index.js';
import { checkKnowledgeName, displayName, invalidateFreshness, knowledgePath } from '../knowledge/index.js';
import { OrcError, resourceFileName } from '../shared/index.js';
import {
  type ActorOptions,
  type Mutation,
  type Workspace,
  entryKind,
  mutate,
  parseEventLines,
  readEvents,
  readText,
} from '../storage/index.js';
import {
  IMPORT_KINDS,
  ORC_EVENT,
  type ImportKind,
  type ImportSkip,
  convertEventLine,
  convertOpSpawn,
} from './opspawn-convert.js';
import { readOpSpawnFolder } from './opspawn-source.js';

/** What `orc import` did: the folder, how many of each kind it wrote, and what it left out and why. */
export interface OpSpawnImportReport {
  source: string;
  imported: Record<ImportKind, number>;
  skipped: ImportSkip[];
}

const ALREADY = 'already in the workspace';

/**
 * Imports an OpSpawn orchestrator's data folder into the workspace in one mutation: all of it that
 * passes the checks, or nothing (a failure half-way writes nothing). Entries already in the workspace
 * (same workstream, task id, agent, live lock, knowledge name or event line) are skipped, so importing
 * the same folder again changes nothing. One `import.opspawn` event records the counts.
 */
export async function importOpSpawn(
  ws: Workspace,
  path: string,
  options: ActorOptions = {},
): Promise<OpSpawnImportReport> {
  const source = readOpSpawnFolder(path);
  const { claimTtlMs } = loadBoardSettings(ws);
  const imported = Object.fromEntries(IMPORT_KINDS.map((k) => [k, 0])) as Record<ImportKind, number>;
  const report = await mutate(ws, options, (m) => {
    const plan = convertOpSpawn(source, { now: m.now, claimTtlMs, actor: m.actor, checkKnowledgeName });
    const skipped = [...plan.skipped];
    const place = (kind: ImportKind, id: string, present: boolean, write: () => void) => {
      if (present) skipped.push({ kind, id, reason: ALREADY });
      else {
        write();
        imported[kind]++;
      }
    };
    for (const w of plan.workstreams) {
      const file = join(ws.workstreamsDir, `${w.name}.json`);
      place('workstream', w.name, m.readJson(file, w.name) !== undefined, () => m.writeJson(file, w));
    }
    for (const t of plan.tasks) place('task', t.id, m.readTask(t.id) !== undefined, () => m.writeTask(t));
    for (const a of plan.agents) {
      const file = join(ws.agentsDir, `${a.id}.json`);
      place('agent', a.id, m.readJson(file, a.id) !== undefined, () => m.writeJson(file, a));
    }
    for (const l of plan.locks) {
      const file = join(ws.locksDir, resourceFileName(l.resource));
      place('lock', l.resource, m.readJson(file, l.resource) !== undefined, () => m.writeJson(file, l));
    }
    if (resolve(source.dir, 'events.jsonl') === resolve(ws.eventsFile)) {
      // The folder's log is the workspace's: orc's own lines in it are no skips, only the log.
      const own = skipped.filter((s) => s.kind === 'event' && s.reason === ORC_EVENT);
      for (const s of own) skipped.splice(skipped.indexOf(s), 1);
      imported.event += convertLogInPlace(m, skipped);
    } else {
      const logged = new Set(readEvents(ws).events.map((e) => e.id));
      for (const e of plan.events) {
        place('event', `${e.type} at ${e.ts}`, logged.has(e.id), () => m.record(e));
        logged.add(e.id);
      }
    }
    for (const doc of plan.knowledge) {
      const file = knowledgePath(ws, doc.name);
      place('knowledge', displayName(doc.name), entryKind(ws, file) !== undefined, () =>
        m.writeText(file, doc.text),
      );
    }
    if (Object.values(imported).some((n) => n > 0))
      m.emit('import.opspawn', source.dir, { imported, skipped: skipped.length });
    return { source: source.dir, imported, skipped };
  });
  if (report.imported.knowledge > 0) invalidateFreshness(ws);
  return report;
}

/**
 * `orc init` run in an OpSpawn folder makes its events.jsonl orc's log, whose old lines orc would call
 * corrupt: importing that folder converts them where they are (in the same order, in the same commit),
 * rather than appending copies. A line seen twice (the same text) is kept once: it would be the same
 * event, with the same id. Returns how many lines it converted.
 */
function convertLogInPlace(m: Mutation, skipped: ImportSkip[]): number {
  const text = readText(m.ws, m.ws.eventsFile) ?? '';
  const seen = new Set(parseEventLines(text).events.map((e) => e.id));
  let converted = 0;
  const out: string[] = [];
  text.split('\n').forEach((line, i) => {
    if (line.trim() === '' || parseEventLines(line).events.length === 1) {
      out.push(line);
      return;
    }
    try {
      const event = convertEventLine(line);
      if (seen.has(event.id)) {
        skipped.push({
          kind: 'event',
          id: `events.jsonl line ${i + 1}`,
          reason: 'the same line as an earlier one',
        });
        return;
      }
      seen.add(event.id);
      converted++;
      out.push(JSON.stringify(event));
    } catch (error) {
      // The reason is in the plan's skips already (the same line, read as the source).
      if (!(error instanceof OrcError)) throw error;
      out.push(line);
    }
  });
  if (converted > 0) m.writeText(m.ws.eventsFile, out.join('\n'));
  return converted;
}
