import { decidesAgain } from '../../../src/domain/hooks/redelivery';

describe('a delivery id seen before', () => {
  it.each(['error', 'cancelled'] as const)(
    'given its job ended %s, then it is decided again',
    (phase) => {
      expect(decidesAgain(phase)).toBe(true);
    },
  );

  it.each([
    undefined,
    'absent',
    'queued',
    'running',
    'waiting',
    'completed',
  ] as const)('given its job is %s, then it is a duplicate', (phase) => {
    expect(decidesAgain(phase)).toBe(false);
  });
});
