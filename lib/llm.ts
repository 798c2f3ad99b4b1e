import { OrcError } from './errors.js';
import type { ProviderConfig } from './orchestrator-config.js';

export interface ChatMessage {
  role: 'system' | 'user' | 'assistant';
  content: string;
}

/**
 * One chat completion from any OpenAI-compatible endpoint, through the `openai` client (loaded only
 * here: it costs ~100 ms). Failures become PROVIDER_FAILED naming the provider, never its key.
 */
export async function chatComplete(
  provider: ProviderConfig,
  messages: ChatMessage[],
  options: { json?: boolean; signal?: AbortSignal } = {},
): Promise<string> {
  const { default: OpenAI } = await import('openai');
  const client = new OpenAI({
    baseURL: provider.baseUrl,
    apiKey: provider.apiKey || 'none',
    timeout: provider.timeoutMs ?? 60_000,
    maxRetries: provider.maxRetries ?? 2,
  });
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
    const status = (error as { status?: number }).status;
    const cause = status ? `HTTP ${status}` : ((error as Error).message ?? String(error)).split('\n')[0];
    throw new OrcError('PROVIDER_FAILED', `provider ${provider.id} failed: ${cause}`, { cause: error });
  }
}
