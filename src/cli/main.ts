#!/usr/bin/env node
import { runCli } from './run';

/** `stackyard`: the command-line client of a Stackyard service (see `stackyard --help`). */
void runCli(process.argv.slice(2), {
  stdout: process.stdout,
  stderr: process.stderr,
  env: process.env,
}).then((code) => {
  // Exit once both streams have taken everything written (a pipe may still hold some).
  process.stdout.write('', () =>
    process.stderr.write('', () => process.exit(code)),
  );
});
