import { createRequire } from 'node:module';
import { OrcError, invalidInput } from './errors.js';

type YamlModule = typeof import('yaml');
let yamlModule: YamlModule | undefined;
// Loaded on first use, with require: search and list read front matter only when a file changed.
const yaml = () => {
  yamlModule ??= createRequire(import.meta.url)('yaml') as YamlModule;
  return yamlModule;
};

const OPENING = /^---[ \t]*\r?\n/;
const CLOSING = /^(?:---|\.\.\.)[ \t]*$/m;

/** A markdown text cut into its YAML front matter (without the fences) and its body. */
export interface SplitText {
  frontMatter?: string;
  body: string;
}

export function splitFrontMatter(text: string): SplitText {
  const opening = OPENING.exec(text);
  if (!opening) return { body: text };
  const rest = text.slice(opening[0].length);
  const closing = CLOSING.exec(rest);
  if (!closing) return { body: text };
  const end = closing.index + closing[0].length;
  const afterFence = rest.slice(end).replace(/^\r?\n/, '');
  return { frontMatter: rest.slice(0, closing.index), body: afterFence };
}

/** The fields orc maintains; anything else a person wrote is kept as it was. */
export interface KnowledgeMeta {
  title?: string;
  tags: string[];
  author?: string;
  updated?: string;
  recalls?: number;
}

/** How many alias expansions a YAML document may make; more is an alias bomb (the yaml default, said here). */
export const YAML_ALIAS_LIMIT = 100;

/**
 * A parsed YAML document as plain values, or the one-line problem when its aliases expand past
 * YAML_ALIAS_LIMIT (a few lines of `&a [*b, *b, …]` would otherwise take gigabytes).
 */
export function yamlToJs(
  doc: import('yaml').Document,
): { value: unknown; problem?: undefined } | { problem: string } {
  try {
    return { value: doc.toJS({ maxAliasCount: YAML_ALIAS_LIMIT }) };
  } catch (error) {
    // The yaml package reports an excessive alias count, and only that, as a ReferenceError.
    if (!(error instanceof ReferenceError)) throw error;
    return { problem: `expands more than ${YAML_ALIAS_LIMIT} YAML aliases (refused as an alias bomb)` };
  }
}

/** Reads the fields orc cares about; a front matter that is not a YAML mapping is `problem`. */
export function readMeta(frontMatter: string | undefined): { meta: KnowledgeMeta; problem?: string } {
  if (frontMatter === undefined || frontMatter.trim() === '') return { meta: { tags: [] } };
  let data: unknown = simpleMapping(frontMatter);
  if (data === undefined) {
    const doc = yaml().parseDocument(frontMatter);
    if (doc.errors.length > 0) return { meta: { tags: [] }, problem: firstLine(doc.errors[0].message) };
    const plain = yamlToJs(doc);
    if (plain.problem !== undefined) return { meta: { tags: [] }, problem: plain.problem };
    data = plain.value;
  }
  if (typeof data !== 'object' || data === null || Array.isArray(data)) {
    return { meta: { tags: [] }, problem: 'the front matter is not a mapping' };
  }
  const record = data as Record<string, unknown>;
  const text = (v: unknown) =>
    typeof v === 'string'
      ? v
      : v instanceof Date
        ? v.toISOString()
        : typeof v === 'number'
          ? String(v)
          : undefined;
  const tags = Array.isArray(record.tags)
    ? record.tags.map(String)
    : typeof record.tags === 'string'
      ? record.tags.split(',').map((t) => t.trim())
      : [];
  const recalls = Number(record.recalls);
  return {
    meta: {
      title: text(record.title),
      tags: tags.filter(Boolean),
      author: text(record.author),
      updated: text(record.updated),
      recalls: Number.isFinite(recalls) && recalls > 0 ? recalls : undefined,
    },
  };
}

// What the YAML 1.2 core schema (the yaml package's default) reads as other than a string.
const CORE_NOT_STRING =
  /^(?:~|null|Null|NULL|true|True|TRUE|false|False|FALSE|[-+]?[0-9]+|0o[0-7]+|0x[0-9a-fA-F]+|[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?|[-+]?\.(?:inf|Inf|INF)|\.nan|\.NaN|\.NAN)$/;
const DECIMAL = /^[0-9]{1,15}$/;
// A plain scalar that means the same in a block and reads as itself: no indicator first, no `: `
// or ` #` inside, no tab, no trailing colon.
const PLAIN_SCALAR = /^[^\s\-?:,[\]{}#&*!|>'"%@`](?:[^\t:#]|:(?! |$)|(?<! )#)*$/;
// The same inside a flow list (`tags: [a, b]`): no flow indicators nor colons either.
const FLOW_ITEM = /^[^\s\-?:,[\]{}#&*!|>'"%@`][^\t:#,[\]{}]*$/;
// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are left to the parser
const CONTROL_OTHER_THAN_LINE_BREAKS = /[\u0000-\u0009\u000b\u000c\u000e-\u001f\u007f-\u009f]/;
const SIMPLE_LINE = /^([A-Za-z_][A-Za-z0-9_-]*):(?: +(.*))?$/;

/** A plain scalar's value: a whole decimal number or a string; undefined for anything else. */
function scalarOf(text: string, pattern: RegExp): string | number | undefined {
  if (DECIMAL.test(text)) return Number(text);
  if (!pattern.test(text) || CORE_NOT_STRING.test(text)) return undefined;
  return text;
}

/**
 * The front matter orc writes (`key: value` lines of plain scalars and `[a, b]` lists) read without
 * loading the YAML parser, which costs more than the rest of a search; undefined when any line is
 * more than that, for the parser to read. The result is what the parser would give.
 */
function simpleMapping(frontMatter: string): Record<string, unknown> | undefined {
  if (CONTROL_OTHER_THAN_LINE_BREAKS.test(frontMatter)) return undefined;
  const data: Record<string, unknown> = Object.create(null);
  for (const raw of frontMatter.split('\n')) {
    const line = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    if (line.trim() === '') continue;
    const match = SIMPLE_LINE.exec(line.trimEnd());
    if (!match || Object.hasOwn(data, match[1]!) || CORE_NOT_STRING.test(match[1]!)) return undefined;
    const value = match[2]?.trim() ?? '';
    if (value === '') return undefined; // null, or a block below: the parser's business
    let read: unknown;
    if (value.startsWith('[') && value.endsWith(']')) {
      const inner = value.slice(1, -1).trim();
      const items = inner === '' ? [] : inner.split(',').map((item) => scalarOf(item.trim(), FLOW_ITEM));
      if (items.includes(undefined)) return undefined;
      read = items;
    } else read = scalarOf(value, PLAIN_SCALAR);
    if (read === undefined) return undefined;
    data[match[1]!] = read;
  }
  return data;
}

export interface ComposeOptions {
  /** The file as it is now, if there is one: its front matter is kept when the new content has none. */
  existing?: string;
  /** Label of the existing file in errors. */
  label: string;
  /** What was written: a body, or a whole file with its own front matter. */
  content: string;
  title?: string;
  tags?: string[];
  author: string;
  updated: string;
  /** Used for the title when there is neither a given one nor a `# heading`. */
  fallbackTitle: string;
}

/**
 * The file to store: the front matter the writer sent, else the one already on disk, with `title`,
 * `tags`, `author` and `updated` set through the YAML document API, so comments, key order and every
 * other key stay as a person wrote them. The body is kept byte for byte.
 */
export function composeKnowledge(options: ComposeOptions): string {
  const incoming = splitFrontMatter(options.content);
  let source = incoming.frontMatter;
  if (source !== undefined) {
    const { problem } = readMeta(source);
    if (problem) throw invalidInput(`the front matter of the new content is not valid YAML: ${problem}`);
  } else if (options.existing !== undefined) {
    source = splitFrontMatter(options.existing).frontMatter;
    const { problem } = source === undefined ? {} : readMeta(source);
    if (problem) {
      throw new OrcError('CORRUPT', `${options.label} has front matter that is not valid YAML: ${problem}`, {
        details: { file: options.label },
      });
    }
  }
  const body = incoming.body;
  const present = readMeta(source).meta;
  const fields: [string, unknown][] = [];
  if (options.title !== undefined) fields.push(['title', options.title]);
  else if (present.title === undefined) fields.push(['title', firstHeading(body) ?? options.fallbackTitle]);
  if (options.tags !== undefined) fields.push(['tags', options.tags]);
  if (present.author === undefined) fields.push(['author', options.author]);
  fields.push(['updated', options.updated]);
  return `---\n${setFields(source ?? '', fields)}---\n${body}`;
}

/**
 * Sets top-level keys by rewriting only their own lines, so spacing, comments and quoting elsewhere
 * stay byte for byte. When the result would not read back as intended (flow mappings, anchors, odd
 * layouts), the YAML document API does it instead, which keeps comments and order but may respace.
 */
function setFields(source: string, fields: [string, unknown][]): string {
  const lines = source === '' ? [] : source.replace(/\n$/, '').split('\n');
  for (const [key, value] of fields) {
    const line = `${key}: ${inline(value)}`;
    const at = lines.findIndex((l) => new RegExp(`^${key}\\s*:`).test(l));
    if (at < 0) {
      lines.push(line);
      continue;
    }
    let end = at + 1;
    while (end < lines.length && /^(?:[ \t]|- |-$)/.test(lines[end]!)) end++;
    lines.splice(at, end - at, line);
  }
  const text = lines.length > 0 ? `${lines.join('\n')}\n` : '';
  const check = yaml().parseDocument(text);
  const plain = check.errors.length === 0 ? yamlToJs(check) : undefined;
  const data = plain?.problem === undefined ? (plain?.value as Record<string, unknown> | null) : null;
  if (data && fields.every(([key, value]) => JSON.stringify(data[key]) === JSON.stringify(value)))
    return text;
  const doc = documentOf(source);
  for (const [key, value] of fields) doc.set(key, doc.createNode(value, { flow: true }));
  return doc.toString({ lineWidth: 0, flowCollectionPadding: false });
}

/** A value on one line: a plain or quoted scalar, or a flow list. */
function inline(value: unknown): string {
  const Yaml = yaml();
  const doc = new Yaml.Document(value, { flow: true });
  return doc.toString({ lineWidth: 0, flowCollectionPadding: false }).trimEnd();
}

/** Sets `recalls` to a number, leaving the rest of the front matter as it was. */
export function withRecalls(text: string, recalls: number): string {
  const split = splitFrontMatter(text);
  if (readMeta(split.frontMatter).problem) return text;
  return `---\n${setFields(split.frontMatter ?? '', [['recalls', recalls]])}---\n${split.body}`;
}

/** The YAML document of a front matter, or an empty mapping to fill. */
function documentOf(source: string | undefined): import('yaml').Document {
  const Yaml = yaml();
  return source === undefined || source.trim() === '' ? new Yaml.Document({}) : Yaml.parseDocument(source);
}

function firstHeading(body: string): string | undefined {
  return /^#[ \t]+(.+?)[ \t#]*$/m.exec(body)?.[1];
}

function firstLine(text: string): string {
  return text.split('\n')[0];
}
