// The int and e2e tiers work on real git repositories, SQLite files and child processes:
// seconds per test on a loaded 2-core machine, so they get a wider timeout than unit tests.
jest.setTimeout(120_000);
