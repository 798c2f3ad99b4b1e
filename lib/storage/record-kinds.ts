import { join, sep } from 'node:path';
import {
  type Agent,
  type Cycle,
  type Lock,
  type PolicyRule,
  type RunFile,
  type StepFile,
  type Task,
  type Workstream,
  invalidRecord,
  mergeOwnedRecord,
  mergeRecord,
  mergeTask,
  validateAgent,
  validateCycle,
  validateLock,
  validatePolicy,
  validateRunFile,
  validateStepFile,
  validateTask,
  validateWorkstream,
} from '../records/index.js';
import { OrcError, quote, resourceFileName } from '../shared/index.js';
import { listFolder, readTextsIn, workspaceRelative } from './files.js';
import { parseJson, readJsonIfExists } from './json-file.js';
import { type Workspace, workspaceAt } from './workspace.js';

/*
 * The one table of orc's record kinds: for each, its folder, its schema, which file names are its
 * records and what a record's file is called, and how two versions of one record merge. Readers,
 * `orc doctor` and the git merge driver all go by it, so a new kind is known to all of them at once.
 */

/** The type of each kind's records. */
export interface RecordTypes {
  task: Task;
  workstream: Workstream;
  agent: Agent;
  lock: Lock;
  run: RunFile;
  runStep: StepFile;
  cycle: Cycle;
  policy: PolicyRule;
}

export type RecordKindName = keyof RecordTypes;

type FolderField =
  | 'tasksDir'
  | 'workstreamsDir'
  | 'agentsDir'
  | 'locksDir'
  | 'runsDir'
  | 'cyclesDir'
  | 'policiesDir';

export interface RecordKind<T> {
  readonly name: RecordKindName;
  /** How messages name one record ("task", "policy rule"). */
  readonly noun: string;
  /** The Workspace field naming the kind's folder. */
  readonly folder: FolderField;
  /** The field a record's file is named after. */
  readonly keyField: string;
  /** Whether a file name in the folder is one of this kind's records (other files are not read). */
  isRecordName(name: string): boolean;
  /** The name of the file of the record with this key. */
  fileNameOf(key: string): string;
  /** The record, or CORRUPT naming `file` and every problem by its field path. */
  validate(value: unknown, file: string): T;
  /** Three-way merge of two versions of one record (pure; see lib/records/merge.ts). */
  merge(base: T | undefined, ours: T, theirs: T): T;
  /**
   * For a kind whose records live in a folder of each record of another kind (a run's step files, in
   * `state/runs/<run id>/steps/`): that kind, and the subfolder of the record's folder.
   */
  readonly within?: { readonly parent: RecordKindName; readonly subfolder: string };
}

type Doc = Record<string, unknown>;

const jsonNamed = (prefix: string) => (name: string) =>
  name.startsWith(prefix) && name.endsWith('.json') && name.length > prefix.length + '.json'.length;
const anyJson = (name: string) => !name.startsWith('.') && name.endsWith('.json') && name.length > 5;
const keyDotJson = (key: string) => `${key}.json`;
/** Field by field; where both sides changed a field, the side whose `clock` is later. */
const byClock =
  <T>(clock: string) =>
  (base: T | undefined, ours: T, theirs: T): T =>
    mergeRecord(base as Doc | undefined, ours as Doc, theirs as Doc, (d) => String(d[clock] ?? '')) as T;
/** Runs and cycles belong to the one process that runs them: the later version wins whole. */
const wholeLater = <T extends { updatedAt?: string; startedAt?: string }>(
  _base: T | undefined,
  ours: T,
  theirs: T,
) => mergeOwnedRecord(ours, theirs);

export const RECORD_KINDS: { readonly [K in RecordKindName]: RecordKind<RecordTypes[K]> } = {
  task: {
    name: 'task',
    noun: 'task',
    folder: 'tasksDir',
    keyField: 'id',
    isRecordName: jsonNamed('t-'),
    fileNameOf: keyDotJson,
    validate: validateTask,
    merge: mergeTask,
  },
  workstream: {
    name: 'workstream',
    noun: 'workstream',
    folder: 'workstreamsDir',
    keyField: 'name',
    isRecordName: anyJson,
    fileNameOf: keyDotJson,
    validate: validateWorkstream,
    merge: byClock('updatedAt'),
  },
  agent: {
    name: 'agent',
    noun: 'agent',
    folder: 'agentsDir',
    keyField: 'id',
    isRecordName: anyJson,
    fileNameOf: keyDotJson,
    validate: validateAgent,
    merge: byClock('lastSeen'),
  },
  lock: {
    name: 'lock',
    noun: 'lock',
    folder: 'locksDir',
    keyField: 'resource',
    isRecordName: anyJson,
    fileNameOf: resourceFileName,
    validate: validateLock,
    merge: byClock('expiresAt'),
  },
  run: {
    name: 'run',
    noun: 'run',
    folder: 'runsDir',
    keyField: 'id',
    isRecordName: jsonNamed('r-'),
    fileNameOf: keyDotJson,
    validate: validateRunFile,
    merge: wholeLater,
  },
  runStep: {
    name: 'runStep',
    noun: 'run step',
    folder: 'runsDir',
    keyField: 'id',
    isRecordName: anyJson,
    fileNameOf: keyDotJson,
    validate: validateStepFile,
    // A step belongs to the one runner that runs it: the version that moved last wins whole.
    merge: (_base, ours, theirs) => (theirs.updatedAt > ours.updatedAt ? theirs : ours),
    within: { parent: 'run', subfolder: 'steps' },
  },
  cycle: {
    name: 'cycle',
    noun: 'cycle',
    folder: 'cyclesDir',
    keyField: 'id',
    isRecordName: jsonNamed('c-'),
    fileNameOf: keyDotJson,
    validate: validateCycle,
    merge: wholeLater,
  },
  policy: {
    name: 'policy',
    noun: 'policy rule',
    folder: 'policiesDir',
    keyField: 'id',
    isRecordName: jsonNamed('p-'),
    fileNameOf: keyDotJson,
    validate: validatePolicy,
    merge: byClock('createdAt'),
  },
};

/** Every record kind, in the table's order. */
export const RECORD_KIND_LIST: ReadonlyArray<RecordKind<unknown>> = Object.values(RECORD_KINDS) as never;

/** The key (id, name, resource) a record's file is named after. */
export function recordKey<T>(kind: RecordKind<T>, record: T): string {
  return String((record as Doc)[kind.keyField]);
}

/** The name a record's file must have. */
export function recordFileName<T>(kind: RecordKind<T>, record: T): string {
  return kind.fileNameOf(recordKey(kind, record));
}

/**
 * Validates a record read from `file` (a path, relative to the workspace or to the repository that
 * holds it): its schema, and that it is named after its key, since a record under another name is
 * found by no one who looks it up and would be merged with another record. Errors name `label`.
 */
export function validateRecordFile<T>(kind: RecordKind<T>, value: unknown, file: string, label = file): T {
  const record = kind.validate(value, label);
  const expected = recordFileName(kind, record);
  const name = file.slice(file.lastIndexOf('/') + 1);
  if (expected !== name) {
    const key = recordKey(kind, record);
    throw invalidRecord(label, kind.noun, [
      `${kind.keyField}: ${quote(key)} does not match the file name ${name} (its file is ${expected})`,
    ]);
  }
  return record;
}

// The folders' paths relative to any workspace root, for recognising a path git names.
const LAYOUT = workspaceAt(sep);
const relativeFolder = (kind: RecordKind<unknown>) => workspaceRelative(LAYOUT, LAYOUT[kind.folder]);

/**
 * The kind of the record at `path` (forward slashes, relative to the workspace or to the repository
 * that holds it, as git's merge driver gets it), or undefined for any other file.
 */
export function recordKindOfPath(path: string): RecordKind<unknown> | undefined {
  const slash = path.lastIndexOf('/');
  const folder = slash < 0 ? '' : path.slice(0, slash);
  const name = path.slice(slash + 1);
  const inFolder = (at: string, rel: string) => at === rel || at.endsWith(`/${rel}`);
  return RECORD_KIND_LIST.find((kind) => {
    if (!kind.isRecordName(name)) return false;
    if (!kind.within) return inFolder(folder, relativeFolder(kind));
    // <parent's folder>/<parent key>/<subfolder>/<name>
    const parent = RECORD_KINDS[kind.within.parent] as RecordKind<unknown>;
    const suffix = `/${kind.within.subfolder}`;
    if (!folder.endsWith(suffix)) return false;
    const owner = folder.slice(0, -suffix.length);
    const cut = owner.lastIndexOf('/');
    const key = owner.slice(cut + 1);
    return (
      cut >= 0 &&
      parent.isRecordName(parent.fileNameOf(key)) &&
      inFolder(owner.slice(0, cut), relativeFolder(parent))
    );
  });
}

/** The folder of the records of a `within` kind that belong to the record `parentKey` of its parent kind. */
export function nestedFolderOf<T>(ws: Workspace, kind: RecordKind<T>, parentKey: string): string {
  if (!kind.within) throw new Error(`${kind.name} records have a folder of their own`);
  return join(ws[kind.folder], parentKey, kind.within.subfolder);
}

/** A record file the reader cannot read as one, named by its path. */
function notARecordFile(file: string, what: 'link' | 'folder' | 'other'): OrcError {
  if (what === 'link') {
    return new OrcError(
      'INVALID_INPUT',
      `${file} in the workspace is a symbolic link: orc reads no record through a link (remove it, or replace it with the real file)`,
      { details: { path: file } },
    );
  }
  return new OrcError(
    'CORRUPT',
    `${file} in the workspace is a ${what === 'folder' ? 'folder' : 'special file'}, not a record file: move it away or run \`orc doctor\``,
    { details: { path: file } },
  );
}

function readRecordFile<T>(ws: Workspace, kind: RecordKind<T>, path: string, label: string): T | undefined {
  let value: unknown;
  try {
    value = readJsonIfExists<unknown>(ws, path, label);
  } catch (error) {
    if (error instanceof OrcError) throw error;
    const code = (error as NodeJS.ErrnoException).code;
    if (typeof code !== 'string') throw error;
    // EACCES, EIO and the like: say which file, with the code a person can act on.
    throw new OrcError('CORRUPT', `${label} cannot be read: ${code}: move it away or run \`orc doctor\``, {
      cause: error,
      details: { file: label },
    });
  }
  return value === undefined ? undefined : validateRecordFile(kind, value, label);
}

/**
 * Every record of a kind, in file-name order. Only a missing folder means "no records"; a folder of
 * the wrong type, a record file that is a link, a folder or unreadable, or a record that fails its
 * schema or its file name is an error naming the path.
 */
export function listRecords<K extends RecordKindName>(
  ws: Workspace,
  name: K,
  /** For a `within` kind: the key of the record whose records these are. */
  parentKey?: string,
): RecordTypes[K][] {
  const kind = RECORD_KINDS[name] as RecordKind<RecordTypes[K]>;
  if (kind.within && parentKey === undefined)
    throw new Error(`${kind.noun} records are listed by their ${kind.within.parent}`);
  const folder = kind.within ? nestedFolderOf(ws, kind, parentKey!) : ws[kind.folder];
  const records: RecordTypes[K][] = [];
  for (const entry of listFolder(ws, folder)) {
    if (!kind.isRecordName(entry.name)) continue;
    const path = join(folder, entry.name);
    const label = workspaceRelative(ws, path);
    if (entry.kind !== 'file') throw notARecordFile(label, entry.kind);
    const record = readRecordFile(ws, kind, path, label);
    // Removed between the listing and the read (a concurrent release): no longer a record.
    if (record !== undefined) records.push(record);
  }
  return records;
}

/** The record of a kind with this key (id, name, resource), or undefined when it has no file. */
export function readRecord<K extends RecordKindName>(
  ws: Workspace,
  name: K,
  key: string,
): RecordTypes[K] | undefined {
  const kind = RECORD_KINDS[name] as RecordKind<RecordTypes[K]>;
  const path = join(ws[kind.folder], kind.fileNameOf(key));
  return readRecordFile(ws, kind, path, workspaceRelative(ws, path));
}

/**
 * The records of a kind with these keys, as readRecord reads each (the same checks and errors), by
 * key; a key with no file is left out. The folder is confined once for all of them, not once per file:
 * status reads the title of every claimed task (thousands) this way.
 */
export function readRecords<K extends RecordKindName>(
  ws: Workspace,
  name: K,
  keys: readonly string[],
): Map<string, RecordTypes[K]> {
  const kind = RECORD_KINDS[name] as RecordKind<RecordTypes[K]>;
  if (kind.within) throw new Error(`${kind.noun} records are read by their ${kind.within.parent}`);
  const folder = ws[kind.folder];
  const byName = new Map(keys.map((key) => [kind.fileNameOf(key), key]));
  let texts: Map<string, string>;
  try {
    texts = readTextsIn(ws, folder, [...byName.keys()]);
  } catch (error) {
    if (error instanceof OrcError) throw error;
    const code = (error as NodeJS.ErrnoException).code;
    if (typeof code !== 'string') throw error;
    const label = workspaceRelative(ws, folder);
    throw new OrcError('CORRUPT', `${label} cannot be read: ${code}: move it away or run \`orc doctor\``, {
      cause: error,
      details: { file: label },
    });
  }
  const records = new Map<string, RecordTypes[K]>();
  const base = workspaceRelative(ws, folder);
  for (const [fileName, text] of texts) {
    const label = `${base}/${fileName}`;
    records.set(byName.get(fileName)!, validateRecordFile(kind, parseJson<unknown>(text, label), label));
  }
  return records;
}

/** What readRecordIn needs of a mutation: its workspace and its reads, which see its own writes. */
export interface RecordReader {
  readonly ws: Workspace;
  readJson<T>(path: string, label: string): T | undefined;
}

/** Like readRecord, inside a mutation: the mutation's own pending writes win over the file. */
export function readRecordIn<K extends RecordKindName>(
  m: RecordReader,
  name: K,
  key: string,
): RecordTypes[K] | undefined {
  const kind = RECORD_KINDS[name] as RecordKind<RecordTypes[K]>;
  const path = join(m.ws[kind.folder], kind.fileNameOf(key));
  const label = workspaceRelative(m.ws, path);
  const raw = m.readJson<unknown>(path, label);
  return raw === undefined ? undefined : kind.validate(raw, label);
}
