/**
 * Every environment variable orc reads, under one prefix: `ORC_<KEY>`. The names the orchestration seed
 * used (`ORCHESTRATOR_DIR`, …) stay as aliases, so scripts written for it keep working; when both are
 * set the ORC_ name wins. Code reads them through `envValue`, so this table is the whole list (the
 * README's table is checked against the sources by test/env-variables.test.js).
 */

/** One variable: its key (the name is `ORC_<key>`), the old name it also answers to, what it does. */
export interface OrcVariable {
  key: string;
  alias?: string;
  meaning: string;
  default: string;
}

/** The variables, in the order the README lists them. */
export const ORC_VARIABLES = [
  {
    key: 'DIR',
    alias: 'ORCHESTRATOR_DIR',
    meaning: 'the workspace folder',
    default: 'found upwards from the current folder',
  },
  { key: 'ACTOR', meaning: 'who events record', default: 'the OS user name' },
  { key: 'AGENT', meaning: 'the agent id a command acts for', default: "the agent tool's session" },
  {
    key: 'REDIS_URL',
    alias: 'ORCHESTRATOR_REDIS_URL',
    meaning: 'the Redis of `orc worker` (wins over redis.url)',
    default: 'redis.url in orchestrator.yaml',
  },
  {
    key: 'DATA_DIR',
    alias: 'ORCHESTRATOR_DATA_DIR',
    meaning: 'refused: orc keeps its data in the workspace',
    default: 'unset',
  },
  { key: 'TOKEN', meaning: 'the bearer token of `orc serve` (16+ characters)', default: '.orc/serve-token' },
  { key: 'MCP_TOOLS', meaning: '`core` or `all` tools for `orc mcp`', default: 'mcp.tools, else all' },
  { key: 'DEBUG', meaning: 'print the stack of an unexpected error', default: 'unset' },
  { key: 'FSYNC', meaning: '`1` flushes every write to disk (power loss)', default: 'unset' },
  { key: 'PROGRESS', meaning: '`1` shows progress although stderr is not a terminal', default: 'unset' },
  { key: 'INVOCATION', meaning: 'how briefs say to run orc', default: 'orc on PATH, else node <script>' },
  {
    key: 'WORKTREE_BOARD',
    meaning: '`own` gives a linked git worktree its own board',
    default: "the main worktree's",
  },
  { key: 'TEST_PAUSE_AT', meaning: 'test only: stop the process at a named point', default: 'unset' },
] as const satisfies readonly OrcVariable[];

/** A key of ORC_VARIABLES: `envValue(env, 'DIR')` reads ORC_DIR, else ORCHESTRATOR_DIR. */
export type OrcVariableKey = (typeof ORC_VARIABLES)[number]['key'];

/** The variable that gave a value, by the name the user set (for messages), and the value. */
export interface EnvSetting {
  name: string;
  value: string;
}

const ALIASES: Partial<Record<string, string>> = Object.fromEntries(
  ORC_VARIABLES.flatMap((v) => ('alias' in v ? [[v.key, v.alias]] : [])),
);

/** The setting of `ORC_<key>`, else of its alias; an empty value counts as unset. */
export function envSetting(env: NodeJS.ProcessEnv, key: OrcVariableKey): EnvSetting | undefined {
  const name = `ORC_${key}`;
  if (env[name]) return { name, value: env[name] };
  const alias = ALIASES[key];
  if (alias && env[alias]) return { name: alias, value: env[alias] };
  return undefined;
}

/** The value of `ORC_<key>`, else of its alias, else undefined (an empty value counts as unset). */
export function envValue(env: NodeJS.ProcessEnv, key: OrcVariableKey): string | undefined {
  return envSetting(env, key)?.value;
}

/** Both names of a variable, for messages: `ORC_DIR (or ORCHESTRATOR_DIR)`. */
export function envNames(key: OrcVariableKey): string {
  const alias = ALIASES[key];
  return alias ? `ORC_${key} (or ${alias})` : `ORC_${key}`;
}
