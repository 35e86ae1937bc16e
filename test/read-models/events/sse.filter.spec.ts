import type { RecordedEvent } from '../../../src/infrastructure/event-store/event-store.port';
import {
  formatSse,
  formatStreamStart,
  inScope,
} from '../../../src/read-models/events/sse.filter';

const event = (
  streamId: string,
  metadata: RecordedEvent['metadata'],
): RecordedEvent => ({
  eventId: 'e',
  streamId,
  streamVersion: 0,
  globalPosition: 42,
  type: 'X',
  data: { a: 1 },
  metadata,
  recordedAt: '2026-01-01T00:00:00.000Z',
});

describe('SSE scoping', () => {
  const jobEvent = event('repo-action-j1', { orgId: 'o1', repoId: 'r1' });
  const branchEvent = event('repo-r1', {
    orgId: 'o1',
    repoId: 'r1',
    jobId: 'j1',
  });

  it("never sends another org's events, nor events without an org", () => {
    expect(inScope(jobEvent, { orgId: 'o2' })).toBe(false);
    expect(inScope(event('repo-action-j1', {}), { orgId: 'o1' })).toBe(false);
    expect(inScope(jobEvent, { orgId: 'o1' })).toBe(true);
  });

  it('narrows by repo and by job, including the branch changes a job made', () => {
    expect(inScope(jobEvent, { orgId: 'o1', repoId: 'r2' })).toBe(false);
    expect(inScope(jobEvent, { orgId: 'o1', jobId: 'j1' })).toBe(true);
    expect(inScope(branchEvent, { orgId: 'o1', jobId: 'j1' })).toBe(true);
    expect(inScope(branchEvent, { orgId: 'o1', jobId: 'j2' })).toBe(false);
  });

  it('writes the global position as the event id', () => {
    expect(formatSse(jobEvent)).toMatch(
      /^id: 42\nevent: X\ndata: \{.*"jobId":"j1".*\}\n\n$/,
    );
  });

  it('opens a stream with the position it resumes after as its id, so that an EventSource resumes there before any message', () => {
    expect(formatStreamStart(43)).toBe('retry: 1000\nid: 42\n: from 43\n\n');
    expect(formatStreamStart(1)).toMatch(/\nid: 0\n/);
  });
});
