import { CommanderError } from 'commander';
import { CliError } from './cli-error';
import { EXIT, type ExitCode } from './exit-codes';
import { buildProgram, type Io } from './program';

/**
 * Runs one command line and answers its exit status. Every failure ends here as one line
 * on standard error (and with `--json` an error document on standard output), never as a
 * stack trace.
 */
export async function runCli(
  argv: readonly string[],
  io: Io,
): Promise<ExitCode> {
  const { program, result, wantsJson } = buildProgram(io);
  try {
    await program.parseAsync([...argv], { from: 'user' });
    return result() ?? EXIT.ok;
  } catch (error) {
    if (error instanceof CommanderError) return commanderExit(error);
    const failure =
      error instanceof CliError
        ? error
        : new CliError(
            'CLI.INTERNAL',
            `unexpected failure of the client: ${error instanceof Error ? error.message : String(error)}`,
            EXIT.internal,
          );
    report(failure, io, wantsJson());
    return failure.exitCode;
  }
}

/** Help and version asked for are a success; any other complaint of the parser is usage. */
function commanderExit(error: CommanderError): ExitCode {
  switch (error.code) {
    case 'commander.helpDisplayed':
    case 'commander.version':
      return EXIT.ok;
    default:
      return EXIT.usage;
  }
}

function report(error: CliError, io: Io, json: boolean): void {
  const status = error.status !== undefined ? ` (HTTP ${error.status})` : '';
  io.stderr.write(`stackyard: ${error.code}: ${error.message}${status}\n`);
  if (error.hint) io.stderr.write(`${error.hint}\n`);
  if (json) {
    const body = { error: { code: error.code, message: error.message } };
    io.stdout.write(`${JSON.stringify(body, null, 2)}\n`);
  }
}
