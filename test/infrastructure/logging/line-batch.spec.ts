import { LineBatch } from '../../../src/infrastructure/logging/line-batch';

/** A destination that records each write it is given. */
function target() {
  const writes: string[] = [];
  let syncFlushes = 0;
  return {
    writes,
    flushes: () => syncFlushes,
    stream: {
      write: (text: string) => void writes.push(text),
      flushSync: () => void syncFlushes++,
    },
  };
}

const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve));

describe('log lines batched per turn of the event loop', () => {
  it('hands the lines of one turn on as one write, in order, and the next turn as another', async () => {
    const t = target();
    const batch = new LineBatch(t.stream);
    for (let i = 0; i < 100; i++) batch.write(`{"n":${i}}\n`);
    expect(t.writes).toEqual([]);
    await nextTurn();
    expect(t.writes).toHaveLength(1);
    expect(t.writes[0]!.split('\n').slice(0, -1)).toEqual(
      Array.from({ length: 100 }, (_, i) => `{"n":${i}}`),
    );
    batch.write('{"n":100}\n');
    await nextTurn();
    expect(t.writes).toEqual([t.writes[0], '{"n":100}\n']);
    // A turn without lines writes nothing.
    await nextTurn();
    expect(t.writes).toHaveLength(2);
  });

  it('hands a turn of many lines on in writes of at most 4,096 characters, each line whole in one', async () => {
    const t = target();
    const batch = new LineBatch(t.stream);
    const lines = Array.from(
      { length: 500 },
      (_, i) => `{"n":${i},"pad":"${'x'.repeat(i % 97)}"}\n`,
    );
    const long = `{"long":"${'y'.repeat(10_000)}"}\n`;
    for (const line of [...lines.slice(0, 250), long, ...lines.slice(250)])
      batch.write(line);
    await nextTurn();
    expect(t.writes.length).toBeGreaterThan(5);
    expect(t.writes.join('')).toBe(
      [...lines.slice(0, 250), long, ...lines.slice(250)].join(''),
    );
    for (const write of t.writes) {
      expect(write.endsWith('\n')).toBe(true);
      // A line longer than the limit goes alone.
      expect(write.length <= 4096 || write === long).toBe(true);
    }
  });

  it('hands held lines on before a flush of its destination', () => {
    const t = target();
    const batch = new LineBatch(t.stream);
    batch.write('a\n');
    batch.write('b\n');
    batch.flushSync();
    expect(t.writes).toEqual(['a\nb\n']);
    expect(t.flushes()).toBe(1);
    const flushed = jest.fn();
    batch.write('c\n');
    batch.flush(flushed);
    expect(t.writes).toEqual(['a\nb\n', 'c\n']);
    expect(flushed).toHaveBeenCalledTimes(1);
  });
});
