import { Writable } from 'node:stream';
import { writeChunk } from '../../../src/read-models/events/sse-write';

/** A connection whose client reads only when the test says so. */
function slowClient() {
  const unread: Array<() => void> = [];
  const out = new Writable({
    highWaterMark: 4,
    write(_chunk, _encoding, callback) {
      unread.push(callback);
    },
  });
  const readAll = () => unread.splice(0).forEach((done) => done());
  return { out, readAll };
}

describe('writeChunk', () => {
  it('waits for a full buffer to drain, and leaves no listener behind however often it waits', async () => {
    const { out, readAll } = slowClient();
    for (let i = 0; i < 50; i++) {
      let written = false;
      const writing = writeChunk(out, 'id: 1\n\n').then(() => (written = true));
      await Promise.resolve();
      expect(written).toBe(false);
      readAll();
      await writing;
    }
    expect(out.listenerCount('drain')).toBe(0);
    expect(out.listenerCount('close')).toBe(0);
  });

  it('stops waiting when the client goes, or has gone', async () => {
    const { out } = slowClient();
    const writing = writeChunk(out, 'id: 1\n\n');
    out.destroy();
    await writing;
    await writeChunk(out, 'id: 2\n\n');
    expect(out.listenerCount('drain')).toBe(0);
    expect(out.listenerCount('close')).toBe(0);
  });
});
