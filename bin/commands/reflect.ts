import { type Context, c, cell, print, printJson } from '../output.js';
import { open } from './workspace.js';
import { subsystems } from '../../lib/cli.js';

const { demoteRule, promotePattern, reflect, rejectPromotion } = await subsystems.memory();

type DecisionFlags = { approver: string; reason?: string };

export async function show(ctx: Context) {
  const report = reflect(open(ctx));
  if (ctx.json) return printJson(report);
  print(c.bold(`pending promotions (seen ${report.settings.threshold}+ times)`));
  if (report.pending.length === 0) print('  none');
  for (const p of report.pending) {
    print(`  ${p.id}  ${p.pattern}  ×${p.count}`);
    for (const e of p.evidence.slice(-3)) print(c.gray(`    ${e.ts} ${e.subject}: ${cell(e.detail, 70)}`));
  }
  print(c.bold('active rules'));
  if (report.rules.length === 0) print('  none');
  for (const r of report.rules)
    print(`  ${r.id}  ${r.effect}${r.gate ? ` ${r.gate}` : ''}  ${JSON.stringify(r.match)}  (${r.source})`);
  print(c.bold('demotion candidates'));
  if (report.demotionCandidates.length === 0) print('  none');
  for (const d of report.demotionCandidates)
    print(`  ${d.rule}  approved ${d.approved} of ${d.approved + d.rejected}`);
}

export async function promote(ctx: Context, id: string, opts: DecisionFlags) {
  const rule = await promotePattern(open(ctx), id, { approver: opts.approver, reason: opts.reason });
  if (ctx.json) return printJson(rule);
  print(`${c.green('promoted')} ${id} → policy rule ${rule.id} (gate before, agent ${rule.match.agent})`);
}

export async function reject(ctx: Context, id: string, opts: DecisionFlags) {
  await rejectPromotion(open(ctx), id, { approver: opts.approver, reason: opts.reason });
  if (ctx.json) return printJson({ rejected: id });
  print(`${c.yellow('rejected')} ${id}`);
}

export async function demote(ctx: Context, rule: string, opts: DecisionFlags) {
  await demoteRule(open(ctx), rule, { approver: opts.approver, reason: opts.reason });
  if (ctx.json) return printJson({ demoted: rule });
  print(`${c.yellow('demoted')} ${rule}`);
}
