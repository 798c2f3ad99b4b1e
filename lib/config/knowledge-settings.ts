import { type Doc, isObject, optionalString, wholeNumberOf } from './config-values.js';
import { quote } from '../shared/index.js';
import type { ProviderConfig } from './config-types.js';

export type SearchMode = 'lexical' | 'semantic' | 'hybrid';

/** `knowledge:` in orchestrator.yaml. Without `embeddings`, search is lexical and offline. */
export interface KnowledgeSettings {
  search: SearchMode;
  /** Characters of a brief (`orc brief`, step briefs). */
  briefBudget: number;
  embeddings?: {
    provider: ProviderConfig;
    model: string;
    batchSize: number;
  };
}

export const DEFAULT_BRIEF_BUDGET = 8_000;
export const SEARCH_MODES: readonly SearchMode[] = ['lexical', 'semantic', 'hybrid'];

export function readKnowledgeSettings(
  raw: unknown,
  providers: Record<string, ProviderConfig>,
  problems: string[],
): KnowledgeSettings {
  const settings: KnowledgeSettings = { search: 'lexical', briefBudget: DEFAULT_BRIEF_BUDGET };
  if (raw === undefined || raw === null) return settings;
  if (!isObject(raw)) {
    problems.push('knowledge: must be a mapping (search, brief_budget, embeddings)');
    return settings;
  }
  const budget =
    raw.brief_budget === undefined
      ? undefined
      : wholeNumberOf(raw.brief_budget, 'knowledge.brief_budget', [500, 1_000_000], problems);
  if (budget !== undefined) settings.briefBudget = budget;
  const embeddings = raw.embeddings as Doc | undefined | null;
  if (embeddings !== undefined && embeddings !== null) {
    if (!isObject(embeddings))
      problems.push('knowledge.embeddings: must be a mapping with provider and model');
    else {
      const at = 'knowledge.embeddings';
      const id = optionalString(embeddings, 'provider', at, problems);
      const provider = id === undefined ? undefined : providers[id];
      if (id === undefined) problems.push(`${at}.provider: name one of the providers`);
      else if (!provider) problems.push(`${at}.provider: ${quote(id)} is not a configured provider`);
      const model = optionalString(embeddings, 'model', at, problems);
      if (model === undefined) problems.push(`${at}.model: name the embedding model`);
      const batchSize =
        embeddings.batch_size === undefined
          ? 64
          : wholeNumberOf(embeddings.batch_size, `${at}.batch_size`, [1, 2048], problems);
      if (provider && model) settings.embeddings = { provider, model, batchSize: batchSize ?? 64 };
      settings.search = 'hybrid';
    }
  }
  if (raw.search !== undefined) {
    if (!SEARCH_MODES.includes(raw.search as SearchMode))
      problems.push(`knowledge.search: must be one of ${SEARCH_MODES.join(', ')}`);
    else if (raw.search !== 'lexical' && embeddings === undefined)
      problems.push(`knowledge.search: ${raw.search} search needs knowledge.embeddings`);
    else settings.search = raw.search as SearchMode;
  }
  return settings;
}
