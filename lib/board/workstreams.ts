import { join } from 'node:path';
import { conflict, invalidInput, notFound, quote } from '../shared/index.js';
import { listRecords, readRecordIn } from '../storage/index.js';
import { type ActorOptions, type Mutation, mutate } from '../storage/index.js';
import { checkName } from '../shared/index.js';
import { DEFAULT_PRIORITY, type Workstream, checkDescription, parsePriority } from '../records/index.js';
import type { Workspace } from '../storage/index.js';
import { compareText } from '../shared/index.js';

export { WORKSTREAM_STATUSES, type Workstream, type WorkstreamStatus } from '../records/index.js';

export interface CreateWorkstreamInput {
  name: string;
  description?: string;
  priority?: number | string;
}

export interface UpdateWorkstreamInput {
  description?: string;
  priority?: number | string;
}

const fileOf = (ws: Workspace, name: string) => join(ws.workstreamsDir, `${name}.json`);

function ordered(w: Workstream): Workstream {
  return {
    v: 1,
    name: w.name,
    description: w.description,
    priority: w.priority,
    status: w.status,
    createdAt: w.createdAt,
    updatedAt: w.updatedAt,
  };
}

/** Reads a workstream inside a mutation; NOT_FOUND names the workstream. */
export function requireWorkstream(m: Mutation, name: string): Workstream {
  checkName('workstream', name);
  const workstream = readRecordIn(m, 'workstream', name);
  if (workstream === undefined)
    throw notFound(`workstream ${quote(name)} not found: create it with \`orc ws create ${name}\``);
  return workstream;
}

export async function createWorkstream(
  ws: Workspace,
  input: CreateWorkstreamInput,
  options: ActorOptions = {},
): Promise<Workstream> {
  const name = checkName('workstream', input.name);
  const description = checkDescription(input.description);
  const priority = input.priority === undefined ? DEFAULT_PRIORITY : parsePriority(input.priority);
  return mutate(ws, options, (m) => {
    if (m.readJson(fileOf(ws, name), name) !== undefined)
      throw conflict(`workstream ${quote(name)} already exists`);
    return writeNewWorkstream(m, { name, description, priority });
  });
}

/** Inside a mutation: creates a workstream from checked input, with its event. */
export function writeNewWorkstream(
  m: Mutation,
  input: { name: string; description: string; priority: number },
) {
  const workstream: Workstream = {
    v: 1,
    name: input.name,
    description: input.description,
    priority: input.priority,
    status: 'active',
    createdAt: m.nowIso,
    updatedAt: m.nowIso,
  };
  m.writeJson(fileOf(m.ws, input.name), workstream);
  m.emit('workstream.created', input.name, { description: input.description, priority: input.priority });
  return workstream;
}

export async function updateWorkstream(
  ws: Workspace,
  name: string,
  input: UpdateWorkstreamInput,
  options: ActorOptions = {},
): Promise<Workstream> {
  const changes: Partial<Workstream> = {};
  if (input.description !== undefined) changes.description = checkDescription(input.description);
  if (input.priority !== undefined) changes.priority = parsePriority(input.priority);
  if (Object.keys(changes).length === 0)
    throw invalidInput('description or priority: give one to change (nothing to update)', {
      field: 'description',
    });
  return mutate(ws, options, (m) => {
    const current = requireWorkstream(m, name);
    const next = ordered({ ...current, ...changes, updatedAt: m.nowIso });
    m.writeJson(fileOf(ws, name), next);
    m.emit('workstream.updated', name, { ...changes });
    return next;
  });
}

/** Archived workstreams keep their tasks but take no new ones and hand none out. */
export async function archiveWorkstream(
  ws: Workspace,
  name: string,
  options: ActorOptions = {},
): Promise<Workstream> {
  return mutate(ws, options, (m) => {
    const current = requireWorkstream(m, name);
    if (current.status === 'archived') throw conflict(`workstream ${quote(name)} is already archived`);
    const next = ordered({ ...current, status: 'archived', updatedAt: m.nowIso });
    m.writeJson(fileOf(ws, name), next);
    m.emit('workstream.archived', name);
    return next;
  });
}

/** Every workstream, most urgent first. */
export function listWorkstreams(ws: Workspace): Workstream[] {
  return listRecords(ws, 'workstream').sort((a, b) => a.priority - b.priority || compareText(a.name, b.name));
}

export function getWorkstream(ws: Workspace, name: string): Workstream {
  checkName('workstream', name);
  const found = listWorkstreams(ws).find((w) => w.name === name);
  if (!found) throw notFound(`workstream ${quote(name)} not found`);
  return found;
}
