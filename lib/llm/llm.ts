import { OrcError, redactUrlsIn } from '../shared/index.js';
import type { ProviderConfig } from '../config/index.js';

/** One message of a chat completion request. */
export interface ChatMessage {
  role: 'system' | 'user' | 'assistant';
  content: string;
}

/** Options of one chat completion: `json` asks for `response_format: json_object` (some providers reject it). */
export interface ChatOptions {
  json?: boolean;
  signal?: AbortSignal;
}

/**
 * One chat completion from any OpenAI-compatible endpoint, through the `openai` client (loaded only
 * here: it costs ~100 ms). Failures become PROVIDER_FAILED naming the provider, never its key.
 */
export async function chatComplete(
  provider: ProviderConfig,
  messages: ChatMessage[],
  options: ChatOptions = {},
): Promise<string> {
  const { client, OpenAI } = await clientFor(provider);
  try {
    const response = await client.chat.completions.create(
      {
        model: provider.model ?? 'default',
        messages,
        ...(options.json ? { response_format: { type: 'json_object' as const } } : {}),
      },
      { signal: options.signal },
    );
    return response.choices[0]?.message?.content ?? '';
  } catch (error) {
    throw providerFailed(error, provider, OpenAI);
  }
}

/**
 * Embeddings of `texts` from any OpenAI-compatible endpoint, in their order. Asks for `float`: the
 * client's default is base64, which not every compatible server speaks.
 */
export async function embedTexts(
  provider: ProviderConfig,
  model: string,
  texts: string[],
  options: { signal?: AbortSignal } = {},
): Promise<number[][]> {
  const { client, OpenAI } = await clientFor(provider);
  try {
    const response = await client.embeddings.create(
      { model, input: texts, encoding_format: 'float' },
      { signal: options.signal },
    );
    const vectors: number[][] = new Array(texts.length);
    for (const item of response.data) vectors[item.index] = item.embedding;
    if (vectors.some((v) => !Array.isArray(v)) || response.data.length !== texts.length) {
      throw new Error(`the answer holds ${response.data.length} embeddings for ${texts.length} texts`);
    }
    return vectors;
  } catch (error) {
    throw providerFailed(error, provider, OpenAI);
  }
}

async function clientFor(provider: ProviderConfig) {
  const { default: OpenAI } = await import('openai');
  const client = new OpenAI({
    baseURL: provider.baseUrl,
    // A placeholder, not OPENAI_API_KEY: a local server needs none, and another vendor's key must not leak to it.
    apiKey: provider.apiKey || 'none',
    timeout: provider.timeoutMs ?? 60_000,
    maxRetries: provider.maxRetries ?? 2,
  });
  return { client, OpenAI };
}

function providerFailed(error: unknown, provider: ProviderConfig, api: typeof import('openai').default) {
  return new OrcError(
    'PROVIDER_FAILED',
    `provider ${provider.id} failed: ${describeFailure(error, provider, api)}`,
    {
      details: { provider: provider.id, status: (error as { status?: number }).status ?? null },
    },
  );
}

/**
 * One line on why a request failed: the HTTP status and the provider's own words, or the network
 * cause (ECONNREFUSED, ENOTFOUND, a timeout). Providers echo keys in their errors ("Incorrect API key
 * provided: sk-…"), so the key is cut out, and the raw error is not kept as the cause.
 */
function describeFailure(
  error: unknown,
  provider: ProviderConfig,
  api: typeof import('openai').default,
): string {
  const e = error as { status?: number; message?: string; name?: string; cause?: unknown };
  const endpoint = provider.baseUrl ?? 'the default endpoint';
  let text: string;
  if (typeof e.status === 'number') {
    const said = String(e.message ?? '')
      .replace(new RegExp(`^${e.status}\\s*`), '')
      .replace(/^status code \(no body\)$/, '');
    text = `HTTP ${e.status}${said ? ` (${said})` : ''}`;
  } else if (error instanceof api.APIConnectionTimeoutError) {
    const ms = provider.timeoutMs ?? 60_000;
    text = `no answer within ${ms < 1000 ? `${ms} ms` : `${Math.round(ms / 1000)} s`} from ${endpoint}`;
  } else if (error instanceof api.APIUserAbortError || e.name === 'AbortError') {
    text = 'the request was cancelled';
  } else if (error instanceof api.APIConnectionError) {
    text = `cannot reach ${endpoint}${rootCause(e.cause)}`;
  } else {
    text = `${e.message ?? String(error)}${rootCause(e.cause)} (${endpoint})`;
  }
  return oneLine(redact(text, provider.apiKey));
}

/** The innermost cause's code or message, e.g. `: ECONNREFUSED`. */
function rootCause(cause: unknown): string {
  let inner = cause as { code?: string; message?: string; cause?: unknown } | undefined;
  while (inner?.cause) inner = inner.cause as typeof inner;
  if (!inner) return '';
  return `: ${inner.code ?? inner.message ?? String(inner)}`;
}

/** Cuts out the key, and credentials in any URL (the base URL or one the provider's error quotes). */
function redact(text: string, key: string | undefined): string {
  return redactUrlsIn(key ? text.split(key).join('***') : text);
}

function oneLine(text: string, max = 200): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
}
