import { type Context, c, print, printJson } from '../output.js';
import { open } from './workspace.js';
import { subsystems } from '../../lib/cli.js';

const { importOpSpawn, IMPORT_KINDS } = await subsystems.compat();

/** `orc import <path>`: an OpSpawn orchestrator's data folder into this workspace, in one mutation. */
export async function importCommand(ctx: Context, path: string) {
  const report = await importOpSpawn(open(ctx), path, { actor: ctx.actor });
  if (ctx.json) return printJson(report);
  const counts = IMPORT_KINDS.map((kind) => {
    const n = report.imported[kind];
    const noun = kind === 'knowledge' ? 'knowledge document' : kind;
    return `${n} ${noun}${n === 1 ? '' : 's'}`;
  });
  print(`${c.green('imported')} from ${report.source}: ${counts.join(', ')}`);
  if (report.skipped.length === 0) return;
  // Grouped by reason: a second import skips every entry for the same one.
  const byReason = new Map<string, string[]>();
  for (const s of report.skipped) {
    const key = `${s.kind}: ${s.reason}`;
    byReason.set(key, [...(byReason.get(key) ?? []), s.id]);
  }
  print(`skipped ${report.skipped.length}:`);
  for (const [reason, ids] of byReason) {
    const shown =
      ids.length > 5 ? `${ids.slice(0, 5).join(', ')} and ${ids.length - 5} more` : ids.join(', ');
    print(`  ${reason} (${ids.length}): ${shown}`);
  }
}
