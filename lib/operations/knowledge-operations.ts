import { defineOperation, fieldError } from './operation.js';

/* The knowledge base: markdown documents under knowledge/, searched by the index. */

const knowledge = () => import('../knowledge/index.js');

export const searchKnowledge = defineOperation({
  name: 'searchKnowledge',
  summary: 'Search the knowledge base: the best section of each relevant document.',
  readOnly: true,
  fields: (z) => ({
    query: z.string(),
    k: z.number().int().min(1).max(1000).optional().describe('documents (default 5)'),
    mode: z.enum(['lexical', 'semantic', 'hybrid']).optional().describe('default knowledge.search'),
  }),
  run: async (ctx, input) => {
    if (input.query.trim() === '') throw fieldError('query', 'must not be empty');
    // freshnessMs 0: a long-lived server finds a document written a moment ago by anyone.
    const found = await (await knowledge()).searchKnowledge(ctx.ws, input.query, {
      k: input.k,
      mode: input.mode,
      freshnessMs: 0,
      onProgress: ctx.onProgress,
      onWarning: ctx.onWarning,
    });
    return {
      mode: found.mode,
      hits: found.hits,
      ...(found.warnings.length ? { warnings: found.warnings } : {}),
    };
  },
});

export const writeKnowledge = defineOperation({
  name: 'writeKnowledge',
  summary: 'Write a markdown document to the knowledge base (name like notes/topic).',
  readOnly: false,
  fields: (z) => ({
    name: z.string(),
    content: z.string(),
    title: z.string().optional(),
    tags: z.array(z.string()).optional(),
  }),
  run: async (ctx, input) =>
    (await knowledge()).writeKnowledge(ctx.ws, input.name, input.content, {
      title: input.title,
      tags: input.tags,
      actor: ctx.actor,
      now: ctx.now,
    }),
});

export const readKnowledge = defineOperation({
  name: 'readKnowledge',
  summary: 'One knowledge document: its fields, front matter and text.',
  readOnly: true,
  fields: (z) => ({ name: z.string() }),
  run: async (ctx, input) => (await knowledge()).readKnowledge(ctx.ws, input.name),
});

export const listKnowledge = defineOperation({
  name: 'listKnowledge',
  summary: 'Every knowledge document, by name.',
  readOnly: true,
  fields: () => ({}),
  run: async (ctx) =>
    (await knowledge()).listKnowledge(ctx.ws, { onProgress: ctx.onProgress, onWarning: ctx.onWarning }),
});

export const removeKnowledge = defineOperation({
  name: 'removeKnowledge',
  summary: 'Remove a knowledge document (git keeps its history).',
  readOnly: false,
  fields: (z) => ({ name: z.string() }),
  run: async (ctx, input) =>
    (await knowledge()).removeKnowledge(ctx.ws, input.name, { actor: ctx.actor, now: ctx.now }),
});
