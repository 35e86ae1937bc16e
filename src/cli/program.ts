import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { Command, InvalidArgumentError, Option } from 'commander';
import { JOB_STATUSES } from '../domain/job/job-status';
import { ApiClient } from './api-client';
import * as run from './commands';
import { resolveConnection } from './connection';
import { EXIT_CODE_HELP, type ExitCode } from './exit-codes';
import { Output } from './output';

/** What the program runs against: its streams and environment (tests hand in their own). */
export interface Io {
  stdout: NodeJS.WriteStream;
  stderr: NodeJS.WriteStream;
  env: NodeJS.ProcessEnv;
  fetch?: typeof fetch;
}

interface GlobalFlags {
  url?: string;
  token?: string;
  json?: boolean;
  color: boolean;
}

const MORE_HELP = `
Environment:
  STACKYARD_URL     the service's base URL, e.g. http://127.0.0.1:3000 (or --url)
  STACKYARD_TOKEN   a bearer token of STACKYARD_TOKENS, when the service has tokens (or --token)
  NO_COLOR          no colours (so does --no-color, and any output that is not a terminal)

<repo> is a repo's id or its name in your org. Action commands (sync, restack, rebase,
reparent, track, adopt, undo) send a fresh Idempotency-Key (or --idempotency-key), then
follow the job live until it ends; --no-wait prints the job id alone and exits 0.

--json prints one JSON document on stdout: the API's resource for show and list commands,
the job as it ended for a watched job (the job as accepted with --no-wait), { repo, job }
for repo add. Errors are { "error": { "code", "message" } } on stdout too.`;

/**
 * The `stackyard` command line: one subcommand per flow, each a thin call into
 * {@link run}. `result()` is the exit status of the command that ran.
 */
export function buildProgram(io: Io): {
  program: Command;
  result: () => ExitCode | undefined;
  wantsJson: () => boolean;
} {
  let exitCode: ExitCode | undefined;
  const program = new Command('stackyard');
  program
    .description(
      'Drive a Stackyard service from a terminal: register repos, show stacks, run stacked-branch actions and watch their jobs live.',
    )
    .version(versionOf(), '-V, --version')
    .option('--url <url>', 'the service base URL (default: $STACKYARD_URL)')
    .option('--token <token>', 'bearer token (default: $STACKYARD_TOKEN)')
    .option('--json', 'machine-readable output: one JSON document on stdout')
    .option('--no-color', 'no colours')
    .configureHelp({ showGlobalOptions: true })
    .exitOverride()
    .configureOutput({
      writeOut: (s) => io.stdout.write(s),
      writeErr: (s) => io.stderr.write(s),
    })
    .showHelpAfterError('(stackyard --help lists the commands)')
    .addHelpText('after', MORE_HELP)
    .addHelpText('afterAll', `\n${EXIT_CODE_HELP}`);

  const context = (cmd: Command): run.Context => {
    const flags = cmd.optsWithGlobals<GlobalFlags>();
    const connection = resolveConnection(flags, io.env);
    return {
      client: new ApiClient({ ...connection, fetch: io.fetch }),
      out: new Output(
        flags.json === true,
        flags.color,
        io.stdout,
        io.stderr,
        io.env,
      ),
    };
  };
  /** Wraps a handler: its last argument is the command, as commander passes it. */
  const act =
    <A extends unknown[]>(
      handler: (ctx: run.Context, ...args: A) => Promise<ExitCode>,
    ) =>
    async (...args: unknown[]) => {
      const cmd = args.at(-1) as Command;
      exitCode = await handler(context(cmd), ...(args.slice(0, -1) as A));
    };
  const jobOptions = (cmd: Command) =>
    cmd
      .option('--no-wait', 'print the job id and exit without watching')
      .option(
        '--idempotency-key <key>',
        'the Idempotency-Key to send (default: a fresh UUID)',
      );
  const jobRequest = (opts: { wait: boolean; idempotencyKey?: string }) => ({
    wait: opts.wait,
    ...(opts.idempotencyKey !== undefined
      ? { idempotencyKey: opts.idempotencyKey }
      : {}),
  });

  const repo = program
    .command('repo')
    .description('register, list and show repos');
  repo
    .command('add <name> <remoteUrl>')
    .description('register a repo and watch its first sync (the clone)')
    .option('--trunk <branch>', 'its trunk branch (default: main)')
    .option('--no-wait', 'print the repo and job ids and exit without watching')
    .action(
      act(
        (
          ctx,
          name: string,
          url: string,
          o: { trunk?: string; wait: boolean },
        ) => run.repoAdd(ctx, name, url, o),
      ),
    );
  repo
    .command('list')
    .alias('ls')
    .description("the org's repos")
    .action(act((ctx) => run.repoList(ctx)));
  repo
    .command('show <repo>')
    .description("a repo's stack as a tree, from its trunk")
    .action(act((ctx, ref: string) => run.repoShow(ctx, ref)));

  program
    .command('repos')
    .description('the same as repo list')
    .action(act((ctx) => run.repoList(ctx)));
  program
    .command('stack <repo>')
    .description('the same as repo show')
    .action(act((ctx, ref: string) => run.repoShow(ctx, ref)));

  jobOptions(
    program
      .command('sync <repo>')
      .description('sync_repo: fetch, and untrack merged branches'),
  ).action(
    act((ctx, ref: string, o: JobFlags) =>
      run.requestAction(ctx, ref, { action: 'sync_repo' }, jobRequest(o)),
    ),
  );
  jobOptions(
    program
      .command('restack <repo> [branch]')
      .description(
        'restack_repo, or with a branch restack_subtree: that branch and the ones above it',
      ),
  ).action(
    act((ctx, ref: string, branch: string | undefined, o: JobFlags) =>
      run.requestAction(
        ctx,
        ref,
        branch === undefined
          ? { action: 'restack_repo' }
          : { action: 'restack_subtree', branchName: branch },
        jobRequest(o),
      ),
    ),
  );
  jobOptions(
    program
      .command('rebase <repo> <branch>')
      .description('rebase_branch: the branch alone onto its parent'),
  ).action(
    act((ctx, ref: string, branch: string, o: JobFlags) =>
      run.requestAction(
        ctx,
        ref,
        { action: 'rebase_branch', branchName: branch },
        jobRequest(o),
      ),
    ),
  );
  jobOptions(
    program
      .command('reparent <repo> <branch>')
      .description(
        'reparent_branch: move the branch (and the ones above it) onto another parent',
      )
      .requiredOption('--onto <parent>', 'the new parent'),
  ).action(
    act((ctx, ref: string, branch: string, o: JobFlags & { onto: string }) =>
      run.requestAction(
        ctx,
        ref,
        { action: 'reparent_branch', branchName: branch, parentBranch: o.onto },
        jobRequest(o),
      ),
    ),
  );
  jobOptions(
    program
      .command('track <repo> <branch>')
      .description('register_existing_branch: start tracking a remote branch')
      .option(
        '--parent <parent>',
        'its parent (default: the nearest tracked ancestor)',
      ),
  ).action(
    act((ctx, ref: string, branch: string, o: JobFlags & { parent?: string }) =>
      run.requestAction(
        ctx,
        ref,
        {
          action: 'register_existing_branch',
          branchName: branch,
          ...(o.parent !== undefined ? { parentBranch: o.parent } : {}),
        },
        jobRequest(o),
      ),
    ),
  );
  jobOptions(
    program
      .command('adopt <repo>')
      .description(
        'adopt_stack: track every untracked remote branch, parents inferred from history',
      ),
  ).action(
    act((ctx, ref: string, o: JobFlags) =>
      run.requestAction(ctx, ref, { action: 'adopt_stack' }, jobRequest(o)),
    ),
  );
  jobOptions(
    program
      .command('undo <jobId>')
      .description('put back what a completed job changed, as a new undo job'),
  ).action(
    act((ctx, jobId: string, o: JobFlags) =>
      run.undo(ctx, jobId, jobRequest(o)),
    ),
  );

  program
    .command('cancel <jobId>')
    .description(
      'cancel a queued job, or ask a running one to stop at its next step',
    )
    .option('--wait', 'watch the job to its end, and exit as watch does')
    .action(
      act((ctx, jobId: string, o: { wait?: boolean }) =>
        run.cancel(ctx, jobId, { wait: o.wait === true }),
      ),
    );
  program
    .command('job <jobId>')
    .description('show a job')
    .action(act((ctx, jobId: string) => run.showJob(ctx, jobId)));
  program
    .command('jobs <repo>')
    .description("a repo's jobs, newest first")
    .addOption(
      new Option('--status <status>', 'only jobs in this status').choices(
        JOB_STATUSES,
      ),
    )
    .option('--limit <n>', 'how many (1-200, default 50)', positiveInt)
    .action(
      act((ctx, ref: string, o: { status?: string; limit?: number }) =>
        run.jobList(ctx, ref, o),
      ),
    );
  program
    .command('watch <jobId>')
    .description("follow a job live to its end; exits with the job's outcome")
    .action(act((ctx, jobId: string) => run.watchCommand(ctx, jobId)));

  return {
    program,
    result: () => exitCode,
    wantsJson: () => program.opts<GlobalFlags>().json === true,
  };
}

type JobFlags = { wait: boolean; idempotencyKey?: string };

function positiveInt(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > 200)
    throw new InvalidArgumentError('a whole number from 1 to 200');
  return n;
}

/** The package's version, from the nearest package.json above (src/cli or dist/src/cli). */
function versionOf(): string {
  for (let dir = __dirname; ; dir = dirname(dir)) {
    const file = join(dir, 'package.json');
    if (existsSync(file)) {
      const pkg = JSON.parse(readFileSync(file, 'utf8')) as {
        version?: string;
      };
      return pkg.version ?? 'unknown';
    }
    if (dirname(dir) === dir) return 'unknown';
  }
}
