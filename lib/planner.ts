import { OrcError, invalidInput, notFound, quote } from './errors.js';
import { chatComplete } from './llm.js';
import { type FlowConfig, type OrchestratorConfig, findStepCycle } from './orchestrator-config.js';

export interface PlannedStep {
  id: string;
  agent: string;
  task: string;
  deps: string[];
  /** A plan may add a gate; it can never remove one the config requires (the runner enforces that). */
  gate?: 'before' | 'after';
}

export interface Plan {
  source: 'flow' | 'llm' | 'offline';
  flow?: string;
  steps: PlannedStep[];
}

/** A flow's steps with `{{payload.key}}` filled in; a key the payload lacks is an error, not text. */
export function planFromFlow(flow: FlowConfig, payload: Record<string, string>): Plan {
  const steps = flow.steps.map((step) => ({
    ...step,
    deps: [...step.deps],
    task: step.task.replace(/\{\{\s*payload\.([A-Za-z0-9_.-]+)\s*\}\}/g, (_m, key: string) => {
      if (!(key in payload)) {
        throw invalidInput(
          `flow ${flow.id} step ${step.id} needs payload ${quote(key)}: pass --payload ${key}=…`,
        );
      }
      return payload[key]!;
    }),
  }));
  return { source: 'flow', flow: flow.id, steps };
}

/** The explicit flow (unknown: NOT_FOUND), else the first flow whose trigger matches the task. */
export function findFlow(config: OrchestratorConfig, task: string, flowId?: string): FlowConfig | undefined {
  if (flowId !== undefined) {
    const flow = config.flows.find((f) => f.id === flowId);
    if (!flow) throw notFound(`flow ${quote(flowId)} is not configured`);
    return flow;
  }
  return config.flows.find((f) => f.trigger !== undefined && new RegExp(f.trigger, 'i').test(task));
}

const STOP = new Set(
  'a an and the to of for in on with by from into then this that it its be is are as at or our your'.split(
    ' ',
  ),
);
const stem = (word: string) => word.replace(/(ing|ed|es|s)$/, '');
const words = (text: string) =>
  new Set(
    text
      .toLowerCase()
      .split(/[^a-z0-9]+/)
      .filter((w) => w.length > 1 && !STOP.has(w))
      .map(stem),
  );

/**
 * The offline planner, deterministic and without network. The task is split into groups on `;`,
 * sentence ends, `, then` and ` then `; within a group, clauses joined by ` and ` run in parallel. Each
 * clause goes to the agent whose name, description and capabilities share the most word stems with it
 * (ties: the first agent in the config). Each group depends on every step of the group before it.
 */
export function planOffline(task: string, config: OrchestratorConfig): Plan {
  if (config.agents.length === 0) throw invalidInput('no agents configured: add agents to orchestrator.yaml');
  const vocab = config.agents.map((a) =>
    words(`${a.name} ${a.description} ${a.capabilities.join(' ')} ${a.id}`),
  );
  const groups = task
    .split(/;|(?<=[.!?])\s+|,\s*then\s+|\s+then\s+/i)
    .map((g) => g.trim().replace(/[.!?]+$/, ''))
    .filter(Boolean)
    .map((g) =>
      g
        .split(/\s+and\s+/i)
        .map((c) => c.trim())
        .filter(Boolean),
    );
  const steps: PlannedStep[] = [];
  let previous: string[] = [];
  for (const group of groups) {
    const current: string[] = [];
    for (const clause of group) {
      const clauseWords = words(clause);
      let best = 0;
      let bestScore = -1;
      vocab.forEach((v, i) => {
        const score = [...clauseWords].filter((w) => v.has(w)).length;
        if (score > bestScore) {
          best = i;
          bestScore = score;
        }
      });
      const id = `s${steps.length + 1}`;
      steps.push({ id, agent: config.agents[best]!.id, task: clause, deps: [...previous] });
      current.push(id);
    }
    previous = current;
  }
  return { source: 'offline', steps };
}

/** Every reason a plan cannot run: unknown agents, duplicate ids, missing dependencies, cycles. */
export function validatePlan(plan: Plan, config: OrchestratorConfig): string[] {
  const problems: string[] = [];
  const agents = new Set(config.agents.map((a) => a.id));
  const ids = new Set<string>();
  if (plan.steps.length === 0) problems.push('the plan has no steps');
  for (const step of plan.steps) {
    if (typeof step.id !== 'string' || step.id === '') problems.push('a step has no id');
    else if (ids.has(step.id)) problems.push(`step ${quote(step.id)} appears twice`);
    ids.add(step.id);
    if (!agents.has(step.agent))
      problems.push(
        `step ${quote(step.id)}: agent ${quote(step.agent)} is not configured (agents: ${[...agents].join(', ')})`,
      );
    if (typeof step.task !== 'string' || step.task.trim() === '')
      problems.push(`step ${quote(step.id)} has no task`);
  }
  for (const step of plan.steps) {
    for (const dep of step.deps ?? [])
      if (!ids.has(dep))
        problems.push(`step ${quote(step.id)} depends on ${quote(dep)}, which is not a step`);
  }
  const cycle = findStepCycle(plan.steps.map((s) => ({ id: s.id, deps: s.deps ?? [] })));
  if (cycle) problems.push(`dependency cycle: ${cycle.join(' → ')}`);
  return problems;
}

/** Finds the JSON object in a reply: bare, in a ```json fence, or surrounded by chatter. */
export function parsePlanJson(text: string): unknown {
  const fenced = /```(?:json)?\s*([\s\S]*?)```/i.exec(text)?.[1];
  for (const candidate of [fenced, text, text.slice(text.indexOf('{'), text.lastIndexOf('}') + 1)]) {
    if (!candidate) continue;
    try {
      return JSON.parse(candidate.trim());
    } catch {
      // try the next reading
    }
  }
  throw invalidInput('the planner did not answer with JSON');
}

function toPlan(value: unknown): Plan {
  const steps = (value as { steps?: unknown })?.steps;
  if (!Array.isArray(steps)) throw invalidInput('the plan has no "steps" list');
  return {
    source: 'llm',
    steps: steps.map((s: Record<string, unknown>, i) => ({
      id: String(s?.id ?? `s${i + 1}`),
      agent: String(s?.agent ?? ''),
      task: String(s?.task ?? s?.description ?? ''),
      deps: Array.isArray(s?.deps) ? s.deps.map(String) : [],
      ...(s?.gate === true || s?.gate === 'after'
        ? { gate: 'after' as const }
        : s?.gate === 'before'
          ? { gate: 'before' as const }
          : {}),
    })),
  };
}

/**
 * Asks the configured provider for a plan as JSON, validates it, and asks again with the problems
 * listed (up to `maxRounds`), before giving up with one clear line.
 */
/** Extra checks a plan must pass (policy rules, say); each returns problems. */
export type PlanCheck = (plan: Plan) => string[];

export async function planWithLlm(
  task: string,
  config: OrchestratorConfig,
  options: { knowledge?: string; maxRounds?: number; check?: PlanCheck } = {},
): Promise<Plan> {
  const provider = config.provider ? config.providers[config.provider] : undefined;
  if (!provider) throw invalidInput('no orchestrator.provider is configured for LLM planning');
  const agents = config.agents
    .map((a) => `- ${a.id}: ${a.description} (capabilities: ${a.capabilities.join(', ') || 'none'})`)
    .join('\n');
  const messages = [
    {
      role: 'system' as const,
      content:
        'You plan work for a team of agents. Answer with one JSON object and nothing else: ' +
        '{"steps":[{"id":"s1","agent":"<agent id>","task":"<what this step does>","deps":["<ids of steps it needs>"],"gate":false}]}. ' +
        'Use only these agents:\n' +
        agents,
    },
    {
      role: 'user' as const,
      content: `Task: ${task}${options.knowledge ? `\n\nRelevant knowledge:\n${options.knowledge}` : ''}`,
    },
  ];
  const rounds = options.maxRounds ?? 3;
  let problems: string[] = [];
  for (let round = 1; round <= rounds; round++) {
    const reply = await chatComplete(provider, messages);
    try {
      const plan = toPlan(parsePlanJson(reply));
      problems = [...validatePlan(plan, config), ...(options.check?.(plan) ?? [])];
      if (problems.length === 0) return plan;
    } catch (error) {
      problems = [(error as Error).message];
    }
    messages.push(
      { role: 'assistant' as never, content: reply },
      {
        role: 'user',
        content: `That plan cannot be used: ${problems.join('; ')}. Answer with a corrected JSON plan only.`,
      },
    );
  }
  throw new OrcError(
    'INVALID_INPUT',
    `the LLM planner gave no valid plan in ${rounds} rounds: ${problems.join('; ')}`,
  );
}

/** An explicit flow; else a flow whose trigger matches; else the LLM planner if a provider is set; else offline. */
export async function choosePlan(
  task: string,
  config: OrchestratorConfig,
  options: { flowId?: string; payload?: Record<string, string>; knowledge?: string; check?: PlanCheck } = {},
): Promise<Plan> {
  const flow = findFlow(config, task, options.flowId);
  if (flow) return planFromFlow(flow, options.payload ?? {});
  if (config.provider)
    return planWithLlm(task, config, { knowledge: options.knowledge, check: options.check });
  return planOffline(task, config);
}
