import { takeViolations } from './support/api-contract';

// The int and e2e tiers work on real git repositories, SQLite files and child processes:
// seconds per test on a loaded 2-core machine, so they get a wider timeout than unit tests.
jest.setTimeout(120_000);

// Runs after the test's own hooks have closed its apps: every response a TestApp sent
// during the test has been checked against the served API document by then.
afterEach(() => {
  const violations = takeViolations();
  if (violations.length > 0)
    throw new Error(
      `${violations.length} response(s) broke the API document:\n${violations.join('\n')}`,
    );
});
