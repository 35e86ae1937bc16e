// Test tiers are chosen by file suffix: *.spec.ts (unit, no I/O beyond memory),
// *.int-spec.ts (real SQLite files, real git repositories), *.e2e-spec.ts (the running app),
// *.browser-spec.ts (the dashboard in headless Chromium), *.pg-spec.ts (real PostgreSQL).
const transformer = '<rootDir>/test/jest-transformer.js';
const slowTier = '<rootDir>/test/slow-tier.setup.ts';

const tier = (displayName, suffix, extra = {}) => ({
  displayName,
  rootDir: __dirname,
  testEnvironment: 'node',
  testMatch: [`<rootDir>/test/**/*.${suffix}.ts`],
  transform: { '^.+\\.(ts|js)$': transformer },
  // Nest 12 is published as ES modules; see test/jest-transformer.js.
  transformIgnorePatterns: ['/node_modules/(?!@nestjs/)'],
  // The dashboard's catalogue.js is made by the service from the domain's catalogue, whose
  // names and shape it has: the dashboard's unit tests import the domain module instead.
  moduleNameMapper: {
    '^\\./catalogue\\.js$': '<rootDir>/src/domain/events/stackyard-event.ts',
  },
  ...extra,
});

/** @type {import('jest').Config} */
module.exports = {
  projects: [
    tier('unit', 'spec'),
    tier('int', 'int-spec', { setupFilesAfterEnv: [slowTier] }),
    tier('e2e', 'e2e-spec', {
      setupFilesAfterEnv: [slowTier],
      globalSetup: '<rootDir>/test/e2e-global-setup.js',
    }),
    // *.faults-spec.ts: the compiled service killed at crash points and started again. Not
    // part of `npm test`; `npm run test:faults` runs it, one test at a time.
    tier('faults', 'faults-spec', {
      setupFilesAfterEnv: [slowTier],
      globalSetup: '<rootDir>/test/e2e-global-setup.js',
    }),
    // Not part of `npm test`: needs Chromium; `npm run test:browser` runs it.
    tier('browser', 'browser-spec', {
      setupFilesAfterEnv: [slowTier],
      globalSetup: '<rootDir>/test/browser-global-setup.js',
    }),
    // *.pg-spec.ts: adapters on a real PostgreSQL (STACKYARD_TEST_DATABASE_URL). Not part of
    // `npm test`; `npm run test:pg` runs it, one file at a time.
    tier('pg', 'pg-spec', {
      setupFilesAfterEnv: [slowTier],
      globalSetup: '<rootDir>/test/pg-global-setup.js',
    }),
  ],
};
