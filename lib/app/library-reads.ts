import * as board from '../board/index.js';
import * as knowledge from '../knowledge/index.js';
import * as memory from '../memory/index.js';
import * as runs from '../runs/index.js';
import * as storage from '../storage/index.js';
import type { EventFilter, Workspace } from '../storage/index.js';

/*
 * The library's reads, as its users get them: every read is async, like every write, so a caller never
 * has to know which ones touch the disk synchronously inside (those stay synchronous within lib/,
 * where a mutation needs them under its lock). The verbs: `get` one record, `list` records, `read` a
 * document or the log.
 */

/** One agent, live or stale. */
export const getAgent = async (ws: Workspace, id: string, options: { now?: Date } = {}) =>
  board.getAgent(ws, id, options);
/** Registered agents, live or stale. */
export const listAgents = async (ws: Workspace, options: { now?: Date } = {}) =>
  board.listAgents(ws, options);
/** Locks held now (`all`: expired ones too). */
export const listLocks = async (ws: Workspace, options: { all?: boolean; now?: Date } = {}) =>
  board.listLocks(ws, options);
/** One workstream by name. */
export const getWorkstream = async (ws: Workspace, name: string) => board.getWorkstream(ws, name);
/** Workstreams, most urgent first. */
export const listWorkstreams = async (ws: Workspace) => board.listWorkstreams(ws);
/** The cycle in progress, if any. */
export const getCurrentCycle = async (ws: Workspace) => board.currentCycle(ws);
/** One run by id or unique prefix. */
export const getRun = async (ws: Workspace, ref: string) => runs.getRun(ws, ref);
/** Runs, newest first. */
export const listRuns = async (ws: Workspace, filter: { status?: string } = {}) => runs.listRuns(ws, filter);
/** One policy rule by id or unique prefix. */
export const getPolicy = async (ws: Workspace, id: string) => runs.getPolicy(ws, id);
/** Policy rules, oldest first. */
export const listPolicies = async (ws: Workspace) => runs.listPolicies(ws);
/** Run notes with their relevance now. */
export const listMemories = async (ws: Workspace, options: { now?: Date } = {}) =>
  memory.listMemories(ws, options);
/** Pending promotions, active rules, demotion candidates. */
export const getReflection = async (ws: Workspace) => memory.reflect(ws);
/** One knowledge document: its fields, front matter, body and text. */
export const readKnowledge = async (ws: Workspace, name: string) => knowledge.readKnowledge(ws, name);
/** Events of the log that pass the filter, oldest first, and the lines that are not events. */
export const readEvents = async (ws: Workspace, filter: EventFilter = {}) => storage.readEvents(ws, filter);
/** Events appended since `offset` (a previous read's `offset`), for following the log. */
export const readEventsFrom = async (ws: Workspace, offset: number) => storage.readEventsFrom(ws, offset);
