import {
  createCipheriv,
  createDecipheriv,
  createHash,
  randomBytes,
} from 'node:crypto';
import {
  chmodSync,
  mkdirSync,
  openSync,
  readFileSync,
  writeSync,
  closeSync,
} from 'node:fs';
import { join } from 'node:path';
import { DomainError } from '../../domain/domain-error';

/**
 * Seals the secrets the service must keep to do its work (a repo's inbound webhook secret, a
 * subscription's signing secret) before they are recorded, and opens them when they are
 * used. A sealed value is what events carry: `v1.<key id>.<iv>.<ciphertext and tag>` (AES-256-GCM,
 * base64url), bound to a `context` (for example `repo-webhook:<repoId>`) given as additional
 * data, so that a sealed value copied onto another record does not open there. The event
 * history, the read models and the logs only ever hold sealed values, and readers strip
 * them (`withoutSecrets`) before anything leaves the service.
 */
export interface SecretBox {
  seal(plain: string, context: string): string;
  /** The plain secret; a `SECRETS.UNREADABLE` error when sealed by another key or altered. */
  open(sealed: string, context: string): string;
}

export const SECRET_BOX = Symbol('SecretBox');

const VERSION = 'v1';

/** A box over a 32-byte key. */
export function secretBox(key: Buffer): SecretBox {
  if (key.length !== 32) throw new Error('a secret key is 32 bytes');
  const keyId = createHash('sha256').update(key).digest('hex').slice(0, 8);
  return {
    seal(plain, context) {
      const iv = randomBytes(12);
      const cipher = createCipheriv('aes-256-gcm', key, iv);
      cipher.setAAD(Buffer.from(context, 'utf8'));
      const body = Buffer.concat([
        cipher.update(plain, 'utf8'),
        cipher.final(),
        cipher.getAuthTag(),
      ]);
      return [
        VERSION,
        keyId,
        iv.toString('base64url'),
        body.toString('base64url'),
      ].join('.');
    },
    open(sealed, context) {
      const [version, id, iv, body, ...rest] = sealed.split('.');
      if (version !== VERSION || !iv || !body || rest.length > 0)
        throw unreadable('it is not a sealed secret');
      if (id !== keyId)
        throw unreadable(
          'it was sealed with another key (STACKYARD_SECRETS_KEY differs between the instances, or changed)',
        );
      const bytes = Buffer.from(body, 'base64url');
      if (bytes.length < 16) throw unreadable('it is truncated');
      try {
        const decipher = createDecipheriv(
          'aes-256-gcm',
          key,
          Buffer.from(iv, 'base64url'),
        );
        decipher.setAAD(Buffer.from(context, 'utf8'));
        decipher.setAuthTag(bytes.subarray(bytes.length - 16));
        return Buffer.concat([
          decipher.update(bytes.subarray(0, bytes.length - 16)),
          decipher.final(),
        ]).toString('utf8');
      } catch {
        throw unreadable('it was altered or belongs to another record');
      }
    },
  };
}

const unreadable = (why: string) =>
  new DomainError(
    'SECRETS.UNREADABLE',
    'unavailable',
    `A stored secret cannot be opened: ${why}. Set it again.`,
  );

/**
 * The key of a single instance that was given none: `secrets.key` in the data dir, made
 * (32 random bytes, mode 0600) the first time. Several instances sharing a database must be
 * given the same `STACKYARD_SECRETS_KEY` instead, or each would seal with its own.
 */
export function dataDirKey(dataDir: string): Buffer {
  mkdirSync(dataDir, { recursive: true });
  const path = join(dataDir, 'secrets.key');
  try {
    const fd = openSync(path, 'wx', 0o600);
    try {
      writeSync(fd, randomBytes(32).toString('base64'));
    } finally {
      closeSync(fd);
    }
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  }
  chmodSync(path, 0o600);
  const key = Buffer.from(readFileSync(path, 'utf8').trim(), 'base64');
  if (key.length !== 32)
    throw new Error(`${path} does not hold a base64 32-byte key`);
  return key;
}

/**
 * A box that refuses: several instances share a database and no `STACKYARD_SECRETS_KEY` was
 * given, so a secret sealed here could not be opened by the others.
 */
export const noSecretBox: SecretBox = {
  seal() {
    throw notConfigured();
  },
  open() {
    throw notConfigured();
  },
};

const notConfigured = () =>
  new DomainError(
    'SECRETS.NOT_CONFIGURED',
    'unavailable',
    'This service keeps no secrets: it runs on a shared database without STACKYARD_SECRETS_KEY (32 bytes, base64 or hex), which every instance must share.',
  );

/**
 * The service's box: over `STACKYARD_SECRETS_KEY` when given; else, for a single instance,
 * over the data dir's key (made on first use, so a service that never keeps a secret writes
 * no key file); on a shared database without a key, the box that refuses.
 */
export function secretBoxFor(config: {
  secretsKey: Buffer | undefined;
  database: unknown;
  dataDir: string;
}): SecretBox {
  if (config.secretsKey) return secretBox(config.secretsKey);
  if (config.database) return noSecretBox;
  let box: SecretBox | undefined;
  const opened = () => (box ??= secretBox(dataDirKey(config.dataDir)));
  return {
    seal: (plain, context) => opened().seal(plain, context),
    open: (sealed, context) => opened().open(sealed, context),
  };
}
