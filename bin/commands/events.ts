import { jsonObjectArgument, numberOrText } from '../options.js';
import { perform } from '../operations.js';
import { type Context, c, jsonLine, print, printJson, printable, warn } from '../output.js';
import { open } from './workspace.js';
import type { EventFilter, OrcEvent } from '../../lib/cli.js';
import { subsystems } from '../../lib/cli.js';

const { matchesEvent, readEventsFrom } = await subsystems.storage();
const { invalidInput } = await subsystems.shared();

type EventsOptions = {
  agent?: string;
  type?: string;
  /** The OpSpawn seed's name for --type. */
  action?: string;
  subject?: string;
  since?: string;
  last?: string;
  follow?: boolean;
};

function formatEvent(e: OrcEvent): string {
  // Every field may have arrived by a merge: each is escaped, so none can forge a line or drive the terminal.
  const data = Object.keys(e.data).length ? ` ${c.gray(jsonLine(e.data))}` : '';
  return `${c.gray(printable(e.ts))} ${c.bold(printable(e.type))} ${printable(e.subject)} ${c.cyan(printable(e.actor))}${data}`;
}

export async function eventsCommand(ctx: Context, opts: EventsOptions) {
  const ws = open(ctx);
  if (opts.type !== undefined && opts.action !== undefined && opts.type !== opts.action)
    throw invalidInput('--type and --action name the same filter: give one of them');
  const type = opts.type ?? opts.action;
  const filter: EventFilter = { actor: opts.agent, type, subject: opts.subject };
  const read = await perform(
    ctx,
    'listEvents',
    { ...filter, since: opts.since, last: numberOrText(opts.last) },
    {
      flags: {
        actor: '--agent',
        type: opts.type === undefined ? '--action' : '--type',
        subject: '--subject',
        since: '--since',
        last: '--last',
      },
    },
  );
  for (const bad of read.corrupt)
    warn(
      ctx,
      `${bad.file ?? 'events.jsonl'} line ${bad.line} is not a valid event; skipped: ${printable(bad.text)}`,
      'CORRUPT_LINE',
    );
  const emit = (e: OrcEvent) => (ctx.json ? print(jsonLine(e)) : print(formatEvent(e)));
  if (!opts.follow) {
    if (ctx.json) return printJson(read.events);
    if (read.events.length === 0) print('no events match');
    for (const e of read.events) emit(e);
    return;
  }
  // Following streams JSON lines; it ends with Ctrl-C (or SIGTERM).
  for (const e of read.events) emit(e);
  let offset = read.offset;
  await new Promise<void>((resolve) => {
    const timer = setInterval(() => {
      const more = readEventsFrom(ws, offset);
      offset = more.offset;
      for (const bad of more.corrupt)
        warn(
          ctx,
          `${bad.file ?? 'events.jsonl'}: a line is not a valid event; skipped: ${printable(bad.text)}`,
          'CORRUPT_LINE',
        );
      for (const e of more.events) if (matchesEvent(e, filter)) emit(e);
    }, 200);
    const stop = () => {
      clearInterval(timer);
      resolve();
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
}

export async function logCommand(
  ctx: Context,
  type: string,
  data: string | undefined,
  opts: { subject?: string },
) {
  const parsed = jsonObjectArgument('event data', data);
  const event = await perform(
    ctx,
    'logEvent',
    { type, subject: opts.subject, data: parsed },
    { flags: { subject: '--subject' } },
  );
  if (ctx.json) return printJson(event);
  print(formatEvent(event));
}
