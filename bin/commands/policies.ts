import { type Context, c, cell, print, printJson, table } from '../output.js';
import { open } from './workspace.js';
import type { PolicyRule } from '../../lib/cli.js';
import { subsystems } from '../../lib/cli.js';

const { addPolicy, getPolicy, listPolicies, removePolicy } = await subsystems.runs();

const describe = (r: PolicyRule) =>
  Object.entries(r.match)
    .map(([k, v]) => `${k}=${Array.isArray(v) ? v.join('|') : v}`)
    .join(' ');

type AddFlags = {
  agent?: string;
  domain?: string;
  capability?: string;
  keyword?: string[];
  regex?: string;
  forbid?: boolean;
  gate?: 'before' | 'after';
  reason: string;
};

export async function add(ctx: Context, opts: AddFlags) {
  const rule = await addPolicy(
    open(ctx),
    {
      match: {
        agent: opts.agent,
        domain: opts.domain,
        capability: opts.capability,
        keywords: opts.keyword,
        regex: opts.regex,
      },
      effect: opts.forbid ? 'forbid' : 'gate',
      gate: opts.gate,
      reason: opts.reason,
    },
    { actor: ctx.actor },
  );
  if (ctx.json) return printJson(rule);
  print(
    `${c.green('added')} ${rule.id}: ${rule.effect === 'gate' ? `gate (${rule.gate})` : 'forbid'} when ${describe(rule)}`,
  );
}

export async function list(ctx: Context) {
  const rules = listPolicies(open(ctx));
  if (ctx.json) return printJson(rules);
  if (rules.length === 0) return print('no policy rules');
  print(
    await table(
      ['id', 'effect', 'when', 'reason', 'source'],
      rules.map((r) => [
        r.id,
        r.effect === 'gate' ? `gate ${r.gate}` : 'forbid',
        cell(describe(r), 40),
        cell(r.reason, 40),
        r.source,
      ]),
    ),
  );
}

export async function show(ctx: Context, id: string) {
  const rule = getPolicy(open(ctx), id);
  if (ctx.json) return printJson(rule);
  print(
    `${c.bold(rule.id)} ${rule.effect === 'gate' ? `gate (${rule.gate})` : 'forbid'} when ${describe(rule)}`,
  );
  print(`reason: ${rule.reason}`);
  print(`added by ${rule.createdBy} at ${rule.createdAt} (${rule.source})`);
}

export async function rm(ctx: Context, id: string, opts: { reason?: string }) {
  const rule = await removePolicy(open(ctx), id, { actor: ctx.actor, reason: opts.reason });
  if (ctx.json) return printJson({ removed: rule.id });
  print(`${c.yellow('removed')} ${rule.id}`);
}
