import { createHmac } from 'node:crypto';
import {
  githubSignatureOf,
  isGithubSignature,
  isSameToken,
} from '../../../src/infrastructure/hooks/hook-signature';

const SECRET = "It's a Secret to Everybody";
// GitHub's own example: https://docs.github.com/webhooks/using-webhooks/validating-webhook-deliveries
const BODY = Buffer.from('Hello, World!');
const GITHUB_EXAMPLE =
  'sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17';

describe('GitHub webhook signatures', () => {
  it("given GitHub's documented example, then the signature verifies", () => {
    expect(isGithubSignature(SECRET, BODY, GITHUB_EXAMPLE)).toBe(true);
    expect(githubSignatureOf(SECRET, BODY)).toBe(GITHUB_EXAMPLE);
  });

  it('given upper-case hex, then it verifies too', () => {
    expect(
      isGithubSignature(
        SECRET,
        BODY,
        `sha256=${GITHUB_EXAMPLE.slice(7).toUpperCase()}`,
      ),
    ).toBe(true);
  });

  it.each([
    ['no header', undefined],
    ['an empty header', ''],
    ['the SHA-1 header form', `sha1=${'a'.repeat(40)}`],
    ['no algorithm', GITHUB_EXAMPLE.slice(7)],
    ['a short digest', GITHUB_EXAMPLE.slice(0, -2)],
    ['a long digest', `${GITHUB_EXAMPLE}00`],
    ['not hex', `sha256=${'z'.repeat(64)}`],
    ['another secret', githubSignatureOf('another secret', BODY)],
    ['other bytes', githubSignatureOf(SECRET, 'Hello, World! ')],
    [
      'a digest of the secret and body in the wrong order',
      `sha256=${createHmac('sha256', BODY).update(SECRET).digest('hex')}`,
    ],
  ])('given %s, then it does not verify', (_, header) => {
    expect(isGithubSignature(SECRET, BODY, header)).toBe(false);
  });
});

describe('GitLab tokens', () => {
  it('given the same token, then it matches; else not, whatever the length', () => {
    expect(isSameToken(SECRET, SECRET)).toBe(true);
    expect(isSameToken(SECRET, undefined)).toBe(false);
    expect(isSameToken(SECRET, '')).toBe(false);
    expect(isSameToken(SECRET, SECRET.slice(0, -1))).toBe(false);
    expect(isSameToken(SECRET, `${SECRET}x`)).toBe(false);
  });
});
