/**
 * Credentials inside URLs: a provider's `base_url` may carry `user:password@` or `?key=…`, and such a
 * URL is echoed by messages, events and run files. Everything orc prints or stores passes a URL through
 * here first.
 */

/** Query parameters whose value is a credential: api_key, key, token, access_token, secret, sig… */
const SECRET_PARAMETER =
  /(^|[_-])(key|token|secret|password|passwd|pass|pwd|auth|sig|signature|credentials?)$/i;

const HIDDEN = '***';

/** The URL with its user name, password and secret-looking query values replaced by `***`. */
export function redactUrl(url: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    // An unreadable URL may still hold a password: show only its scheme.
    const scheme = /^[a-z][a-z0-9+.-]*:/i.exec(url)?.[0];
    return scheme ? `${scheme}//(unreadable URL)` : '(unreadable URL)';
  }
  const names = [...parsed.searchParams.keys()].filter((name) => SECRET_PARAMETER.test(name));
  // Untouched when there is nothing to hide: parsing would add a slash and change the spelling.
  if (!parsed.username && !parsed.password && names.length === 0) return url;
  // A user name alone can be a token (https://TOKEN@host), so it goes as well.
  if (parsed.username) parsed.username = HIDDEN;
  if (parsed.password) parsed.password = HIDDEN;
  for (const name of new Set(names)) parsed.searchParams.set(name, HIDDEN);
  // URLSearchParams writes `***` as `%2A%2A%2A`; the readable form is the point of a message.
  return parsed.toString().replaceAll('%2A%2A%2A', HIDDEN);
}

/** The text with every URL in it redacted (see redactUrl); other text stays as it is. */
export function redactUrlsIn(text: string): string {
  return text.replace(/\b[a-z][a-z0-9+.-]*:\/\/[^\s"'<>`]+/gi, (url) => {
    // Sentence punctuation after a URL is not part of it.
    const tail = /[).,;:!?\]]+$/.exec(url)?.[0] ?? '';
    return redactUrl(url.slice(0, url.length - tail.length)) + tail;
  });
}
