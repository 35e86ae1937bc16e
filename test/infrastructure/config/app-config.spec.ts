import { resolve } from 'node:path';
import {
  loadConfig,
  StartupError,
} from '../../../src/infrastructure/config/app-config';

describe('loadConfig', () => {
  it('has the embedded defaults', () => {
    expect(loadConfig({})).toEqual({
      port: 3000,
      host: '127.0.0.1',
      dataDir: resolve('./data'),
      tokens: undefined,
      concurrency: 2,
      eventStore: 'sqlite',
      gitBin: 'git',
      gitHelperIdleMs: 60_000,
      logLevel: 'log',
      stepTimeoutMs: 600_000,
      retryBaseMs: 500,
      shutdownGraceMs: 10_000,
      benchRoutes: false,
    });
  });

  it('reads tokens as token=org pairs and then honours HOST', () => {
    const config = loadConfig({
      STACKYARD_TOKENS: 'tokA=org1, tokB=org2',
      HOST: '0.0.0.0',
    });
    expect([...(config.tokens ?? [])]).toEqual([
      ['tokA', 'org1'],
      ['tokB', 'org2'],
    ]);
    expect(config.host).toBe('0.0.0.0');
  });

  it('reads how long idle git helpers stay open', () => {
    expect(
      loadConfig({ STACKYARD_GIT_HELPER_IDLE_MS: '5000' }).gitHelperIdleMs,
    ).toBe(5_000);
    expect(() => loadConfig({ STACKYARD_GIT_HELPER_IDLE_MS: '1m' })).toThrow(
      /STACKYARD_GIT_HELPER_IDLE_MS must be a non-negative integer/,
    );
  });

  it('reads the base delay of job retries', () => {
    expect(loadConfig({ STACKYARD_RETRY_BASE_MS: '50' }).retryBaseMs).toBe(50);
    expect(() => loadConfig({ STACKYARD_RETRY_BASE_MS: '0.5s' })).toThrow(
      /STACKYARD_RETRY_BASE_MS must be a non-negative integer/,
    );
  });

  it('stays on loopback without tokens, whatever HOST says', () => {
    expect(loadConfig({ HOST: '0.0.0.0' }).host).toBe('127.0.0.1');
  });

  it.each([
    [{ PORT: 'eighty' }, /PORT must be a non-negative integer/],
    [{ STACKYARD_TOKENS: 'justatoken' }, /token1=org1/],
    [{ STACKYARD_EVENT_STORE: 'postgres' }, /not available/],
    [{ LOG_LEVEL: 'loud' }, /LOG_LEVEL/],
  ])('refuses %j with a clear message', (env, message) => {
    expect(() => loadConfig(env)).toThrow(StartupError);
    expect(() => loadConfig(env)).toThrow(message);
  });
});
