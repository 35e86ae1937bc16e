const { getSQLiteEventStore } = require('@event-driven-io/emmett-sqlite');
const fs = require('fs'); const dir = fs.mkdtempSync('/tmp/em-');
const log = console.log; console.log = () => {};
(async () => {
  const store = getSQLiteEventStore({ fileName: dir + '/e.sqlite' });
  let queue = Promise.resolve(); let ok = 0, fail = 0;
  const t = Date.now();
  const ps = [];
  for (let i = 0; i < 300; i++) { const turn = queue.then(() => store.appendToStream('s-' + (i % 100), [{ type: 'T', data: { i } }])); queue = turn.catch(() => undefined); ps.push(turn.then(() => ok++, (e) => { fail++; if (fail < 3) log(String(e)); })); }
  await Promise.all(ps);
  log('queued ok', ok, 'fail', fail, 'ms', Date.now() - t);
})();
