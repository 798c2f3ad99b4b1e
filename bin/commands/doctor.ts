import { type Context, c, print, printJson } from '../output.js';
import { open } from './workspace.js';
import { subsystems } from '../../lib/cli.js';

const { runDoctor } = await subsystems.doctor();
const { OrcError } = await subsystems.shared();

export async function doctorCommand(ctx: Context, opts: { fix?: boolean }) {
  const report = await runDoctor(open(ctx), { fix: opts.fix, actor: ctx.actor });
  if (ctx.json) printJson(report);
  else {
    if (report.problems.length === 0) print(`${c.green('healthy')}: no problems found`);
    for (const p of report.problems) {
      const mark = p.fixed ? c.green('fixed') : c.yellow('problem');
      print(`${mark} ${p.code} ${p.file}: ${p.message}${p.action ? ` (${p.action})` : ''}`);
    }
    for (const path of report.quarantine) print(`quarantined: ${path}`);
  }
  if (report.remaining > 0) {
    throw new OrcError(
      'UNHEALTHY',
      `${report.remaining} problem(s) remain${opts.fix ? '' : ': run orc doctor --fix'}`,
    );
  }
}
