import { retryDelayMs } from '../../../src/sagas/webhooks/delivery.backoff';

describe('delivery backoff', () => {
  const policy = { baseMs: 100, capMs: 1000 };

  it('draws each wait from 0 to base × 2^(attempt−1), never beyond the cap (full jitter)', () => {
    const almostOne = () => 0.999_999;
    expect(
      [1, 2, 3, 4, 5, 30].map((a) => retryDelayMs(a, policy, almostOne)),
    ).toEqual([99, 199, 399, 799, 999, 999]);
    expect(retryDelayMs(3, policy, () => 0)).toBe(0);
    expect(retryDelayMs(3, policy, () => 0.5)).toBe(200);
  });
});
