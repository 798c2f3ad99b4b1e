import { configEnvironment, interpolateConfig } from './config-interpolation.js';
import {
  type Doc,
  durationOf,
  gateOf,
  isObject,
  optionalString,
  wholeNumberOf,
  workspacePathOf,
} from './config-values.js';
import { readBoardSettings, readConfigDocument } from './config.js';
import { OrcError, quote, envSetting } from '../shared/index.js';
import { readFlows } from './orchestrator-flows.js';
import { DEFAULT_BRIEF_BUDGET, type KnowledgeSettings, readKnowledgeSettings } from './knowledge-settings.js';
import { type RedisSettings, readRedisSettings } from './redis-settings.js';
import type { AgentConfig, AgentKind, FlowConfig, ProviderConfig } from './config-types.js';
import { type Workspace, dataDirProblem, readText } from '../storage/index.js';

export { findStepCycle } from './orchestrator-flows.js';

export type { AgentConfig, AgentKind, FlowConfig, FlowStepConfig, ProviderConfig } from './config-types.js';

/** orchestrator.yaml, validated and interpolated. `board:` and `knowledge:` are read by their own modules. */
export interface OrchestratorConfig {
  name: string;
  provider?: string;
  concurrency: number;
  providers: Record<string, ProviderConfig>;
  agents: AgentConfig[];
  flows: FlowConfig[];
  knowledge: KnowledgeSettings;
  /** `memory.budget`: consolidation keeps at most this many run notes, archiving the least relevant. */
  memory?: { budget: number };
  /** Set when steps go through Redis to `orc worker` processes (see redis-settings.ts). */
  redis?: RedisSettings;
}

function readProviders(raw: unknown, problems: string[]): Record<string, ProviderConfig> {
  const providers: Record<string, ProviderConfig> = {};
  if (raw === undefined || raw === null) return providers;
  if (!isObject(raw)) {
    problems.push('providers: must be a mapping of provider ids');
    return providers;
  }
  for (const [id, p] of Object.entries(raw)) {
    const at = `providers.${id}`;
    if (!isObject(p)) {
      problems.push(`${at}: must be a mapping with api_key, base_url, model`);
      continue;
    }
    providers[id] = {
      id,
      apiKey: optionalString(p, 'api_key', at, problems),
      baseUrl: optionalString(p, 'base_url', at, problems),
      model: optionalString(p, 'model', at, problems),
      ...(p.timeout === undefined ? {} : { timeoutMs: durationOf(p.timeout, `${at}.timeout`, problems) }),
      ...(p.max_retries === undefined
        ? {}
        : { maxRetries: wholeNumberOf(p.max_retries, `${at}.max_retries`, [0, 10], problems) }),
    };
  }
  return providers;
}

function readCommand(value: unknown, at: string, problems: string[]): string[] | undefined {
  if (value === undefined) return undefined;
  if (Array.isArray(value) && value.length > 0 && value.every((c) => typeof c === 'string' && c !== ''))
    return value as string[];
  problems.push(
    `${at}.command: must be a non-empty list of strings (an argv array; it never goes through a shell)`,
  );
  return undefined;
}

function readEnvMap(value: unknown, at: string, problems: string[]): Record<string, string> | undefined {
  if (value === undefined) return undefined;
  if (
    isObject(value) &&
    Object.values(value).every((v) => ['string', 'number', 'boolean'].includes(typeof v))
  )
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, String(v)]));
  problems.push(`${at}.env: must be a mapping of names to strings`);
  return undefined;
}

interface AgentContext {
  ws: Workspace;
  defaultProvider?: string;
  providers: Record<string, ProviderConfig>;
}

function readAgent(a: unknown, at: string, ctx: AgentContext, problems: string[]): AgentConfig | undefined {
  if (!isObject(a)) {
    problems.push(`${at}: must be a mapping`);
    return undefined;
  }
  const id = typeof a.id === 'string' ? a.id : undefined;
  if (!id || !/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/.test(id))
    problems.push(`${at}.id: must be a name of letters, digits, . _ - (${id ? quote(id) : 'missing'})`);
  let capabilities: string[] = [];
  if (Array.isArray(a.capabilities)) capabilities = a.capabilities.map(String);
  else if (a.capabilities !== undefined && a.capabilities !== null)
    problems.push(`${at}.capabilities: must be a list`);
  const command = readCommand(a.command, at, problems);
  const provider = optionalString(a, 'provider', at, problems);
  if (provider !== undefined && !ctx.providers[provider])
    problems.push(`${at}.provider: ${quote(provider)} is not a configured provider`);
  const cwd =
    a.cwd === undefined ? undefined : workspacePathOf(ctx.ws, a.cwd, 'folder', `${at}.cwd`, problems);
  const kind: AgentKind = command ? 'command' : (provider ?? ctx.defaultProvider) ? 'llm' : 'external';
  const name = optionalString(a, 'name', at, problems);
  return {
    id: id ?? `agent-${at}`,
    name: name ?? id ?? at,
    description: optionalString(a, 'description', at, problems) ?? '',
    capabilities,
    domain: optionalString(a, 'domain', at, problems),
    kind,
    provider: kind === 'llm' ? (provider ?? ctx.defaultProvider) : provider,
    systemPrompt: optionalString(a, 'system_prompt', at, problems),
    gate: gateOf(a.gate, `${at}.gate`, problems),
    gateCriteria: optionalString(a, 'gate_criteria', at, problems),
    command,
    timeoutMs: a.timeout === undefined ? undefined : durationOf(a.timeout, `${at}.timeout`, problems),
    retries:
      a.retries === undefined ? undefined : wholeNumberOf(a.retries, `${at}.retries`, [0, 20], problems),
    cwd,
    env: readEnvMap(a.env, at, problems),
  };
}

function readAgents(raw: unknown, ctx: AgentContext, problems: string[]): AgentConfig[] {
  if (raw === undefined || raw === null) return [];
  if (!Array.isArray(raw)) {
    problems.push('agents: must be a list');
    return [];
  }
  const agents: AgentConfig[] = [];
  const ids = new Set<string>();
  raw.forEach((a, i) => {
    const agent = readAgent(a, `agents[${i}]`, ctx, problems);
    if (!agent) return;
    if (ids.has(agent.id)) problems.push(`agents[${i}].id: ${quote(agent.id)} is used twice`);
    ids.add(agent.id);
    agents.push(agent);
  });
  return agents;
}

/**
 * Unset variables under the api_key of a provider that neither the orchestrator nor any agent uses
 * are not problems: a shared config may list vendors this machine has no key for.
 */
function withoutUnusedKeys(problems: string[], used: Set<string>): string[] {
  return problems.filter((p) => {
    const m = /^providers\.(.+)\.api_key: \$\{/.exec(p);
    return !m || used.has(m[1]!);
  });
}

/** The top-level keys orc reads; any other is reported as a warning (a typo must not go unnoticed). */
const TOP_LEVEL_KEYS = [
  'version',
  'orchestrator',
  'board',
  'providers',
  'agents',
  'flows',
  'concurrency',
  'knowledge',
  'reflection',
  'memory',
  'data_dir',
  'redis',
  'mcp',
];

/** Keys orc does not read: a misspelt `redis:` would otherwise run every step in process, silently. */
function unknownKeyWarnings(raw: Doc): string[] {
  return Object.keys(raw)
    .filter((key) => !TOP_LEVEL_KEYS.includes(key))
    .map((key) => `${key}: not a setting orc reads (ignored); the settings are ${TOP_LEVEL_KEYS.join(', ')}`);
}

/** `memory:` — `budget`, the run notes consolidation keeps (the least relevant are archived). */
function readMemorySettings(raw: unknown, problems: string[]): { budget: number } | undefined {
  if (raw === undefined || raw === null) return undefined;
  if (!isObject(raw)) {
    problems.push('memory: must be a mapping (budget)');
    return undefined;
  }
  for (const key of Object.keys(raw))
    if (key !== 'budget') problems.push(`memory.${key}: not a memory setting (the setting is budget)`);
  if (raw.budget === undefined || raw.budget === null) return undefined;
  const budget = wholeNumberOf(raw.budget, 'memory.budget', [1, 1_000_000], problems);
  return budget === undefined ? undefined : { budget };
}

/** `reflection:` (read by memory's reflectionSettings): each number within its range. */
function readReflection(raw: unknown, problems: string[]): void {
  if (raw === undefined || raw === null) return;
  if (!isObject(raw)) {
    problems.push('reflection: must be a mapping (threshold, min_decisions, approval_rate, window_days)');
    return;
  }
  if (raw.threshold !== undefined) wholeNumberOf(raw.threshold, 'reflection.threshold', [1, 1000], problems);
  if (raw.min_decisions !== undefined)
    wholeNumberOf(raw.min_decisions, 'reflection.min_decisions', [0, 1_000_000], problems);
  if (raw.window_days !== undefined)
    wholeNumberOf(raw.window_days, 'reflection.window_days', [1, 3650], problems);
  const rate = raw.approval_rate;
  if (rate !== undefined && !(typeof rate === 'number' && rate >= 0 && rate <= 1))
    problems.push(`reflection.approval_rate: must be a number from 0 to 1, not ${quote(rate)}`);
}

/**
 * Validates orchestrator.yaml; returns every problem by path (never a key's value), warnings about what
 * it ignores, and the config.
 */
export function checkOrchestratorConfig(
  ws: Workspace,
  env: NodeJS.ProcessEnv = process.env,
): { problems: string[]; warnings: string[]; config?: OrchestratorConfig } {
  const problems: string[] = [];
  let raw: Doc;
  try {
    raw = readConfigDocument(ws);
  } catch (error) {
    return { problems: [(error as Error).message], warnings: [] };
  }
  const vars = configEnvironment(ws, env);
  const doc = interpolateConfig(raw, '', vars, problems) as Doc;
  if (doc.orchestrator !== undefined && doc.orchestrator !== null && !isObject(doc.orchestrator))
    problems.push('orchestrator: must be a mapping');
  const orchestrator = isObject(doc.orchestrator) ? doc.orchestrator : {};
  const providers = readProviders(doc.providers, problems);
  const defaultProvider = optionalString(orchestrator, 'provider', 'orchestrator', problems);
  if (defaultProvider !== undefined && !providers[defaultProvider])
    problems.push(`orchestrator.provider: ${quote(defaultProvider)} is not a configured provider`);
  const agents = readAgents(doc.agents, { ws, defaultProvider, providers }, problems);
  const agentIds = new Set(agents.map((a) => a.id));
  const flows = readFlows(doc.flows, { ws, agentIds, env: vars }, problems);
  const concurrencyAt = doc.concurrency !== undefined ? 'concurrency' : 'orchestrator.concurrency';
  const concurrency = wholeNumberOf(
    doc.concurrency ?? orchestrator.concurrency ?? 4,
    concurrencyAt,
    [1, 256],
    problems,
  );
  const knowledge = readKnowledgeSettings(doc.knowledge, providers, problems);
  const used = new Set(
    [defaultProvider, knowledge.embeddings?.provider.id, ...agents.map((a) => a.provider)].filter(
      (p) => p !== undefined,
    ),
  );
  const config: OrchestratorConfig = {
    name: optionalString(orchestrator, 'name', 'orchestrator', problems) ?? 'orc',
    provider: defaultProvider,
    concurrency: concurrency ?? 4,
    providers,
    agents,
    flows,
    knowledge,
    redis: readRedisSettings(doc.redis, vars, problems),
  };
  const memory = readMemorySettings(doc.memory, problems);
  if (memory) config.memory = memory;
  if (doc.version !== undefined && doc.version !== null && doc.version !== 1 && doc.version !== '1')
    problems.push(`version: must be 1, not ${quote(doc.version)}`);
  readBoardSettings(doc.board, problems);
  readReflection(doc.reflection, problems);
  const dataDir = dataDirProblem(doc);
  if (dataDir) problems.push(dataDir);
  const dataDirVariable = envSetting(env, 'DATA_DIR');
  if (dataDirVariable) problems.push(`${dataDirVariable.name}: not supported, unset it (see data_dir)`);
  const mcp = doc.mcp;
  if (mcp !== undefined && mcp !== null) {
    const tools = isObject(mcp) ? mcp.tools : undefined;
    if (!isObject(mcp) || (tools !== undefined && tools !== null && tools !== 'core' && tools !== 'all'))
      problems.push('mcp.tools: must be core or all');
  }
  return { problems: withoutUnusedKeys(problems, used), warnings: unknownKeyWarnings(raw), config };
}

/** Loads orchestrator.yaml; every problem is listed, by path, in one INVALID_INPUT error. */
export function loadOrchestratorConfig(
  ws: Workspace,
  env: NodeJS.ProcessEnv = process.env,
): OrchestratorConfig {
  const { problems, config } = checkOrchestratorConfig(ws, env);
  if (problems.length > 0 || !config) {
    const count = problems.length === 1 ? '1 problem' : `${problems.length} problems`;
    throw new OrcError('INVALID_INPUT', `orchestrator.yaml: ${count}: ${problems.join('; ')}`, {
      details: { problems },
    });
  }
  return config;
}

/**
 * The knowledge settings of a workspace. Most workspaces have no `knowledge:` section, and search is
 * on the hot path of agents, so the YAML (and the rest of the config) is parsed only when there is one.
 */
export async function loadKnowledgeSettings(ws: Workspace): Promise<KnowledgeSettings> {
  const text = readText(ws, ws.configFile) ?? ''; // no orchestrator.yaml: the defaults
  if (!/^knowledge\s*:/m.test(text)) return { search: 'lexical', briefBudget: DEFAULT_BRIEF_BUDGET };
  return loadOrchestratorConfig(ws).knowledge;
}
