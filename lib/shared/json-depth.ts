import { invalidInput } from './errors.js';

/** How deep JSON from a user may nest; real event data and payloads stay within a handful of levels. */
export const MAX_JSON_DEPTH = 64;

/**
 * The deepest nesting of objects and arrays in JSON text, read from the text itself, so that
 * thousands of levels are measured before anything recursive (parse, stringify, a walk) meets them.
 */
export function jsonDepth(text: string): number {
  let depth = 0;
  let deepest = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text.charCodeAt(i);
    if (inString) {
      if (ch === 92)
        i++; // a backslash: the next character is escaped
      else if (ch === 34) inString = false;
    } else if (ch === 34) inString = true;
    else if (ch === 123 || ch === 91) deepest = Math.max(deepest, ++depth);
    else if (ch === 125 || ch === 93) depth--;
  }
  return deepest;
}

/** JSON.parse for text from outside: nesting deeper than MAX_JSON_DEPTH is INVALID_INPUT naming `what`. */
export function parseUserJson(text: string, what: string): unknown {
  if (jsonDepth(text) > MAX_JSON_DEPTH)
    throw invalidInput(`${what} nests deeper than ${MAX_JSON_DEPTH} levels: give flatter JSON`);
  return JSON.parse(text);
}
