import { createHmac, timingSafeEqual } from 'node:crypto';

/** `sha256=` and 64 hex digits: the form of GitHub's `X-Hub-Signature-256`. */
const GITHUB_SIGNATURE = /^sha256=([0-9a-fA-F]{64})$/;

/**
 * Whether `header` is GitHub's `X-Hub-Signature-256` of `body` under `secret`: the HMAC-SHA256
 * of the raw bytes, compared in constant time. A missing or malformed header is no signature.
 */
export function isGithubSignature(
  secret: string,
  body: Buffer,
  header: string | undefined,
): boolean {
  const given =
    header === undefined ? undefined : GITHUB_SIGNATURE.exec(header);
  if (!given?.[1]) return false;
  const expected = createHmac('sha256', secret).update(body).digest();
  return timingSafeEqual(expected, Buffer.from(given[1], 'hex'));
}

/**
 * Whether `given` is `expected` (GitLab's `X-Gitlab-Token`), in constant time: both are
 * hashed first, so that neither the length nor a prefix of the secret leaks.
 */
export function isSameToken(
  expected: string,
  given: string | undefined,
): boolean {
  if (given === undefined) return false;
  const digest = (value: string) =>
    createHmac('sha256', 'stackyard-token-compare').update(value).digest();
  return timingSafeEqual(digest(expected), digest(given));
}

/** GitHub's signature header for `body` under `secret` (for tests and tools). */
export function githubSignatureOf(
  secret: string,
  body: Buffer | string,
): string {
  return `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
}
