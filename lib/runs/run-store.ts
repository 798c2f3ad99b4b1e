import { join } from 'node:path';
import { notFound, quote } from '../shared/index.js';
import {
  type Mutation,
  RECORD_KINDS,
  type Workspace,
  listFolder,
  listRecords,
  nestedFolderOf,
  readRecord,
  validateRecordFile,
  workspaceRelative,
} from '../storage/index.js';
import {
  type Run,
  type RunFile,
  type RunStep,
  type StepFile,
  assembleRun,
  hasMoved,
  runHeaderOf,
  stepFileOf,
} from '../records/index.js';

/*
 * Where a run is kept and how it is read and written (the format is in lib/records/run-file-schema.ts):
 * its header `state/runs/<id>.json` and one file per step that has moved, `state/runs/<id>/steps/`.
 * A run of format 1 (one file holding everything) is read as it is and migrated when next written.
 */

export const runFile = (ws: Workspace, id: string) => join(ws.runsDir, `${id}.json`);

export const stepsFolder = (ws: Workspace, id: string) => nestedFolderOf(ws, RECORD_KINDS.runStep, id);

export const stepFile = (ws: Workspace, runId: string, stepId: string) =>
  join(stepsFolder(ws, runId), RECORD_KINDS.runStep.fileNameOf(stepId));

/** A run as read: the run with its steps, and the format its files are in. */
export interface StoredRun {
  run: Run;
  format: 1 | 2;
}

function toRun(ws: Workspace, file: RunFile, steps: () => StepFile[]): Run {
  if (file.v !== 2) return file;
  const label = workspaceRelative(ws, runFile(ws, file.id));
  return assembleRun(file, new Map(steps().map((s) => [s.id, s])), label);
}

/** A run read outside a mutation (header, then its step files), or undefined when it has no file. */
export function loadRun(ws: Workspace, id: string): Run | undefined {
  const file = readRecord(ws, 'run', id);
  return file && toRun(ws, file, () => listRecords(ws, 'runStep', id));
}

/** Every run, in file-name order. */
export function loadRuns(ws: Workspace): Run[] {
  return listRecords(ws, 'run').map((file) => toRun(ws, file, () => listRecords(ws, 'runStep', file.id)));
}

/** A step's file read inside a mutation (its own writes win), or undefined while the step has none. */
export function readStepFileIn(m: Mutation, runId: string, stepId: string): StepFile | undefined {
  const path = stepFile(m.ws, runId, stepId);
  const label = workspaceRelative(m.ws, path);
  const raw = m.readJson<unknown>(path, label);
  return raw === undefined ? undefined : validateRecordFile(RECORD_KINDS.runStep, raw, path, label);
}

/** Reads a run inside a mutation, with the format it is stored in. */
export function readStoredRun(m: Mutation, id: string): StoredRun {
  const label = workspaceRelative(m.ws, runFile(m.ws, id));
  const raw = m.readJson<unknown>(runFile(m.ws, id), label);
  if (raw === undefined) throw notFound(`run ${quote(id)} not found`);
  const file = validateRecordFile(RECORD_KINDS.run, raw, label, label);
  const steps = () =>
    listFolder(m.ws, stepsFolder(m.ws, id))
      .filter((entry) => RECORD_KINDS.runStep.isRecordName(entry.name))
      .map((entry) => readStepFileIn(m, id, entry.name.slice(0, -'.json'.length)))
      .filter((s): s is StepFile => s !== undefined);
  return { run: toRun(m.ws, file, steps), format: file.v === 1 ? 1 : 2 };
}

/**
 * Writes a run after a change inside a mutation: the files of the steps in `changed`, and the header
 * when `header` says so. A run still in format 1 is migrated: its header and every step that has
 * moved are written (once; later writes are the steps only).
 */
export function writeRun(
  m: Mutation,
  run: Run,
  changed: readonly RunStep[],
  options: { format: 1 | 2 | 'new'; header: boolean },
): void {
  const steps = options.format === 2 ? changed : run.steps.filter(hasMoved);
  for (const step of steps) m.writeJson(stepFile(m.ws, run.id, step.id), stepFileOf(step, m.nowIso));
  if (options.header || options.format !== 2) m.writeJson(runFile(m.ws, run.id), runHeaderOf(run));
  run.v = 2;
}
