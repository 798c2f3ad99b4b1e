// A demo command agent: writes a summary from the facts in the outputs of the steps it depends on.
let brief = '';
process.stdin.on('data', (d) => {
  brief += d;
});
process.stdin.on('end', () => {
  const facts = brief.match(/Q1 sales:[^\n]*/)?.[0] ?? 'no figures were given';
  console.log(`Executive summary. ${facts}. Orders are growing and returns are falling.`);
});
