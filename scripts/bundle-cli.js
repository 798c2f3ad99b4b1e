// Part of `npm run build`: bundles the CLI that tsc compiled (dist/bin/orc.js and what it imports of
// dist/lib/) into a few files, one chunk per lazily loaded command and subsystem, in place of dist/bin/.
// Why: Node loads each ES module separately (resolve, read, link), about half a millisecond each, and a
// command reaching the library through its folders' index.ts would load some fifty of them; bundled it
// loads a handful, while lib/ keeps its folders. Packages stay external (loaded from node_modules, lazily
// as the sources say). The library (dist/lib/) is left as tsc wrote it, for `import` and `require`.
import { renameSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const dist = join(dirname(fileURLToPath(import.meta.url)), '..', 'dist');
const staging = join(dist, 'bin.bundle');
rmSync(staging, { recursive: true, force: true });
await build({
  entryPoints: [join(dist, 'bin', 'orc.js')],
  outdir: staging,
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  packages: 'external',
  logLevel: 'warning',
});
rmSync(join(dist, 'bin'), { recursive: true, force: true });
renameSync(staging, join(dist, 'bin'));
