import { join } from 'node:path';
import {
  type FileVersions,
  ORC_PATHS,
  type UnmergedFile,
  mergeFileVersions,
  readUnmergedFiles,
} from '../git/index.js';
import { type Task, splitConflict } from '../records/index.js';
import { OrcError } from '../shared/index.js';
import {
  type FolderEntry,
  RECORD_KIND_LIST,
  type RecordKind,
  type RecordKindName,
  entryKind,
  listFolder,
  nestedFolderOf,
  readText,
  recordFileName,
  recordKindOfPath,
  workspaceRelative,
  writeText,
} from '../storage/index.js';
import type { DoctorContext } from './doctor-types.js';

/**
 * What the reference checks keep of a task, by id. At 100,000 tasks whole records (descriptions,
 * notes) would take most of doctor's memory, and even an object of five fields per task ~25 MiB that
 * stays alive, and so raises V8's heap limit, through the event log's scan. A task without
 * dependencies or claim (most of a board) is kept as its workstream's name alone, one string shared
 * by all the tasks of that workstream; a repair reads the task's file again.
 */
export type TaskReference = string | Pick<Task, 'workstream' | 'status' | 'deps' | 'claim'>;

/** The records doctor could read, by kind, then by file name; tasks apart, by id (see TaskReference). */
export interface FoundRecords {
  byKind: Map<RecordKindName, Map<string, Record<string, unknown>>>;
  tasks: Map<string, TaskReference>;
}

/** Keeps one copy of each string: a workstream's name is kept once, not once per task. */
function interner(): (text: string) => string {
  const known = new Map<string, string>();
  return (text) => {
    const kept = known.get(text);
    if (kept !== undefined) return kept;
    known.set(text, text);
    return text;
  };
}

function taskReference(task: Task, intern: (text: string) => string): TaskReference {
  const workstream = intern(task.workstream);
  if (task.deps.length === 0 && task.claim === null && task.status !== 'claimed') return workstream;
  return { workstream, status: task.status, deps: task.deps, claim: task.claim };
}

type Merge = { text: string } | { why: string };

const stageIt = (file: string) => `\`git add ${file}\` marks it resolved (doctor stages nothing)`;

/** Files git's index holds unmerged among orc's paths, by workspace-relative path (one git process). */
export function readUnmerged(ctx: DoctorContext): Map<string, UnmergedFile> {
  return readUnmergedFiles(ctx.ws.root, ORC_PATHS);
}

/** The merge of a file's versions by the merge driver's rules, or why there is none. */
function tryMerge(file: string, versions: FileVersions): Merge {
  try {
    return { text: mergeFileVersions(file, versions) };
  } catch (error) {
    if (error instanceof OrcError) return { why: error.message };
    throw error;
  }
}

/** Files whose conflict markers doctor resolves where it reads them (record folders, the event log). */
const resolvesMarkers = (file: string) => file === 'events.jsonl' || recordKindOfPath(file) !== undefined;
/** The files the merge driver is attached to (see GITATTRIBUTES_LINES). */
const mergedByOrc = (file: string) =>
  file === 'events.jsonl' || (file.startsWith('state/') && file.endsWith('.json'));

function readOrUndefined(ctx: DoctorContext, path: string): string | undefined {
  try {
    return readText(ctx.ws, path);
  } catch (error) {
    // A link or a folder in its place: the record checks report it.
    if (error instanceof OrcError) return undefined;
    throw error;
  }
}

/**
 * Whether the work tree already holds their side of an unresolved merge (merged by doctor, by hand,
 * and maybe changed since by orc): merging their version into it again changes nothing. Only
 * `git add` is left then, and that is the user's.
 */
function isResolved(file: string, text: string | undefined, staged: UnmergedFile): boolean {
  if (text === undefined || staged.theirs === undefined || !mergedByOrc(file)) return false;
  const again = tryMerge(file, { base: staged.base, ours: text, theirs: staged.theirs });
  return 'text' in again && again.text === text;
}

/**
 * Merges git's index still holds unresolved. A merge driver that refuses an invalid side leaves our
 * version in the work tree, without conflict markers, so commands see one side only and a
 * `git commit -a` would drop the other. With --fix, a file that still holds our version gets the merge
 * of the three versions; staging it is left to the user. Files with markers are resolved where their
 * folder is checked.
 */
export function checkUnmerged(ctx: DoctorContext, unmerged: ReadonlyMap<string, UnmergedFile>): void {
  for (const [file, staged] of unmerged) {
    const path = join(ctx.ws.root, file);
    const text = readOrUndefined(ctx, path);
    const markers = text !== undefined && splitConflict(text) !== undefined;
    if (markers && resolvesMarkers(file)) continue;
    if (isResolved(file, text, staged)) continue;
    const merge: Merge =
      staged.ours === undefined || staged.theirs === undefined
        ? { why: 'one side deleted it' }
        : mergedByOrc(file)
          ? tryMerge(file, { base: staged.base, ours: staged.ours, theirs: staged.theirs })
          : { why: 'orc has no merge rule for it' };
    const holdsOurs = text !== undefined && text === staged.ours;
    const state = markers
      ? 'it holds conflict markers'
      : holdsOurs
        ? 'the file holds our version only, without conflict markers'
        : 'the file holds no conflict markers';
    ctx.report(
      {
        code: 'UNMERGED',
        file,
        message: `${file} is an unresolved merge in git's index: ${state}`,
        action:
          'why' in merge
            ? `${merge.why}: resolve it by hand, then \`git add ${file}\``
            : `check it, then \`git add ${file}\``,
      },
      'text' in merge && holdsOurs
        ? () => {
            writeText(ctx.ws, path, merge.text);
            return `merged git's three versions with the merge driver rules; ${stageIt(file)}`;
          }
        : undefined,
    );
  }
}

/** Moves `path` to quarantine, or says undefined when the storage layer refuses to (a link). */
export function moveIfAllowed(ctx: DoctorContext, path: string): string | undefined {
  try {
    return `moved to ${ctx.moveAside(path)}`;
  } catch (error) {
    if (error instanceof OrcError) return undefined;
    throw error;
  }
}

function listEntries(ctx: DoctorContext, folder: string): FolderEntry[] {
  try {
    return listFolder(ctx.ws, folder);
  } catch (error) {
    if (!(error instanceof OrcError)) throw error;
    ctx.report(
      {
        code: 'WRONG_TYPE',
        file: workspaceRelative(ctx.ws, folder),
        message: error.message,
        action: 'move it away by hand',
      },
      () => moveIfAllowed(ctx, folder),
    );
    return [];
  }
}

function readEntry(ctx: DoctorContext, path: string, file: string): string | undefined {
  try {
    return readText(ctx.ws, path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (!(error instanceof OrcError) && typeof code !== 'string') throw error;
    const why = error instanceof OrcError ? error.message : `${file} cannot be read: ${code}`;
    ctx.report({ code: 'UNREADABLE', file, message: why }, () => moveIfAllowed(ctx, path));
    return undefined;
  }
}

/** A record's text checked against its kind's schema and file name; undefined when it fails. */
function checkRecordText(
  ctx: DoctorContext,
  kind: RecordKind<unknown>,
  path: string,
  file: string,
  text: string,
): Record<string, unknown> | undefined {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    if (!(error instanceof SyntaxError)) throw error;
    ctx.report({ code: 'UNREADABLE', file, message: `${file} is not valid JSON` }, () =>
      moveIfAllowed(ctx, path),
    );
    return undefined;
  }
  let record: unknown;
  try {
    record = kind.validate(value, file);
  } catch (error) {
    if (!(error instanceof OrcError)) throw error;
    ctx.report({ code: 'INVALID', file, message: error.message }, () => moveIfAllowed(ctx, path));
    return undefined;
  }
  const expected = recordFileName(kind, record);
  if (!file.endsWith(`/${expected}`)) {
    ctx.report({
      code: 'NAME_MISMATCH',
      file,
      message: `${file} should be named ${expected}`,
      action: 'rename it by hand after checking which copy is right',
    });
  }
  return record as Record<string, unknown>;
}

/**
 * A run's own folder (`state/runs/<id>/`): large step outputs, which are any text, and its step files
 * in `steps/`, each checked as a record of the kinds `within` the run kind (the run step).
 */
function checkRunFolder(
  ctx: DoctorContext,
  runId: string,
  unmerged: ReadonlyMap<string, UnmergedFile>,
  into: Map<string, Record<string, unknown>>,
): void {
  for (const kind of RECORD_KIND_LIST) {
    if (kind.within?.parent !== 'run') continue;
    const folder = nestedFolderOf(ctx.ws, kind, runId);
    if (entryKind(ctx.ws, folder) === undefined) continue;
    const planned = plannedSteps(ctx, runId);
    for (const [name, record] of checkRecordFolder(ctx, kind, unmerged, folder)) {
      into.set(`${runId}/${name}`, record);
      const id = String(record.id);
      if (planned === undefined || planned.has(id)) continue;
      // Every reader of the run refuses it: a step file of no step of its plan came from elsewhere.
      const path = join(folder, name);
      const file = workspaceRelative(ctx.ws, path);
      ctx.report(
        { code: 'ORPHAN_FILE', file, message: `${file} is the state of a step ${runId} does not have` },
        () => moveIfAllowed(ctx, path),
      );
    }
  }
}

/** The step ids of a run's plan, from its file; undefined when it cannot be read (reported where it is checked). */
function plannedSteps(ctx: DoctorContext, runId: string): Set<string> | undefined {
  try {
    const text = readText(ctx.ws, join(ctx.ws.runsDir, `${runId}.json`));
    const value = JSON.parse(text ?? 'null') as { steps?: Array<{ id?: unknown }> } | null;
    if (!Array.isArray(value?.steps)) return undefined;
    return new Set(value.steps.map((s) => String(s?.id)));
  } catch {
    return undefined;
  }
}

/**
 * The records of one folder, by file name, each checked; `keep` (tasks) takes each valid record
 * instead of the map.
 */
function checkRecordFolder(
  ctx: DoctorContext,
  kind: RecordKind<unknown>,
  unmerged: ReadonlyMap<string, UnmergedFile>,
  folder: string = ctx.ws[kind.folder],
  nested?: Map<string, Record<string, unknown>>,
  keep?: (record: Record<string, unknown>) => void,
): Map<string, Record<string, unknown>> {
  const records = new Map<string, Record<string, unknown>>();
  const entries = listEntries(ctx, folder);
  const names = kind.name === 'run' ? new Set(entries.map((e) => e.name)) : undefined;
  for (const entry of entries) {
    const path = join(folder, entry.name);
    const file = workspaceRelative(ctx.ws, path);
    // A run keeps large step outputs and its step files in a folder named after it.
    if (names?.has(`${entry.name}.json`) && entry.kind === 'folder') {
      if (nested) checkRunFolder(ctx, entry.name, unmerged, nested);
      continue;
    }
    if (entry.kind === 'link') {
      ctx.report({
        code: 'WRONG_TYPE',
        file,
        message: `${file} is a symbolic link: orc reads no record through a link`,
        action: 'remove the link, or replace it with the real file',
      });
      continue;
    }
    if (!kind.isRecordName(entry.name)) {
      const what = entry.name.includes('.tmp-')
        ? 'an unfinished write left by a killed process'
        : 'not an orc file';
      ctx.report({ code: 'ORPHAN_FILE', file, message: `${file} is ${what}` }, () =>
        moveIfAllowed(ctx, path),
      );
      continue;
    }
    if (entry.kind !== 'file') {
      ctx.report({ code: 'WRONG_TYPE', file, message: `${file} is a ${entry.kind}, not a record file` }, () =>
        moveIfAllowed(ctx, path),
      );
      continue;
    }
    let text = readEntry(ctx, path, file);
    if (text === undefined) continue;
    const sides = splitConflict(text);
    if (sides) {
      // Mid-merge, git's index still has all three versions: merge them properly. After the conflict
      // was committed, only the two sides in the file are left.
      const staged = unmerged.get(file);
      const fromIndex = staged?.ours !== undefined && staged.theirs !== undefined;
      const merge = tryMerge(file, fromIndex ? (staged as FileVersions) : sides);
      ctx.report({ code: 'CONFLICT_MARKERS', file, message: `${file} holds git conflict markers` }, () => {
        if ('why' in merge) {
          const moved = moveIfAllowed(ctx, path);
          return moved && `sides unreadable (${merge.why}): ${moved}`;
        }
        writeText(ctx.ws, path, merge.text);
        return fromIndex
          ? `merged git's three versions with the merge driver rules; ${stageIt(file)}`
          : 'merged both sides with the merge driver rules';
      });
      if (!ctx.fix || 'why' in merge) continue;
      text = merge.text;
    }
    const record = checkRecordText(ctx, kind, path, file, text);
    if (record && keep) keep(record);
    else if (record) records.set(entry.name, record);
  }
  return records;
}

/**
 * Every record folder of the table: each file against its kind's schema and file name, conflict
 * markers (merged by the merge driver's rules with --fix), and whatever is not a record file.
 */
export function checkRecordFolders(
  ctx: DoctorContext,
  unmerged: ReadonlyMap<string, UnmergedFile>,
): FoundRecords {
  const byKind: FoundRecords['byKind'] = new Map();
  const tasks: FoundRecords['tasks'] = new Map();
  const intern = interner();
  const keepTask = (record: Record<string, unknown>) => {
    const task = record as unknown as Task;
    tasks.set(task.id, taskReference(task, intern));
  };
  // Records of a kind `within` another are checked in the folders of that kind's records.
  for (const kind of RECORD_KIND_LIST) if (kind.within) byKind.set(kind.name, new Map());
  for (const kind of RECORD_KIND_LIST) {
    if (kind.within) continue;
    const nested = kind.name === 'run' ? byKind.get('runStep') : undefined;
    const keep = kind.name === 'task' ? keepTask : undefined;
    byKind.set(kind.name, checkRecordFolder(ctx, kind, unmerged, ctx.ws[kind.folder], nested, keep));
  }
  return { byKind, tasks };
}
