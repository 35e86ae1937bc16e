/**
 * Loaded into the service by bench:soak (`node --expose-gc -r <this> dist/src/main.js`): on
 * SIGUSR2 it runs a full garbage collection and writes one line to stderr,
 * `soak-gc <heapUsed> <heapTotal> <rss> <external>` (bytes), so that the soak measures memory
 * after a collection rather than wherever V8's own collections happen to be. The service's
 * code is not touched.
 */
const collect = (globalThis as { gc?: () => void }).gc;

if (collect)
  process.on('SIGUSR2', () => {
    collect();
    const m = process.memoryUsage();
    process.stderr.write(
      `soak-gc ${m.heapUsed} ${m.heapTotal} ${m.rss} ${m.external}\n`,
    );
  });

export {};
