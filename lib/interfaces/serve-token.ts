import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { invalidInput, envValue } from '../shared/index.js';
import { type Workspace, createText, readText, restrictMode } from '../storage/index.js';

export interface ServeToken {
  token: string;
  /** `env` (ORC_TOKEN), `file` (.orc/serve-token, generated on first use) or `given` (by the caller). */
  source: 'env' | 'file' | 'given';
  /** The token file, when that is where the token came from. */
  file?: string;
}

/**
 * The bearer token of `orc serve`: ORC_TOKEN when set, else the one in `.orc/serve-token` (machine-local,
 * git-ignored, mode 0600), generated there once. Never part of the committed state.
 */
export function serveToken(ws: Workspace, env: NodeJS.ProcessEnv = process.env): ServeToken {
  const fromEnv = envValue(env, 'TOKEN');
  if (fromEnv !== undefined && fromEnv !== '') {
    if (fromEnv.trim().length < 16 || /\s/.test(fromEnv))
      throw invalidInput('ORC_TOKEN must be at least 16 characters, without spaces');
    return { token: fromEnv, source: 'env' };
  }
  const file = ws.serveTokenFile;
  // Created at most once, even by two servers starting together: the one that loses reads the other's.
  createText(ws, file, `${randomBytes(24).toString('base64url')}\n`, 0o600);
  restrictMode(ws, file, 0o600); // a file copied in or made by hand may be readable by others
  const token = (readText(ws, file) ?? '').trim();
  if (token.length < 16)
    throw invalidInput(`${file} holds no usable token: delete it to have a new one made`);
  return { token, source: 'file', file };
}

const digest = (text: string) => createHash('sha256').update(text).digest();

/** Compares in constant time (over digests, so the length of the expected token does not leak either). */
export function tokenMatches(given: string | undefined, expected: string): boolean {
  if (given === undefined) return false;
  return timingSafeEqual(digest(given), digest(expected));
}
