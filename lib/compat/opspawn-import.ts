import { join } from 'node:path';
import { loadBoardSettings } from '../config/index.js';
import { checkKnowledgeName, displayName, invalidateFreshness, knowledgePath } from '../knowledge/index.js';
import { resourceFileName } from '../shared/index.js';
import { type ActorOptions, type Workspace, entryKind, mutate, readEvents } from '../storage/index.js';
import { IMPORT_KINDS, type ImportKind, type ImportSkip, convertOpSpawn } from './opspawn-convert.js';
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
    const logged = new Set(readEvents(ws).events.map((e) => e.id));
    for (const e of plan.events) {
      place('event', `${e.type} at ${e.ts}`, logged.has(e.id), () => m.record(e));
      logged.add(e.id);
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
