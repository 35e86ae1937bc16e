import type { RecordedEvent } from '../../../src/infrastructure/event-store/event-store.port';
import { RecentEvents } from '../../../src/infrastructure/event-store/recent-events';

const event = (
  position: number,
  type = 'A',
  streamId = 's-1',
): RecordedEvent => ({
  eventId: `e${position}`,
  streamId,
  streamVersion: position,
  globalPosition: position,
  type,
  data: { n: position, nested: { list: [position] } },
  metadata: {},
  recordedAt: '2026-01-01T00:00:00.000Z',
});

const range = (from: number, to: number) =>
  Array.from({ length: to - from + 1 }, (_, i) => event(from + i));

describe('RecentEvents', () => {
  it('answers a read from a held position up to the head, as the store would', () => {
    const recent = new RecentEvents();
    recent.add(range(5, 9));
    expect(recent.page(7, 10, undefined, 9)).toEqual({
      events: range(7, 9),
      nextPosition: 10,
      isEnd: true,
    });
    expect(recent.page(10, 10, undefined, 9)).toEqual({
      events: [],
      nextPosition: 10,
      isEnd: true,
    });
  });

  it('pages by the limit', () => {
    const recent = new RecentEvents();
    recent.add(range(1, 5));
    expect(recent.page(2, 2, undefined, 5)).toEqual({
      events: range(2, 3),
      nextPosition: 4,
      isEnd: false,
    });
  });

  it('leaves to the file a read older than what it holds, or past a head it does not know', () => {
    const recent = new RecentEvents();
    expect(recent.page(1, 10, undefined, 0)).toBeUndefined();
    recent.add(range(5, 9));
    expect(recent.page(4, 10, undefined, 9)).toBeUndefined();
    expect(recent.page(5, 10, undefined, 12)).toBeUndefined();
    expect(recent.page(11, 10, undefined, 9)).toBeUndefined();
  });

  it('filters by type and stream prefix, the next position past everything looked at', () => {
    const recent = new RecentEvents();
    recent.add([
      event(1, 'A', 'job-1'),
      event(2, 'B', 'job-1'),
      event(3, 'A', 'repo-1'),
      event(4, 'A', 'job-2'),
    ]);
    const page = recent.page(1, 10, { types: ['A'], streamPrefix: 'job-' }, 4);
    expect(page!.events.map((e) => e.globalPosition)).toEqual([1, 4]);
    expect(page!.nextPosition).toBe(5);
    const limited = recent.page(1, 1, { types: ['A'] }, 4);
    expect(limited).toMatchObject({ nextPosition: 2, isEnd: false });
  });

  it('starts afresh after a gap, and keeps at most twice its capacity', () => {
    const recent = new RecentEvents(4);
    recent.add(range(1, 3));
    recent.add(range(7, 8));
    expect(recent.page(1, 10, undefined, 8)).toBeUndefined();
    expect(recent.page(7, 10, undefined, 8)!.events).toHaveLength(2);
    recent.add(range(9, 20));
    expect(recent.page(12, 10, undefined, 20)).toBeUndefined();
    expect(recent.page(17, 10, undefined, 20)!.events).toEqual(range(17, 20));
  });

  it('hands out frozen events, so that no reader can change what the next one reads', () => {
    const recent = new RecentEvents();
    recent.add(range(1, 1));
    const [held] = recent.page(1, 10, undefined, 1)!.events;
    expect(() => {
      (held!.data as { nested: { list: number[] } }).nested.list.push(2);
    }).toThrow(TypeError);
  });
});
