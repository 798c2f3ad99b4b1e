import { createRequire } from 'node:module';
import { MAX_DURATION_MS, OrcError, parseDuration, yamlToJs } from '../shared/index.js';
import { fileStamp, readJsonIfExists, readText, writeJsonAtomic } from '../storage/index.js';
import type { Workspace } from '../storage/index.js';

/** Settings of the task board, from `board:` in orchestrator.yaml. */
export interface BoardSettings {
  claimTtlMs: number;
  lockTtlMs: number;
  staleAfterMs: number;
}

export const DEFAULT_BOARD: Readonly<BoardSettings> = {
  claimTtlMs: 30 * 60_000,
  lockTtlMs: 5 * 60_000,
  staleAfterMs: 10 * 60_000,
};

/** Parses orchestrator.yaml into a plain object (the yaml package is loaded only here). */
export function readConfigDocument(ws: Workspace): Record<string, unknown> {
  const text = readText(ws, ws.configFile);
  if (text === undefined) return {};
  // Loaded on demand: the yaml package costs ~30 ms, more than the rest of a typical command.
  const YAML = createRequire(import.meta.url)('yaml') as typeof import('yaml');
  const doc = YAML.parseDocument(text, { prettyErrors: false });
  if (doc.errors.length > 0) {
    const first = doc.errors[0]!;
    const where = first.linePos?.[0] ? ` at line ${first.linePos[0].line}` : '';
    throw new OrcError(
      'INVALID_INPUT',
      `orchestrator.yaml does not parse${where}: ${first.message.split('\n')[0]}`,
    );
  }
  const plain = yamlToJs(doc);
  if (plain.problem !== undefined) throw new OrcError('INVALID_INPUT', `orchestrator.yaml ${plain.problem}`);
  const value = plain.value ?? {};
  if (typeof value !== 'object' || Array.isArray(value)) {
    throw new OrcError('INVALID_INPUT', 'orchestrator.yaml must be a mapping of settings');
  }
  return value as Record<string, unknown>;
}

/**
 * `board:` as settings, every problem pushed by path. `config check` calls this too, so that no
 * command fails later on a board setting the check called ok.
 */
export function readBoardSettings(raw: unknown, problems: string[]): BoardSettings {
  if (raw === undefined || raw === null) return { ...DEFAULT_BOARD };
  if (typeof raw !== 'object' || Array.isArray(raw)) {
    problems.push('board: must be a mapping (claim_ttl, lock_ttl, stale_after)');
    return { ...DEFAULT_BOARD };
  }
  const board = raw as Record<string, unknown>;
  const setting = (key: string, fallback: number) => {
    if (board[key] === undefined || board[key] === null) return fallback;
    try {
      return parseDuration(board[key], `board.${key}`);
    } catch (error) {
      if (!(error instanceof OrcError)) throw error;
      problems.push(error.message);
      return fallback;
    }
  };
  return {
    claimTtlMs: setting('claim_ttl', DEFAULT_BOARD.claimTtlMs),
    lockTtlMs: setting('lock_ttl', DEFAULT_BOARD.lockTtlMs),
    staleAfterMs: setting('stale_after', DEFAULT_BOARD.staleAfterMs),
  };
}

function boardFromDocument(doc: Record<string, unknown>): BoardSettings {
  const problems: string[] = [];
  const board = readBoardSettings(doc.board, problems);
  if (problems.length > 0)
    throw new OrcError('INVALID_INPUT', `orchestrator.yaml: ${problems.join('; ')}`, {
      details: { problems },
    });
  return board;
}

interface BoardCache {
  mtimeMs: number;
  size: number;
  board: BoardSettings;
}

/**
 * Board settings, cached in `.orc/` by the config file's mtime and size so that the hot commands
 * (`t next`, heartbeats) do not pay for YAML parsing on every call.
 */
export function loadBoardSettings(ws: Workspace): BoardSettings {
  const stat = fileStamp(ws, ws.configFile);
  if (!stat) return { ...DEFAULT_BOARD };
  const cached = readBoardCache(ws);
  if (cached && cached.mtimeMs === stat.mtimeMs && cached.size === stat.size) return cached.board;
  const board = boardFromDocument(readConfigDocument(ws));
  writeJsonAtomic(ws, ws.boardCacheFile, { mtimeMs: stat.mtimeMs, size: stat.size, board });
  return board;
}

/** The cached board settings; a cache that does not parse is as good as none (it is derived). */
function readBoardCache(ws: Workspace): BoardCache | undefined {
  try {
    const cached = readJsonIfExists<BoardCache>(ws, ws.boardCacheFile);
    const board = cached?.board as Partial<BoardSettings> | undefined;
    const valid = [board?.claimTtlMs, board?.lockTtlMs, board?.staleAfterMs].every(
      (ms) => typeof ms === 'number' && ms >= 1 && ms <= MAX_DURATION_MS,
    );
    return valid ? cached : undefined;
  } catch (error) {
    if (error instanceof OrcError && error.code === 'CORRUPT') return undefined;
    throw error;
  }
}
