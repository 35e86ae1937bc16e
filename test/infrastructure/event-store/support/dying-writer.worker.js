'use strict';
// A stand-in for the store's writer thread in its tests: it exits (code 3) on a batch whose
// first append is to the stream "die", and answers any other message with nothing done.
const { parentPort } = require('node:worker_threads');

parentPort.on('message', (message) => {
  if (message.kind === 'close') {
    parentPort.postMessage({ ok: true });
    parentPort.close();
  } else if (
    message.kind === 'commit' &&
    message.appends[0].streamId === 'die'
  ) {
    process.exit(3);
  } else {
    parentPort.postMessage({ ok: [] });
  }
});
