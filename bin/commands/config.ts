import { type Context, c, print, printJson, warn } from '../output.js';
import { open } from './workspace.js';
import { subsystems } from '../../lib/cli.js';

const { OrcError, redactUrl } = await subsystems.shared();
const { checkOrchestratorConfig, redactedUrl } = await subsystems.config();

/** Validates orchestrator.yaml; shows what it configures (providers without their keys) or every problem. */
export async function check(ctx: Context) {
  const { problems, warnings, config } = checkOrchestratorConfig(open(ctx));
  // With --json the warnings are part of the one document on stdout.
  if (!ctx.json) for (const w of warnings) warn(ctx, w);
  if (problems.length > 0 || !config) {
    // The problems are the result: on stdout, one per line or as one JSON document; the error line follows on stderr.
    if (ctx.json) printJson({ ok: false, problems, warnings });
    else for (const p of problems) print(`${c.red('problem')} ${p}`);
    const count = problems.length === 1 ? '1 problem' : `${problems.length} problems`;
    throw new OrcError('INVALID_INPUT', `orchestrator.yaml has ${count}`, { details: { problems } });
  }
  const kinds = { llm: 0, command: 0, external: 0 };
  for (const a of config.agents) kinds[a.kind]++;
  const summary = {
    ok: true,
    name: config.name,
    provider: config.provider ?? null,
    providers: Object.values(config.providers).map((p) => ({
      id: p.id,
      baseUrl: p.baseUrl === undefined ? null : redactUrl(p.baseUrl),
      model: p.model ?? null,
      key: p.apiKey ? 'set' : 'not set',
    })),
    agents: kinds,
    flows: config.flows.map((f) => f.id),
    concurrency: config.concurrency,
    redis: config.redis ? { url: redactedUrl(config.redis.url), prefix: config.redis.prefix } : null,
    warnings,
  };
  if (ctx.json) return printJson(summary);
  print(
    `${c.green('ok')} ${config.name}: ${config.agents.length} agent(s) (${kinds.llm} llm, ${kinds.command} command, ${kinds.external} external), ${config.flows.length} flow(s), concurrency ${config.concurrency}`,
  );
  if (config.flows.length > 0) print(`  flows: ${summary.flows.join(', ')}`);
  for (const p of summary.providers)
    print(`  provider ${p.id}: ${p.baseUrl ?? '(default endpoint)'} model ${p.model ?? '?'}, key ${p.key}`);
  if (summary.redis)
    print(
      `  steps go to workers through ${summary.redis.url} (queues ${summary.redis.prefix}-agent-<agent>)`,
    );
}
