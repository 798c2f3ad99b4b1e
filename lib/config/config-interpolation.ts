import { parseEnv } from 'node:util';
import { type Workspace, readText } from '../storage/index.js';

const VARIABLE = /\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}/g;

/**
 * Replaces `${VAR}` and `${VAR:-default}` in every string of a parsed YAML value. An unset (or empty)
 * variable without a default is a problem named by its path and variable, never by a value: under
 * `api_key` the value is a secret.
 */
export function interpolateConfig(
  value: unknown,
  path: string,
  env: NodeJS.ProcessEnv,
  problems: string[],
): unknown {
  if (typeof value === 'string') {
    return value.replace(VARIABLE, (_match, name: string, fallback?: string) => {
      const found = env[name];
      if (found !== undefined && found !== '') return found;
      if (fallback !== undefined) return fallback;
      problems.push(`${path}: \${${name}} is not set in the environment or .env`);
      return '';
    });
  }
  if (Array.isArray(value)) return value.map((v, i) => interpolateConfig(v, `${path}[${i}]`, env, problems));
  if (typeof value === 'object' && value !== null) {
    return Object.fromEntries(
      Object.entries(value).map(([k, v]) => [
        k,
        interpolateConfig(v, path ? `${path}.${k}` : k, env, problems),
      ]),
    );
  }
  return value;
}

/** The environment for interpolation: a `.env` beside orchestrator.yaml, overridden by the real one. */
export function configEnvironment(ws: Workspace, env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const text = readText(ws, ws.envFile);
  return text === undefined ? env : { ...parseEnv(text), ...env };
}
