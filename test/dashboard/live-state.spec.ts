import { combineLive } from '../../dashboard/live-state';

describe("the header's live indicator", () => {
  it('is live only when every open stream is, reconnecting when any lost the service', () => {
    expect(combineLive(['live'])).toBe('live');
    expect(combineLive(['live', 'live'])).toBe('live');
    expect(combineLive(['live', 'connecting'])).toBe('connecting');
    expect(combineLive(['connecting', 'reconnecting'])).toBe('reconnecting');
    expect(combineLive(['live', 'reconnecting'])).toBe('reconnecting');
  });

  it('says connecting, never offline, before any stream is open (a page without one)', () => {
    expect(combineLive([])).toBe('connecting');
  });
});
