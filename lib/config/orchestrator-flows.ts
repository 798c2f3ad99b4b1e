import { createRequire } from 'node:module';
import { interpolateConfig } from './config-interpolation.js';
import { type Doc, gateOf, isObject, workspacePathOf } from './config-values.js';
import { OrcError, isName, quote, yamlToJs } from '../shared/index.js';
import type { FlowConfig, FlowStepConfig } from './config-types.js';
import { type Workspace, readText } from '../storage/index.js';

/** What reading flows needs besides the flows: the agent ids they may name and the environment. */
export interface FlowContext {
  ws: Workspace;
  agentIds: ReadonlySet<string>;
  env: NodeJS.ProcessEnv;
}

/** The `flows:` list: inline steps or a YAML file; every problem by path. */
export function readFlows(raw: unknown, ctx: FlowContext, problems: string[]): FlowConfig[] {
  if (raw === undefined || raw === null) return [];
  if (!Array.isArray(raw)) {
    problems.push('flows: must be a list');
    return [];
  }
  const flows: FlowConfig[] = [];
  const ids = new Set<string>();
  raw.forEach((f, i) => {
    const flow = readFlow(f, `flows[${i}]`, ctx, problems);
    if (!flow) return;
    if (ids.has(flow.id)) problems.push(`flows[${i}].id: ${quote(flow.id)} is used twice`);
    ids.add(flow.id);
    flows.push(flow);
  });
  return flows;
}

function readFlow(f: unknown, at: string, ctx: FlowContext, problems: string[]): FlowConfig | undefined {
  if (!isObject(f) || typeof f.id !== 'string' || f.id === '') {
    problems.push(`${at}: must be a mapping with an id`);
    return undefined;
  }
  if (!isName(f.id))
    problems.push(
      `${at}.id: ${quote(f.id)} is not a valid name: use letters, digits, '.', '_' or '-' (at most 64, starting with a letter or digit)`,
    );
  const trigger = readTrigger(f.trigger, `${at}.trigger`, problems);
  const steps: FlowStepConfig[] = [];
  const before = problems.length;
  const raw = readFlowSteps(f, at, ctx, problems);
  if (raw.length === 0 && problems.length === before)
    problems.push(`${at}.steps: a flow needs at least one step`);
  raw.forEach((s, j) => {
    const step = readStep(s, `${at}.steps[${j}]`, ctx, problems);
    if (step) steps.push(step);
  });
  checkSteps(steps, at, problems);
  return { id: f.id, trigger, steps };
}

/** A string regex or `{regex: …}`, matched case-insensitively against the task. */
function readTrigger(value: unknown, at: string, problems: string[]): string | undefined {
  const raw = isObject(value) ? value.regex : value;
  if (raw === undefined || raw === null) {
    if (isObject(value)) problems.push(`${at}: needs a regex`);
    return undefined;
  }
  const trigger = String(raw);
  try {
    new RegExp(trigger, 'i');
  } catch {
    problems.push(`${at}: ${quote(trigger)} is not a valid regular expression`);
  }
  return trigger;
}

function readFlowSteps(f: Doc, at: string, ctx: FlowContext, problems: string[]): unknown[] {
  const none = (problem: string): unknown[] => {
    problems.push(problem);
    return [];
  };
  if (f.steps !== undefined) return Array.isArray(f.steps) ? f.steps : none(`${at}.steps: must be a list`);
  if (typeof f.file !== 'string') return none(`${at}: needs steps or a file`);
  const file = workspacePathOf(ctx.ws, f.file, 'file', `${at}.file`, problems);
  if (!file) return [];
  // Loaded on demand, like readConfigDocument: only a config with flow files pays for it here.
  const YAML = createRequire(import.meta.url)('yaml') as typeof import('yaml');
  let parsed: unknown;
  try {
    const doc = YAML.parseDocument(readText(ctx.ws, file) ?? '', { prettyErrors: false });
    if (doc.errors.length > 0) throw doc.errors[0]!;
    const plain = yamlToJs(doc);
    if (plain.problem !== undefined) return none(`${at}.file: ${plain.problem}`);
    parsed = plain.value;
  } catch (error) {
    if (!(error instanceof OrcError || error instanceof YAML.YAMLError)) throw error;
    return none(`${at}.file: cannot be read: ${error.message.split('\n')[0]}`);
  }
  const value = interpolateConfig(parsed, `${at}.file`, ctx.env, problems);
  const steps = isObject(value) ? value.steps : value;
  return Array.isArray(steps) ? steps : none(`${at}.file: holds no list of steps`);
}

function readStep(s: unknown, at: string, ctx: FlowContext, problems: string[]): FlowStepConfig | undefined {
  if (!isObject(s) || !(typeof s.id === 'string' || typeof s.id === 'number') || s.id === '') {
    problems.push(`${at}: must be a mapping with an id`);
    return undefined;
  }
  if (!isName(String(s.id)))
    problems.push(
      `${at}.id: ${quote(String(s.id))} is not a valid name: use letters, digits, '.', '_' or '-' (at most 64, starting with a letter or digit)`,
    );
  const agent = typeof s.agent === 'string' ? s.agent : '';
  if (!agent) problems.push(`${at}.agent: is missing`);
  else if (!ctx.agentIds.has(agent)) problems.push(`${at}.agent: ${quote(agent)} is not a configured agent`);
  const task = [s.task, s.description, s.prompt].find((t) => typeof t === 'string' && t.trim() !== '');
  if (task === undefined) problems.push(`${at}.task: is missing (what the step should do)`);
  const deps = s.deps ?? s.depends_on ?? [];
  if (!Array.isArray(deps)) problems.push(`${at}.deps: must be a list of step ids`);
  return {
    id: String(s.id),
    agent,
    task: (task as string | undefined) ?? '',
    deps: Array.isArray(deps) ? deps.map(String) : [],
    gate: gateOf(s.gate, `${at}.gate`, problems),
  };
}

function checkSteps(steps: FlowStepConfig[], at: string, problems: string[]): void {
  const ids = new Set<string>();
  steps.forEach((s, j) => {
    if (ids.has(s.id)) problems.push(`${at}.steps[${j}].id: ${quote(s.id)} is used twice`);
    ids.add(s.id);
  });
  steps.forEach((s, j) => {
    for (const d of s.deps)
      if (!ids.has(d)) problems.push(`${at}.steps[${j}].deps: ${quote(d)} is not a step of this flow`);
  });
  const cycle = findStepCycle(steps);
  if (cycle) problems.push(`${at}.steps: dependency cycle ${cycle.join(' → ')}`);
}

/** A dependency cycle among steps, as the ids along it (first id repeated at the end), if there is one. */
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
