import { numberOrText } from '../options.js';
import { perform } from '../operations.js';
import { type Context, c, cell, print, printJson, table, warn } from '../output.js';
import { progressBar } from '../progress.js';
import { open } from './workspace.js';
import { subsystems } from '../../lib/cli.js';

const { reindexKnowledge } = await subsystems.knowledge();
const { invalidInput } = await subsystems.shared();

export async function write(
  ctx: Context,
  name: string,
  words: string[],
  opts: { title?: string; tag?: string[] },
) {
  // `kb write api-design "Use REST …"` as the OpSpawn seed writes it, or unquoted words, joined by spaces.
  const content = words.join(' ');
  const text = words.length === 0 || content === '-' ? await readStdin() : content;
  const result = await perform(
    ctx,
    'writeKnowledge',
    { name, content: text, title: opts.title, tags: opts.tag },
    { flags: { title: '--title', tags: '--tag' } },
  );
  if (ctx.json) return printJson(result);
  print(`${c.green(result.created ? 'created' : 'updated')} ${result.file} (${result.bytes} bytes)`);
}

export async function read(ctx: Context, name: string) {
  const doc = await perform(ctx, 'readKnowledge', { name });
  if (ctx.json) return printJson(doc);
  // The text as written, without the front matter orc keeps (title, tags, author, updated: --json has them).
  process.stdout.write(doc.body.endsWith('\n') ? doc.body : `${doc.body}\n`);
}

export async function list(ctx: Context) {
  const bar = progressBar(ctx, 'indexing');
  const docs = await perform(ctx, 'listKnowledge', {}, { context: { onProgress: bar.update } });
  bar.stop();
  if (ctx.json) return printJson(docs);
  if (docs.length === 0) return print('no knowledge yet: orc kb write <name> [content]');
  print(
    await table(
      ['name', 'title', 'tags', 'updated', 'size'],
      docs.map((d) => [
        d.name,
        cell(d.title, 40),
        cell(d.tags.join(', '), 30),
        (d.updated ?? '').slice(0, 10),
        d.size,
      ]),
    ),
  );
}

export async function rm(ctx: Context, name: string) {
  const result = await perform(ctx, 'removeKnowledge', { name });
  if (ctx.json) return printJson(result);
  print(`${c.green('removed')} ${result.file}`);
}

export async function search(ctx: Context, query: string, opts: { k?: string; mode?: string }) {
  const bar = progressBar(ctx, 'indexing');
  const result = await perform(
    ctx,
    'searchKnowledge',
    { query, k: numberOrText(opts.k), mode: opts.mode },
    {
      flags: { k: '-k', mode: '--mode' },
      context: {
        onProgress: bar.update,
        onWarning: (message) => {
          bar.stop();
          warn(ctx, message, 'PROVIDER_FAILED');
        },
      },
    },
  );
  bar.stop();
  if (ctx.json) return printJson({ mode: result.mode, hits: result.hits });
  if (result.hits.length === 0) return print('no matches');
  for (const hit of result.hits) {
    print(`${c.bold(hit.name)} ${c.dim(`› ${hit.heading}`)} ${c.dim(`(${hit.score})`)}`);
    if (hit.snippet) print(`  ${hit.snippet}`);
  }
}

export async function reindex(ctx: Context, opts: { full?: boolean }) {
  const bar = progressBar(ctx, 'indexing');
  const result = await reindexKnowledge(open(ctx), {
    full: opts.full,
    onProgress: bar.update,
    onWarning: (message) => {
      bar.stop();
      warn(ctx, message, 'PROVIDER_FAILED');
    },
  });
  bar.stop();
  if (ctx.json) return printJson(result);
  if (result.repaired)
    print(`${c.yellow('repaired')} ${result.repaired}: the index was rebuilt from knowledge/`);
  const vectors = result.embeddings
    ? `; embeddings: ${result.embeddings.embedded} new, ${result.embeddings.reused} reused, ${result.embeddings.removed} removed`
    : '';
  print(
    `${c.green('indexed')} ${result.documents} document(s), ${result.chunks} section(s)${result.rebuilt ? ' (rebuilt)' : ''}; ${result.changed.length} changed, ${result.removed.length} removed${vectors} in ${result.ms} ms`,
  );
}

async function readStdin(): Promise<string> {
  if (process.stdin.isTTY) throw invalidInput('give the content as an argument, or pipe it on stdin');
  const parts: Buffer[] = [];
  for await (const part of process.stdin) parts.push(part as Buffer);
  return Buffer.concat(parts).toString('utf8');
}
