import {
  type Context,
  ago,
  c,
  cell,
  printJson,
  printLines,
  printable,
  statusColor,
  table,
} from '../output.js';
import { perform } from '../operations.js';

/**
 * The claims a person sees at a glance, soonest to expire first; `--json` lists every one. Thousands
 * of claims (agents that each hold many) were thousands of lines, and most of what `status` cost.
 */
const CLAIMS_SHOWN = 20;

export async function statusCommand(ctx: Context) {
  const s = await perform(ctx, 'getStatus', ctx.json ? {} : { claims: CLAIMS_SHOWN });
  if (ctx.json) return printJson(s);
  // Printed as one write at the end: a line per claim, thousands of them, was a write each.
  const out: string[] = [];
  const print = (text: string) => out.push(text);
  print(c.bold(`orc workspace ${s.root}`));
  if (s.workstreams.length === 0) print('no workstreams yet: orc ws create <name>');
  else {
    print(
      await table(
        ['workstream', 'pri', 'ready', 'open', 'claimed', 'done', 'failed', 'cancelled'],
        s.workstreams.map((w) => [
          w.status === 'archived' ? c.gray(`${printable(w.name)} (archived)`) : printable(w.name),
          w.priority,
          w.counts.ready,
          w.counts.open,
          w.counts.claimed,
          w.counts.done,
          w.counts.failed,
          w.counts.cancelled,
        ]),
      ),
    );
  }
  const live = s.agents.filter((a) => a.state === 'live').length;
  print(
    `agents: ${live} live, ${s.agents.length - live} stale${s.agents.length ? ` (${s.agents.map((a) => `${printable(a.id)} ${statusColor(a.state)}`).join(', ')})` : ''}`,
  );
  for (const cl of s.claims) {
    print(
      `  ${printable(cl.agent)} holds ${printable(cl.task)} ${JSON.stringify(cell(cl.title, 40))} ${cl.expired ? c.red('lease expired') : `lease ends ${ago(cl.expiresAt)}`}`,
    );
  }
  if (s.claimCount > s.claims.length)
    print(c.gray(`  … and ${s.claimCount - s.claims.length} more claims: orc t list --status claimed`));
  print(`locks: ${s.locks.length}`);
  for (const l of s.locks)
    print(`  ${JSON.stringify(l.resource)} held by ${printable(l.owner)}, expires ${ago(l.expiresAt)}`);
  if (s.recentEvents.length) {
    print('recent events:');
    for (const e of s.recentEvents)
      print(c.gray(`  ${ago(e.ts)}  ${printable(e.type)}  ${printable(e.subject)}  ${printable(e.actor)}`));
  }
  if (s.corruptEventLines)
    print(c.yellow(`events.jsonl has ${s.corruptEventLines} corrupt line(s): see orc events`));
  printLines(out);
}
