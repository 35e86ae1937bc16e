/** How long to wait before retrying a failed delivery. */
export interface BackoffPolicy {
  baseMs: number;
  capMs: number;
}

/**
 * Exponential backoff with full jitter: a wait drawn uniformly from 0 to
 * `min(cap, base × 2^(attempt−1))`. Receivers that fail together (a shared outage) are not
 * retried together, and a long outage costs one try per cap, not a storm.
 */
export function retryDelayMs(
  attempt: number,
  policy: BackoffPolicy,
  random: () => number = Math.random,
): number {
  const ceiling = Math.min(
    policy.capMs,
    policy.baseMs * 2 ** Math.min(Math.max(attempt - 1, 0), 30),
  );
  return Math.floor(random() * ceiling);
}
