// Test tiers are chosen by file suffix: *.spec.ts (unit, no I/O beyond memory),
// *.int-spec.ts (real SQLite files, real git repositories), *.e2e-spec.ts (the running app).
const swc = [
  '@swc/jest',
  {
    jsc: {
      target: 'es2022',
      parser: { syntax: 'typescript', decorators: true },
      transform: { legacyDecorator: true, decoratorMetadata: true },
    },
    module: { type: 'commonjs' },
    sourceMaps: 'inline',
  },
];

const tier = (displayName, suffix, extra = {}) => ({
  displayName,
  rootDir: __dirname,
  testEnvironment: 'node',
  testMatch: [`<rootDir>/test/**/*.${suffix}.ts`],
  transform: { '^.+\\.ts$': swc },
  ...extra,
});

/** @type {import('jest').Config} */
module.exports = {
  projects: [
    tier('unit', 'spec'),
    tier('int', 'int-spec'),
    tier('e2e', 'e2e-spec', {
      globalSetup: '<rootDir>/test/e2e-global-setup.js',
    }),
  ],
};
