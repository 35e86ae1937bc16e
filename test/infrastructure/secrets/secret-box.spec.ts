import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DomainError } from '../../../src/domain/domain-error';
import {
  secretBox,
  secretBoxFor,
} from '../../../src/infrastructure/secrets/secret-box';

const codeOf = (fn: () => unknown): string | undefined => {
  try {
    fn();
  } catch (error) {
    return error instanceof DomainError ? error.code : String(error);
  }
  return undefined;
};

describe('secretBox', () => {
  const box = secretBox(Buffer.alloc(32, 1));

  it('opens what it sealed, in the same context, and never shows the secret in the sealed form', () => {
    const sealed = box.seal('s3cret-value', 'repo-webhook:r1');
    expect(sealed).not.toContain('s3cret');
    expect(sealed.split('.')).toHaveLength(4);
    expect(box.open(sealed, 'repo-webhook:r1')).toBe('s3cret-value');
    // A fresh IV each time: the same secret seals differently.
    expect(box.seal('s3cret-value', 'repo-webhook:r1')).not.toBe(sealed);
  });

  it('refuses a sealed value from another context, another key, or altered', () => {
    const sealed = box.seal('s3cret-value', 'repo-webhook:r1');
    expect(codeOf(() => box.open(sealed, 'repo-webhook:r2'))).toBe(
      'SECRETS.UNREADABLE',
    );
    expect(
      codeOf(() =>
        secretBox(Buffer.alloc(32, 2)).open(sealed, 'repo-webhook:r1'),
      ),
    ).toBe('SECRETS.UNREADABLE');
    const parts = sealed.split('.');
    const body = Buffer.from(parts[3]!, 'base64url');
    body[0] = body[0]! ^ 1;
    parts[3] = body.toString('base64url');
    expect(codeOf(() => box.open(parts.join('.'), 'repo-webhook:r1'))).toBe(
      'SECRETS.UNREADABLE',
    );
    expect(codeOf(() => box.open('plain text', 'repo-webhook:r1'))).toBe(
      'SECRETS.UNREADABLE',
    );
  });
});

describe('secretBoxFor', () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'stackyard-secrets-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('makes a single instance its key file on first use, readable by the owner only, and keeps it', () => {
    const config = { secretsKey: undefined, database: undefined, dataDir: dir };
    const first = secretBoxFor(config);
    expect(() => statSync(join(dir, 'secrets.key'))).toThrow();
    const sealed = first.seal('abc', 'ctx');
    expect(statSync(join(dir, 'secrets.key')).mode & 0o777).toBe(0o600);
    const key = readFileSync(join(dir, 'secrets.key'), 'utf8');
    expect(secretBoxFor(config).open(sealed, 'ctx')).toBe('abc');
    expect(readFileSync(join(dir, 'secrets.key'), 'utf8')).toBe(key);
  });

  it('refuses secrets on a shared database without a key, and uses the key it is given', () => {
    const shared = { secretsKey: undefined, database: {}, dataDir: dir };
    expect(codeOf(() => secretBoxFor(shared).seal('abc', 'ctx'))).toBe(
      'SECRETS.NOT_CONFIGURED',
    );
    const key = Buffer.alloc(32, 9);
    const sealed = secretBoxFor({ ...shared, secretsKey: key }).seal(
      'abc',
      'ctx',
    );
    expect(secretBox(key).open(sealed, 'ctx')).toBe('abc');
  });
});
