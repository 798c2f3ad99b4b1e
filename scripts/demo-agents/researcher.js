// A demo command agent: reads its brief on stdin and answers with the facts it "found".
process.stdin.resume();
process.stdin.on('end', () => console.log('Q1 sales: 1,200 orders, up 8% on Q4; returns down to 2%'));
