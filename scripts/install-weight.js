// `node scripts/install-weight.js`: what installing orc weighs, as the README's table gives it. Packs the
// package (from the current dist/, no build), installs the tarball with `npm install --omit=dev` into an
// empty temp project (network to the npm registry needed), and counts each installed package's files
// once: under the core, or under the one optional feature that alone brings it in.
import { execFileSync } from 'node:child_process';
import {
  existsSync,
  lstatSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = join(fileURLToPath(new URL('.', import.meta.url)), '..');
const SELF = 'node_modules/orc-agents';
// The dependencies only optional features load (each through a lazy import in lib/); the rest is core.
const OPTIONAL = {
  'vectra (semantic knowledge search)': ['vectra'],
  'openai (LLM and embedding providers)': ['openai'],
  'bullmq + ioredis (workers)': ['bullmq', 'ioredis'],
  '@modelcontextprotocol/sdk (orc mcp)': ['@modelcontextprotocol/sdk'],
};

/** Bytes of a package's own files (its nested node_modules are packages of their own). */
function sizeOf(dir) {
  let total = 0;
  for (const name of readdirSync(dir)) {
    if (name === 'node_modules') continue;
    const path = join(dir, name);
    const stat = lstatSync(path);
    total += stat.isDirectory() ? sizeOf(path) : stat.size;
  }
  return total;
}

/** Node's resolution over the lock file's locations: the nearest node_modules/<name> upwards. */
function resolveIn(packages, from, name) {
  let base = from;
  for (;;) {
    const candidate = `${base ? `${base}/` : ''}node_modules/${name}`;
    if (packages[candidate]) return candidate;
    if (!base) return undefined;
    const cut = base.lastIndexOf('/node_modules/');
    base = cut < 0 ? '' : base.slice(0, cut);
  }
}

function closureOf(packages, start, installed) {
  const seen = new Set([start]);
  const stack = [start];
  while (stack.length > 0) {
    const location = stack.pop();
    const entry = packages[location];
    const names = Object.keys({
      ...entry.dependencies,
      ...entry.optionalDependencies,
      ...entry.peerDependencies,
    });
    for (const name of names) {
      const found = resolveIn(packages, location, name);
      if (found && !seen.has(found)) {
        seen.add(found);
        stack.push(found);
      }
    }
  }
  return new Set([...seen].filter((location) => installed.has(location)));
}

const work = mkdtempSync(join(tmpdir(), 'orc-weight-'));
try {
  const npm = (args, cwd) =>
    execFileSync('npm', args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
  const [pack] = JSON.parse(npm(['pack', '--ignore-scripts', '--json', '--pack-destination', work], ROOT));
  const project = join(work, 'project');
  execFileSync('mkdir', [project]);
  writeFileSync(join(project, 'package.json'), '{"name":"weight","version":"1.0.0","private":true}\n');
  npm(['install', '--omit=dev', '--no-audit', '--no-fund', join(work, pack.filename)], project);
  const packages = JSON.parse(readFileSync(join(project, 'package-lock.json'), 'utf8')).packages;
  const installed = new Set(
    Object.keys(packages).filter(
      (location) => location.startsWith('node_modules/') && existsSync(join(project, location)),
    ),
  );
  const size = new Map([...installed].map((location) => [location, sizeOf(join(project, location))]));
  const weigh = (locations) => [...locations].reduce((sum, location) => sum + size.get(location), 0);
  const mb = (bytes) => `${(bytes / 1e6).toFixed(1)} MB`;
  const closure = (names) =>
    new Set(names.flatMap((name) => [...closureOf(packages, resolveIn(packages, SELF, name), installed)]));

  const optionalNames = Object.values(OPTIONAL).flat();
  const coreNames = Object.keys(packages[SELF].dependencies).filter((name) => !optionalNames.includes(name));
  const core = closure(coreNames);
  core.add(SELF);
  console.log(
    `package: ${(pack.size / 1e3).toFixed(0)} kB packed, ${mb(pack.unpackedSize)} unpacked, ${pack.entryCount} files`,
  );
  console.log(`production install: ${installed.size} packages, ${mb(weigh(installed))}`);
  console.log(`core (${coreNames.join(', ')}): ${core.size} packages, ${mb(weigh(core))}`);
  const claimed = new Set(core);
  for (const [feature, names] of Object.entries(OPTIONAL)) {
    const others = closure(optionalNames.filter((name) => !names.includes(name)));
    const own = [...closure(names)].filter((location) => !core.has(location) && !others.has(location));
    for (const location of own) claimed.add(location);
    console.log(`${feature}: ${own.length} packages, ${mb(weigh(own))}`);
  }
  const shared = [...installed].filter((location) => !claimed.has(location));
  console.log(`shared by optional features: ${shared.length} packages, ${mb(weigh(shared))}`);
} finally {
  rmSync(work, { recursive: true, force: true });
}
