import type { z } from 'zod';
import { invalidInput } from '../shared/index.js';
import type { Workspace } from '../storage/index.js';
import type { RunContinuer } from '../app/index.js';

/*
 * The MCP server's tools: the seed's eight orchestrator_* tools (mcp-orchestrator-tools.ts) and the
 * board (mcp-board-tools.ts). Descriptions and schemas are kept to one line and the needed fields,
 * since agents pay for them in tokens on every turn. Each call gets a workspace found afresh, so a
 * tool never answers from a stale copy.
 */

export type Zod = typeof z;
type Shape = Record<string, z.ZodType>;

/** What a tool call gets besides its arguments. */
export interface ToolContext {
  ws: Workspace;
  actor?: string;
  /** How to invoke orc, for the commands printed by background runners. */
  invocation: string;
  onWarning: (message: string) => void;
  /** How a started or decided run goes on (see RunContinuer). */
  continueRun?: RunContinuer;
}

export interface McpTool {
  name: string;
  description: string;
  input: Shape;
  call: (args: never, ctx: ToolContext) => Promise<unknown>;
}

/** The tools `--tools core` exposes: enough to work the board and start and follow runs. */
export const CORE_TOOLS = [
  'task_next',
  'task_complete',
  'task_fail',
  'kb_search',
  'orchestrator_run',
  'orchestrator_status',
] as const;

export const tool = <S extends Shape>(
  name: string,
  description: string,
  input: S,
  call: (args: z.output<z.ZodObject<S>>, ctx: ToolContext) => Promise<unknown>,
): McpTool => ({ name, description, input, call: call as McpTool['call'] });

export function checkToolSet(value: unknown, what: string): 'core' | 'all' {
  if (value === 'core' || value === 'all') return value;
  throw invalidInput(`${what} must be core or all, not ${JSON.stringify(value)}`);
}
