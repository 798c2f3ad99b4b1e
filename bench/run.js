// `npm run bench`: every benchmark in turn. Figures, not tests: a MISS is printed, never a failure.
const benches = ['./core.js'];
for (const path of benches) {
  const { run } = await import(path);
  await run();
  console.log('');
}
