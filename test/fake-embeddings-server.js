// A small OpenAI-compatible embeddings server on 127.0.0.1, for tests through the real `openai` client.
import { createServer } from 'node:http';

const DIMENSIONS = 64;

/** A deterministic bag-of-words vector: each word (lowercased, plural s dropped) adds to one dimension. */
export function fakeEmbedding(text) {
  const vector = new Array(DIMENSIONS).fill(0);
  for (const raw of text.toLowerCase().match(/[a-z0-9]+/g) ?? []) {
    const word = raw.replace(/s$/, '');
    let hash = 2166136261;
    for (let i = 0; i < word.length; i++) hash = Math.imul(hash ^ word.charCodeAt(i), 16777619);
    vector[(hash >>> 0) % DIMENSIONS] += 1;
  }
  const norm = Math.hypot(...vector) || 1;
  return vector.map((v) => v / norm);
}

/**
 * Starts the server. `options.embed(text)` gives a vector (default fakeEmbedding); `options.fail(body)`
 * returning a status makes that request fail. Honours `encoding_format` (float or base64), as the real
 * API does. Every request is kept in `requests` as `{path, body, auth}`.
 */
export async function startFakeEmbeddings(options = {}) {
  const requests = [];
  const embed = options.embed ?? fakeEmbedding;
  const server = createServer((req, res) => {
    let text = '';
    req.on('data', (d) => {
      text += d;
    });
    req.on('end', () => {
      const body = JSON.parse(text || '{}');
      requests.push({ path: req.url, body, auth: req.headers.authorization });
      const status = options.fail?.(body, requests.length - 1);
      if (status) {
        res.writeHead(status, { 'content-type': 'application/json' });
        return res.end(JSON.stringify({ error: { message: 'the embedding model is overloaded' } }));
      }
      if (req.url !== '/v1/embeddings') {
        res.writeHead(404, { 'content-type': 'application/json' });
        return res.end(JSON.stringify({ error: { message: `no route ${req.url}` } }));
      }
      const inputs = Array.isArray(body.input) ? body.input : [body.input];
      const data = inputs.map((input, index) => {
        const vector = embed(input);
        const embedding =
          body.encoding_format === 'base64'
            ? Buffer.from(new Float32Array(vector).buffer).toString('base64')
            : vector;
        return { object: 'embedding', index, embedding };
      });
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(
        JSON.stringify({
          object: 'list',
          data,
          model: body.model,
          usage: { prompt_tokens: 1, total_tokens: 1 },
        }),
      );
    });
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${server.address().port}/v1`;
  return {
    url,
    requests,
    /** How many texts were sent for embedding, over all requests. */
    inputs: () => requests.reduce((n, r) => n + (Array.isArray(r.body.input) ? r.body.input.length : 1), 0),
    close: () => new Promise((resolve) => server.close(resolve)),
  };
}
