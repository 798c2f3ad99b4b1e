import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, isAbsolute, join, relative, resolve } from 'node:path';
import { parseEnv } from 'node:util';
import { readConfigDocument } from './config.js';
import { parseDuration } from './durations.js';
import { OrcError, quote } from './errors.js';
import type { Workspace } from './workspace.js';

/** An OpenAI-compatible endpoint. The key is only ever handed to the client, never written anywhere. */
export interface ProviderConfig {
  id: string;
  apiKey?: string;
  baseUrl?: string;
  model?: string;
  timeoutMs?: number;
  maxRetries?: number;
}

export type AgentKind = 'command' | 'llm' | 'external';

export interface AgentConfig {
  id: string;
  name: string;
  description: string;
  capabilities: string[];
  domain?: string;
  /** command if `command` is given; llm if it has a provider (its own or the orchestrator's); else external. */
  kind: AgentKind;
  provider?: string;
  systemPrompt?: string;
  /** `gate: true` means `after`. */
  gate?: 'before' | 'after';
  gateCriteria?: string;
  /** An argv array: never run through a shell. */
  command?: string[];
  timeoutMs?: number;
  retries?: number;
  cwd?: string;
  env?: Record<string, string>;
}

export interface FlowStepConfig {
  id: string;
  agent: string;
  task: string;
  deps: string[];
  gate?: 'before' | 'after';
}

export interface FlowConfig {
  id: string;
  /** A regular expression (source) matched against the task. */
  trigger?: string;
  steps: FlowStepConfig[];
}

export interface OrchestratorConfig {
  name: string;
  provider?: string;
  dataDir?: string;
  concurrency: number;
  providers: Record<string, ProviderConfig>;
  agents: AgentConfig[];
  flows: FlowConfig[];
}

type Doc = Record<string, unknown>;
const isObject = (v: unknown): v is Doc => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Replaces `${VAR}` and `${VAR:-default}`; an unset variable without default is reported by path. */
function interpolate(
  value: unknown,
  path: string,
  env: NodeJS.ProcessEnv,
  problems: string[],
  secret: boolean,
): unknown {
  if (typeof value === 'string') {
    return value.replace(
      /\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}/g,
      (_match, name: string, fallback?: string) => {
        const found = env[name];
        if (found !== undefined && found !== '') return found;
        if (fallback !== undefined) return fallback;
        problems.push(`${path}: \${${name}} is not set${secret ? '' : ' (and has no :-default)'}`);
        return '';
      },
    );
  }
  if (Array.isArray(value))
    return value.map((v, i) => interpolate(v, `${path}[${i}]`, env, problems, secret));
  if (isObject(value)) {
    return Object.fromEntries(
      Object.entries(value).map(([k, v]) => [
        k,
        interpolate(v, path ? `${path}.${k}` : k, env, problems, secret || k === 'api_key'),
      ]),
    );
  }
  return value;
}

/** The environment for interpolation: a `.env` beside orchestrator.yaml, overridden by the real one. */
function environment(ws: Workspace, env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const file = join(dirname(ws.configFile), '.env');
  if (!existsSync(file)) return env;
  return { ...parseEnv(readFileSync(file, 'utf8')), ...env };
}

function gateOf(value: unknown, path: string, problems: string[]): 'before' | 'after' | undefined {
  if (value === undefined || value === null || value === false) return undefined;
  if (value === true || value === 'after') return 'after';
  if (value === 'before') return 'before';
  problems.push(`${path}: gate must be true, false, "before" or "after", not ${quote(value)}`);
  return undefined;
}

const str = (v: unknown) => (typeof v === 'string' ? v : undefined);

function inWorkspace(ws: Workspace, path: string): string | undefined {
  const full = isAbsolute(path) ? path : resolve(ws.root, path);
  const rel = relative(ws.root, full);
  return rel.startsWith('..') || isAbsolute(rel) ? undefined : full;
}

function readProviders(doc: Doc, problems: string[]): Record<string, ProviderConfig> {
  const providers: Record<string, ProviderConfig> = {};
  const raw = doc.providers ?? {};
  if (!isObject(raw)) {
    problems.push('providers: must be a mapping of provider ids');
    return providers;
  }
  for (const [id, p] of Object.entries(raw)) {
    if (!isObject(p)) {
      problems.push(`providers.${id}: must be a mapping with api_key, base_url, model`);
      continue;
    }
    const provider: ProviderConfig = {
      id,
      apiKey: str(p.api_key),
      baseUrl: str(p.base_url),
      model: str(p.model),
    };
    if (p.timeout !== undefined)
      provider.timeoutMs = safeDuration(p.timeout, `providers.${id}.timeout`, problems);
    if (p.max_retries !== undefined) provider.maxRetries = Number(p.max_retries);
    providers[id] = provider;
  }
  return providers;
}

function safeDuration(value: unknown, path: string, problems: string[]): number | undefined {
  try {
    return parseDuration(value, path);
  } catch (error) {
    problems.push((error as Error).message);
    return undefined;
  }
}

function readAgent(
  ws: Workspace,
  a: unknown,
  i: number,
  defaultProvider: string | undefined,
  providers: Record<string, ProviderConfig>,
  problems: string[],
): AgentConfig | undefined {
  const at = `agents[${i}]`;
  if (!isObject(a)) {
    problems.push(`${at}: must be a mapping`);
    return undefined;
  }
  const id = str(a.id);
  if (!id || !/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/.test(id))
    problems.push(`${at}.id: must be a name of letters, digits, . _ -`);
  const capabilities = Array.isArray(a.capabilities) ? a.capabilities.map(String) : [];
  if (a.capabilities !== undefined && !Array.isArray(a.capabilities))
    problems.push(`${at}.capabilities: must be a list`);
  let command: string[] | undefined;
  if (a.command !== undefined) {
    if (
      !Array.isArray(a.command) ||
      a.command.length === 0 ||
      !a.command.every((c) => typeof c === 'string')
    ) {
      problems.push(
        `${at}.command: must be a non-empty list of strings (an argv array; it never goes through a shell)`,
      );
    } else command = a.command as string[];
  }
  const provider = str(a.provider);
  if (provider !== undefined && !providers[provider])
    problems.push(`${at}.provider: ${quote(provider)} is not a configured provider`);
  let cwd: string | undefined;
  if (a.cwd !== undefined) {
    cwd = typeof a.cwd === 'string' ? inWorkspace(ws, a.cwd) : undefined;
    if (!cwd) problems.push(`${at}.cwd: must be a folder inside the workspace`);
  }
  const env =
    a.env === undefined
      ? undefined
      : isObject(a.env)
        ? Object.fromEntries(Object.entries(a.env).map(([k, v]) => [k, String(v)]))
        : undefined;
  if (a.env !== undefined && !env) problems.push(`${at}.env: must be a mapping`);
  const retries = a.retries === undefined ? undefined : Number(a.retries);
  if (retries !== undefined && (!Number.isInteger(retries) || retries < 0 || retries > 20))
    problems.push(`${at}.retries: must be a whole number from 0 to 20`);
  const kind: AgentKind = command ? 'command' : (provider ?? defaultProvider) ? 'llm' : 'external';
  return {
    id: id ?? `agent-${i}`,
    name: str(a.name) ?? id ?? `agent-${i}`,
    description: str(a.description) ?? '',
    capabilities,
    domain: str(a.domain),
    kind,
    provider: kind === 'llm' ? (provider ?? defaultProvider) : provider,
    systemPrompt: str(a.system_prompt),
    gate: gateOf(a.gate, `${at}.gate`, problems),
    gateCriteria: str(a.gate_criteria),
    command,
    timeoutMs: a.timeout === undefined ? undefined : safeDuration(a.timeout, `${at}.timeout`, problems),
    retries,
    cwd,
    env,
  };
}

function readFlowSteps(ws: Workspace, f: Doc, at: string, problems: string[]): unknown[] {
  const none = (problem: string): unknown[] => {
    problems.push(problem);
    return [];
  };
  if (f.steps !== undefined) return Array.isArray(f.steps) ? f.steps : none(`${at}.steps: must be a list`);
  if (typeof f.file !== 'string') return none(`${at}: needs steps or a file`);
  const file = inWorkspace(ws, f.file);
  if (!file) return none(`${at}.file: must be inside the workspace`);
  try {
    const YAML = createRequire(import.meta.url)('yaml') as typeof import('yaml');
    const parsed = YAML.parse(readFileSync(file, 'utf8')) as unknown;
    const steps = isObject(parsed) ? parsed.steps : parsed;
    return Array.isArray(steps) ? steps : none(`${at}.file: holds no list of steps`);
  } catch (error) {
    return none(`${at}.file: cannot be read: ${(error as Error).message.split('\n')[0]}`);
  }
}

function readFlow(
  ws: Workspace,
  f: unknown,
  i: number,
  agentIds: Set<string>,
  problems: string[],
): FlowConfig | undefined {
  const at = `flows[${i}]`;
  if (!isObject(f) || typeof f.id !== 'string') {
    problems.push(`${at}: must be a mapping with an id`);
    return undefined;
  }
  const rawTrigger = isObject(f.trigger) ? f.trigger.regex : f.trigger;
  let trigger: string | undefined;
  if (rawTrigger !== undefined) {
    trigger = String(rawTrigger);
    try {
      new RegExp(trigger, 'i');
    } catch {
      problems.push(`${at}.trigger: ${quote(trigger)} is not a valid regular expression`);
    }
  }
  const steps: FlowStepConfig[] = [];
  for (const [j, s] of readFlowSteps(ws, f, at, problems).entries()) {
    const sp = `${at}.steps[${j}]`;
    if (!isObject(s) || typeof s.id !== 'string') {
      problems.push(`${sp}: must be a mapping with an id`);
      continue;
    }
    const agent = str(s.agent) ?? '';
    if (!agentIds.has(agent)) problems.push(`${sp}.agent: ${quote(agent)} is not a configured agent`);
    const deps = s.deps ?? s.depends_on ?? [];
    if (!Array.isArray(deps)) problems.push(`${sp}.deps: must be a list of step ids`);
    steps.push({
      id: s.id,
      agent,
      task: str(s.task) ?? str(s.description) ?? str(s.prompt) ?? '',
      deps: Array.isArray(deps) ? deps.map(String) : [],
      gate: gateOf(s.gate, `${sp}.gate`, problems),
    });
  }
  const ids = new Set<string>();
  for (const [j, s] of steps.entries()) {
    if (ids.has(s.id)) problems.push(`${at}.steps[${j}].id: ${quote(s.id)} is used twice`);
    ids.add(s.id);
  }
  for (const [j, s] of steps.entries()) {
    for (const d of s.deps)
      if (!ids.has(d)) problems.push(`${at}.steps[${j}].deps: ${quote(d)} is not a step of this flow`);
  }
  const cycle = findStepCycle(steps);
  if (cycle) problems.push(`${at}.steps: dependency cycle ${cycle.join(' → ')}`);
  return { id: f.id, trigger, steps };
}

/** A dependency cycle among steps, if there is one. */
export function findStepCycle(steps: ReadonlyArray<{ id: string; deps: string[] }>): string[] | undefined {
  const byId = new Map(steps.map((s) => [s.id, s]));
  const state = new Map<string, 1 | 2>();
  const stack: string[] = [];
  const visit = (id: string): string[] | undefined => {
    state.set(id, 1);
    stack.push(id);
    for (const dep of byId.get(id)?.deps ?? []) {
      if (!byId.has(dep)) continue;
      if (state.get(dep) === 1) return [...stack.slice(stack.indexOf(dep)), dep];
      if (!state.has(dep)) {
        const found = visit(dep);
        if (found) return found;
      }
    }
    stack.pop();
    state.set(id, 2);
    return undefined;
  };
  for (const s of steps)
    if (!state.has(s.id)) {
      const found = visit(s.id);
      if (found) return found;
    }
  return undefined;
}

/** Validates orchestrator.yaml; returns every problem by path (never a key's value) and the config. */
export function checkOrchestratorConfig(
  ws: Workspace,
  env: NodeJS.ProcessEnv = process.env,
): { problems: string[]; config?: OrchestratorConfig } {
  const problems: string[] = [];
  let raw: Doc;
  try {
    raw = readConfigDocument(ws);
  } catch (error) {
    return { problems: [(error as Error).message] };
  }
  const doc = interpolate(raw, '', environment(ws, env), problems, false) as Doc;
  const orchestrator = isObject(doc.orchestrator) ? doc.orchestrator : {};
  const providers = readProviders(doc, problems);
  const defaultProvider = str(orchestrator.provider);
  if (defaultProvider !== undefined && !providers[defaultProvider]) {
    problems.push(`orchestrator.provider: ${quote(defaultProvider)} is not a configured provider`);
  }
  const rawAgents = doc.agents ?? [];
  if (!Array.isArray(rawAgents)) problems.push('agents: must be a list');
  const agents = (Array.isArray(rawAgents) ? rawAgents : [])
    .map((a, i) => readAgent(ws, a, i, defaultProvider, providers, problems))
    .filter((a): a is AgentConfig => a !== undefined);
  const seen = new Set<string>();
  agents.forEach((a, i) => {
    if (seen.has(a.id)) problems.push(`agents[${i}].id: ${quote(a.id)} is used twice`);
    seen.add(a.id);
  });
  const rawFlows = doc.flows ?? [];
  if (!Array.isArray(rawFlows)) problems.push('flows: must be a list');
  const flows = (Array.isArray(rawFlows) ? rawFlows : [])
    .map((f, i) => readFlow(ws, f, i, seen, problems))
    .filter((f): f is FlowConfig => f !== undefined);
  const concurrency = Number(doc.concurrency ?? orchestrator.concurrency ?? 4);
  if (!Number.isInteger(concurrency) || concurrency < 1 || concurrency > 256)
    problems.push('concurrency: must be a whole number from 1 to 256');
  // Keys of providers no agent uses are not needed: their unset variables are not problems.
  const used = new Set([defaultProvider, ...agents.map((a) => a.provider)].filter(Boolean));
  const relevant = problems.filter((p) => {
    const m = /^providers\.([^.]+)\.api_key:/.exec(p);
    return !m || used.has(m[1]);
  });
  const config: OrchestratorConfig = {
    name: str(orchestrator.name) ?? 'orc',
    provider: defaultProvider,
    dataDir: str(orchestrator.data_dir),
    concurrency: Number.isInteger(concurrency) && concurrency > 0 ? concurrency : 4,
    providers,
    agents,
    flows,
  };
  return { problems: relevant, config };
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
