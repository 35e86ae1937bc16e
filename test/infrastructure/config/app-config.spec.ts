import { hostname } from 'node:os';
import { resolve } from 'node:path';
import {
  loadConfig,
  StartupError,
  unknownSettings,
} from '../../../src/infrastructure/config/app-config';

/** The one-line message `loadConfig` refuses `env` with. */
function refusal(env: NodeJS.ProcessEnv): string {
  try {
    loadConfig(env);
  } catch (error) {
    expect(error).toBeInstanceOf(StartupError);
    const message = (error as StartupError).message;
    expect(message).not.toMatch(/[\r\n]/);
    return message;
  }
  throw new Error(`loadConfig accepted ${JSON.stringify(env)}`);
}

describe('loadConfig', () => {
  it('has the embedded defaults', () => {
    expect(loadConfig({})).toEqual({
      port: 3000,
      host: '127.0.0.1',
      dataDir: resolve('./data'),
      tokens: undefined,
      instanceId: `${hostname()}:${process.pid}`,
      concurrency: 2,
      eventStore: 'sqlite',
      database: undefined,
      leaseMs: 15_000,
      gitBin: 'git',
      gitHelperIdleMs: 60_000,
      logLevel: 'log',
      stepTimeoutMs: 600_000,
      retryBaseMs: 500,
      shutdownGraceMs: 10_000,
      benchRoutes: false,
      secretsKey: undefined,
      webhookHosts: [],
      webhooks: {
        timeoutMs: 10_000,
        retryBaseMs: 1_000,
        retryCapMs: 600_000,
        pauseAfterMs: 259_200_000,
        maxPerOrg: 25,
      },
    });
  });

  it('reads how outbound webhooks are timed, retried and paused', () => {
    expect(
      loadConfig({
        STACKYARD_WEBHOOK_TIMEOUT_MS: '250',
        STACKYARD_WEBHOOK_RETRY_BASE_MS: '5',
        STACKYARD_WEBHOOK_RETRY_CAP_MS: '40',
        STACKYARD_WEBHOOK_PAUSE_AFTER_MS: '0',
        STACKYARD_WEBHOOK_MAX_PER_ORG: '3',
      }).webhooks,
    ).toEqual({
      timeoutMs: 250,
      retryBaseMs: 5,
      retryCapMs: 40,
      pauseAfterMs: 0,
      maxPerOrg: 3,
    });
    expect(refusal({ STACKYARD_WEBHOOK_MAX_PER_ORG: '0' })).toContain(
      'STACKYARD_WEBHOOK_MAX_PER_ORG',
    );
    expect(refusal({ STACKYARD_WEBHOOK_TIMEOUT_MS: '0' })).toContain(
      'STACKYARD_WEBHOOK_TIMEOUT_MS',
    );
  });

  it('reads the secrets key as 64 hex digits or 44 base64 characters, and never shows a refused one', () => {
    const key = Buffer.alloc(32, 7);
    expect(
      loadConfig({ STACKYARD_SECRETS_KEY: key.toString('hex') }).secretsKey,
    ).toEqual(key);
    expect(
      loadConfig({ STACKYARD_SECRETS_KEY: key.toString('base64') }).secretsKey,
    ).toEqual(key);
    const message = refusal({ STACKYARD_SECRETS_KEY: 'hunter2-not-a-key' });
    expect(message).toContain('STACKYARD_SECRETS_KEY is not valid');
    expect(message).not.toContain('hunter2');
  });

  it('reads the outbound webhook hosts as a list of hosts, wildcard subdomains and ports', () => {
    expect(
      loadConfig({
        STACKYARD_WEBHOOK_HOSTS:
          ' hooks.example.com, *.Example.org:8443,127.0.0.1,[::1]:9000 ,',
      }).webhookHosts,
    ).toEqual([
      'hooks.example.com',
      '*.example.org:8443',
      '127.0.0.1',
      '[::1]:9000',
    ]);
    expect(
      refusal({ STACKYARD_WEBHOOK_HOSTS: 'ok.example.com,http://evil/,a b' }),
    ).toContain('not a host: http://evil/, a b');
  });

  it('puts the service on a shared PostgreSQL database when given its URL, in the schema named or stackyard', () => {
    expect(
      loadConfig({
        STACKYARD_DATABASE_URL: 'postgres://app:s3cret@db.internal:5432/yard',
        STACKYARD_LEASE_MS: '5000',
      }),
    ).toMatchObject({
      database: {
        url: 'postgres://app:s3cret@db.internal:5432/yard',
        schema: 'stackyard',
      },
      leaseMs: 5_000,
    });
    expect(
      loadConfig({
        STACKYARD_DATABASE_URL: 'postgresql://db/yard',
        STACKYARD_DATABASE_SCHEMA: 'yard_2',
      }).database,
    ).toEqual({ url: 'postgresql://db/yard', schema: 'yard_2' });
  });

  it('refuses a database URL that is not PostgreSQL without showing its password, a schema that is not an identifier, and a lease shorter than a second', () => {
    const message = refusal({
      STACKYARD_DATABASE_URL: 'mysql://app:s3cret@db/yard',
      STACKYARD_DATABASE_SCHEMA: 'Yard; drop',
      STACKYARD_LEASE_MS: '999',
    });

    expect(message).not.toContain('s3cret');
    expect(message).toContain(
      'STACKYARD_DATABASE_URL="mysql://app:***@db/yard" is not valid: expected postgres://user[:password]@host[:port]/database',
    );
    expect(message).toContain(
      'STACKYARD_DATABASE_SCHEMA="Yard; drop" is not valid',
    );
    expect(message).toContain(
      'STACKYARD_LEASE_MS="999" is not valid: expected an integer from 1000 to 600000',
    );
  });

  it('takes the default of a variable set to the empty string', () => {
    expect(
      loadConfig({
        PORT: '',
        HOST: '',
        STACKYARD_CONCURRENCY: '',
        LOG_LEVEL: '',
        STACKYARD_INSTANCE_ID: '',
      }),
    ).toEqual(loadConfig({}));
  });

  it('reads every variable it is given', () => {
    expect(
      loadConfig({
        PORT: '8080',
        STACKYARD_DATA_DIR: '/srv/stackyard',
        STACKYARD_INSTANCE_ID: 'pod-a.zone_1:7',
        STACKYARD_CONCURRENCY: '8',
        STACKYARD_EVENT_STORE: 'sqlite',
        STACKYARD_GIT_BIN: '/usr/local/bin/git',
        STACKYARD_GIT_HELPER_IDLE_MS: '5000',
        LOG_LEVEL: 'debug',
        STACKYARD_STEP_TIMEOUT_MS: '0',
        STACKYARD_RETRY_BASE_MS: '50',
        STACKYARD_SHUTDOWN_GRACE_MS: '2147483647',
        STACKYARD_BENCH_ROUTES: '1',
      }),
    ).toMatchObject({
      port: 8080,
      dataDir: '/srv/stackyard',
      instanceId: 'pod-a.zone_1:7',
      concurrency: 8,
      gitBin: '/usr/local/bin/git',
      gitHelperIdleMs: 5_000,
      logLevel: 'debug',
      stepTimeoutMs: 0,
      retryBaseMs: 50,
      shutdownGraceMs: 2_147_483_647,
      benchRoutes: true,
    });
    expect(loadConfig({ STACKYARD_BENCH_ROUTES: '0' }).benchRoutes).toBe(false);
  });

  it('reads tokens as token=org pairs and then honours any HOST', () => {
    const config = loadConfig({
      STACKYARD_TOKENS: 'tokA=org1, tokB=org2',
      HOST: '0.0.0.0',
    });
    expect([...(config.tokens ?? [])]).toEqual([
      ['tokA', 'org1'],
      ['tokB', 'org2'],
    ]);
    expect(config.host).toBe('0.0.0.0');
    expect(loadConfig({ STACKYARD_TOKENS: 't=o', HOST: '::' }).host).toBe('::');
  });

  it.each(['127.0.0.1', '127.1.2.3', '::1', 'localhost', '::ffff:127.0.0.1'])(
    'listens on the loopback address %s without tokens',
    (host) => {
      expect(loadConfig({ HOST: host }).host).toBe(host);
    },
  );

  it.each([
    '0.0.0.0',
    '::',
    '192.168.1.10',
    'stackyard.internal',
    '::ffff:10.0.0.1',
  ])('refuses to bind %s, beyond loopback, without tokens', (host) => {
    expect(refusal({ HOST: host })).toBe(
      `HOST=${JSON.stringify(host)} is not valid: binding beyond loopback requires STACKYARD_TOKENS (without tokens anyone who reaches the port could act on every repo); set STACKYARD_TOKENS, or use a loopback address (127.0.0.1, ::1, localhost)`,
    );
  });

  it.each([
    ['PORT', '70000', 'an integer from 0 to 65535'],
    ['PORT', '-1', 'an integer from 0 to 65535'],
    ['PORT', 'eighty', 'an integer from 0 to 65535'],
    ['PORT', '80.5', 'an integer from 0 to 65535'],
    ['PORT', '0x50', 'an integer from 0 to 65535'],
    ['PORT', '8e3', 'an integer from 0 to 65535'],
    ['PORT', ' 80', 'an integer from 0 to 65535'],
    ['STACKYARD_CONCURRENCY', '0', 'an integer from 1 to 1024'],
    ['STACKYARD_CONCURRENCY', '2000', 'an integer from 1 to 1024'],
    ['STACKYARD_GIT_HELPER_IDLE_MS', '1m', 'an integer from 0 to 2147483647'],
    [
      'STACKYARD_STEP_TIMEOUT_MS',
      '2147483648',
      'an integer from 0 to 2147483647',
    ],
    ['STACKYARD_RETRY_BASE_MS', '0.5s', 'an integer from 0 to 2147483647'],
    ['STACKYARD_SHUTDOWN_GRACE_MS', '10s', 'an integer from 0 to 2147483647'],
    ['LOG_LEVEL', 'loud', 'one of error, warn, log, debug, verbose'],
    ['STACKYARD_EVENT_STORE', 'postgres', 'sqlite'],
    ['STACKYARD_BENCH_ROUTES', 'yes', 'one of 0, 1'],
    ['HOST', 'not a host', 'an IP address or a host name'],
    ['HOST', '[::1]', 'an IP address or a host name'],
  ])(
    'refuses %s=%j, naming the variable, the value and what is allowed',
    (name, value, allowed) => {
      expect(refusal({ [name]: value })).toBe(
        `${name}=${JSON.stringify(value)} is not valid: expected ${allowed}`,
      );
    },
  );

  it('refuses an instance id that is not a plain name', () => {
    expect(refusal({ STACKYARD_INSTANCE_ID: 'pod a' })).toMatch(
      /^STACKYARD_INSTANCE_ID="pod a" is not valid: expected 1 to 200 letters, digits/,
    );
    expect(refusal({ STACKYARD_INSTANCE_ID: '-pod' })).toMatch(
      /^STACKYARD_INSTANCE_ID="-pod" is not valid/,
    );
  });

  it('shows a value with control characters escaped, on one line', () => {
    expect(refusal({ STACKYARD_DATA_DIR: 'data\nrm -rf' })).toBe(
      'STACKYARD_DATA_DIR="data\\nrm -rf" is not valid: expected text without control characters',
    );
  });

  it('cuts a long value short', () => {
    const message = refusal({ PORT: '9'.repeat(500) });
    expect(message).toBe(
      `PORT="${'9'.repeat(80)}…" is not valid: expected an integer from 0 to 65535`,
    );
  });

  it('names every refused variable in one line', () => {
    expect(refusal({ PORT: '70000', LOG_LEVEL: 'loud', HOST: '0.0.0.0' })).toBe(
      [
        'HOST="0.0.0.0" is not valid: binding beyond loopback requires STACKYARD_TOKENS (without tokens anyone who reaches the port could act on every repo); set STACKYARD_TOKENS, or use a loopback address (127.0.0.1, ::1, localhost)',
        'PORT="70000" is not valid: expected an integer from 0 to 65535',
        'LOG_LEVEL="loud" is not valid: expected one of error, warn, log, debug, verbose',
      ].join('; '),
    );
  });

  it.each([
    ['hunter2-token', 'entry 1 of 1 is not token=org'],
    ['a=org1,hunter2-token', 'entry 2 of 2 is not token=org'],
    ['a=org1=more', 'entry 1 of 1 is not token=org'],
    ['a=,b=org2', 'entry 1 of 2 is not token=org'],
    ['hunter 2=org1', 'entry 1 of 1 is not token=org'],
    ['a=org\u0007', 'entry 1 of 1 is not token=org'],
    [
      'hunter2=org1,hunter2=org2',
      'entry 2 of 2 repeats the token of an earlier entry',
    ],
  ])(
    'refuses STACKYARD_TOKENS=%j by the entry, never showing a token',
    (tokens, what) => {
      const message = refusal({ STACKYARD_TOKENS: tokens });
      expect(message).toBe(
        `STACKYARD_TOKENS is not valid: ${what} (expected token1=org1,token2=org2 where tokens are visible ASCII and orgs have no control characters; values not shown, they are secrets)`,
      );
      expect(message).not.toMatch(/hunter/);
    },
  );
});

describe('unknownSettings', () => {
  it('names each STACKYARD_ variable the service does not read, with the setting it most likely meant', () => {
    expect(
      unknownSettings({
        STACKYARD_LEASE_MSS: '3000',
        STACKYARD_DATABSE_URL: 'postgres://x@h/db',
        STACKYARD_FROBNICATE: '1',
        STACKYARD_TOKEN: 'secret',
        STACKYARD_LEASE_MS: '3000',
        OTHER_THING: '1',
      }),
    ).toEqual([
      'STACKYARD_DATABSE_URL is not a setting of this service and is ignored (did you mean STACKYARD_DATABASE_URL?)',
      'STACKYARD_FROBNICATE is not a setting of this service and is ignored',
      'STACKYARD_LEASE_MSS is not a setting of this service and is ignored (did you mean STACKYARD_LEASE_MS?)',
      'STACKYARD_TOKEN is not a setting of this service and is ignored (did you mean STACKYARD_TOKENS?)',
    ]);
  });

  it("says nothing of the settings it reads, of the other programs' variables, or of a refused value", () => {
    expect(
      unknownSettings({
        STACKYARD_DATA_DIR: '/tmp/x',
        STACKYARD_CLONE_CACHE_BYTES: '1G',
        STACKYARD_URL: 'http://127.0.0.1:3000',
        STACKYARD_TEST_DATABASE_URL: 'postgres://x@h/db',
        PORT: '70000',
      }),
    ).toEqual([]);
  });
});
