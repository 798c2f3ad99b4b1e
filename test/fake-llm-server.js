// A small OpenAI-compatible chat completions server on 127.0.0.1, for tests through the real client.
import { createServer } from 'node:http';

/**
 * Starts the server. `handler(body, callIndex)` returns the assistant's content, or `{status, body}`
 * for an error response (a string body is sent as it is). Every request is kept in `requests` as
 * `{path, body, auth}`.
 */
export async function startFakeLlm(handler) {
  const requests = [];
  const server = createServer((req, res) => {
    let text = '';
    req.on('data', (d) => {
      text += d;
    });
    req.on('end', async () => {
      const body = JSON.parse(text || '{}');
      requests.push({ path: req.url, body, auth: req.headers.authorization });
      const answer = await handler(body, requests.length - 1);
      if (typeof answer === 'object' && answer !== null) {
        res.writeHead(answer.status, { 'content-type': 'application/json' });
        const failure = answer.body ?? { error: { message: 'fake failure' } };
        return res.end(typeof failure === 'string' ? failure : JSON.stringify(failure));
      }
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(
        JSON.stringify({
          id: `chatcmpl-${requests.length}`,
          object: 'chat.completion',
          created: Math.floor(Date.now() / 1000),
          model: body.model,
          choices: [{ index: 0, finish_reason: 'stop', message: { role: 'assistant', content: answer } }],
          usage: { prompt_tokens: 1, completion_tokens: 1, total_tokens: 2 },
        }),
      );
    });
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${server.address().port}/v1`;
  return { url, requests, close: () => new Promise((resolve) => server.close(resolve)) };
}
