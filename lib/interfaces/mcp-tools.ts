import { invalidInput } from '../shared/index.js';
import type { OperationName } from '../operations/index.js';

/*
 * The MCP server's tools: each is an operation (lib/operations) under the name MCP clients know: the
 * seed's eight `orchestrator_*` tools, and `<noun>_<verb>` for the board. A tool's argument schema is
 * its operation's input schema. Where a tool differs from its operation, on purpose:
 * - `task_next` registers an agent it does not know as a worker (`register` defaults to true here): a
 *   client that only speaks MCP would otherwise need a second call before its first task;
 * - `events_recent` answers the events only, the last 20 unless `last` says otherwise;
 * - the `orchestrator_*` tools take the seed's names too (`run_id`, `flow_id`, `step_id`, `notes`,
 *   `promotion_id`, `rule_id`) and `config_path`, the orchestrator.yaml whose workspace to act on, so
 *   that one server serves several workspaces as the seed's Claude Desktop wiring assumes.
 */

export interface ToolSpec {
  name: string;
  operation: OperationName;
  /** Defaults applied to the arguments before the operation sees them. */
  defaults?: Record<string, unknown>;
  /** Other names accepted for fields: the seed's (`run_id` for `run`). */
  aliases?: Record<string, string>;
  /** Takes `config_path` (an orchestrator.yaml) to choose the workspace, as the seed's tools do. */
  configPath?: boolean;
  /** Changes nothing it is not asked to but may end or undo work (MCP's destructiveHint). */
  destructive?: boolean;
  /** The answer from the operation's result (the result itself unless said). */
  reply?: (result: never, warn: (message: string) => void) => unknown;
}

export const TOOLS: readonly ToolSpec[] = [
  { name: 'orchestrator_run', operation: 'startRun', configPath: true, aliases: { flow_id: 'flow' } },
  { name: 'orchestrator_status', operation: 'getRun', configPath: true, aliases: { run_id: 'run' } },
  {
    name: 'orchestrator_approve',
    operation: 'decideGate',
    configPath: true,
    aliases: { run_id: 'run', step_id: 'step', notes: 'note' },
  },
  { name: 'orchestrator_list_runs', operation: 'listRuns', configPath: true },
  { name: 'orchestrator_list_agents', operation: 'listConfiguredAgents', configPath: true },
  { name: 'orchestrator_reflect', operation: 'reflectOnRuns', configPath: true },
  {
    name: 'orchestrator_reflect_promote',
    operation: 'decidePromotion',
    configPath: true,
    aliases: { promotion_id: 'id' },
  },
  {
    name: 'orchestrator_reflect_demote',
    operation: 'demoteRule',
    configPath: true,
    aliases: { rule_id: 'rule' },
    destructive: true,
  },
  { name: 'task_next', operation: 'nextTask', defaults: { register: true } },
  { name: 'task_show', operation: 'getTask' },
  { name: 'task_complete', operation: 'completeTask' },
  { name: 'task_fail', operation: 'failTask' },
  { name: 'task_release', operation: 'releaseTask' },
  { name: 'task_note', operation: 'addTaskNote' },
  { name: 'task_add', operation: 'addTask' },
  { name: 'task_list', operation: 'listTasks' },
  { name: 'agent_register', operation: 'registerAgent' },
  { name: 'agent_heartbeat', operation: 'heartbeatAgent' },
  { name: 'agent_prime', operation: 'primeAgent', reply: (p: { text: string }) => p.text },
  { name: 'workstream_list', operation: 'listWorkstreams' },
  { name: 'workstream_create', operation: 'createWorkstream' },
  { name: 'kb_search', operation: 'searchKnowledge' },
  { name: 'kb_write', operation: 'writeKnowledge' },
  { name: 'lock_acquire', operation: 'acquireLock' },
  { name: 'lock_release', operation: 'releaseLock' },
  {
    name: 'events_recent',
    operation: 'listEvents',
    defaults: { last: 20 },
    reply: (read: { events: unknown[]; corrupt: unknown[] }, warn) => {
      if (read.corrupt.length > 0) warn(`${read.corrupt.length} corrupt line(s) of events.jsonl skipped`);
      return read.events;
    },
  },
];

/** The tools `--tools core` exposes: enough to work the board and start and follow runs. */
export const CORE_TOOLS = [
  'task_next',
  'task_complete',
  'task_fail',
  'kb_search',
  'orchestrator_run',
  'orchestrator_status',
] as const;

/** What the server tells a client at initialisation: the protocol, in the fewest tokens. */
export const MCP_INSTRUCTIONS =
  'orc coordinates agents through a task board. Protocol: task_next {agent} claims your next task and returns its brief; do it; report with task_complete {id, result, token} or task_fail {id, reason, token}. Call agent_heartbeat {agent} at least every 10 minutes while you work, or your claim expires and goes to another agent. Take lock_acquire {resource, agent} before editing shared files; lock_release after. Search what the team knows with kb_search; write what you learned with kb_write.';

export function checkToolSet(value: unknown, what: string): 'core' | 'all' {
  if (value === 'core' || value === 'all') return value;
  throw invalidInput(`${what} must be core or all, not ${JSON.stringify(value)}`);
}
