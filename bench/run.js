// `npm run bench`: every benchmark module in turn; each exports `async function run()` and prints its
// own figures. Figures, not tests: a MISS is printed, never a failure.
const benches = [
  './cli.js',
  './runs.js',
  './knowledge.js',
  './workers.js',
  './mcp.js',
  './hooks.js',
  './prime.js',
  './events.js',
  './scale.js',
];
for (const path of benches) {
  const { run } = await import(path);
  await run();
  console.log('');
}
