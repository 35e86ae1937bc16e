import { randomUUID } from 'node:crypto';
import type { ActionBody, ApiClient } from './api-client';
import type { Job } from './api.types';
import { EXIT, type ExitCode } from './exit-codes';
import { exitCodeOf, watchJob } from './job-watch';
import type { Output } from './output';
import { describeAction, jobDetails, statusText } from './render/job-text';
import { repoListLines, stackTreeLines } from './render/repo-text';
import { resolveRepo } from './repo-ref';

/** What every command runs with: the service, and where to write. */
export interface Context {
  client: ApiClient;
  out: Output;
}

/** Options of every command that asks for a job. */
export interface JobRequestOptions {
  wait: boolean;
  idempotencyKey?: string;
}

export async function repoAdd(
  { client, out }: Context,
  name: string,
  remoteUrl: string,
  options: { trunk?: string; wait: boolean },
): Promise<ExitCode> {
  const repo = await client.registerRepo({
    name,
    remoteUrl,
    ...(options.trunk !== undefined ? { trunk: options.trunk } : {}),
  });
  if (!out.json)
    out.line(
      `registered ${out.c.bold(repo.name)}: repo ${repo.repoId}, cloned by job ${repo.initialJobId}`,
    );
  const job = options.wait
    ? await watch({ client, out }, repo.initialJobId)
    : await client.getJob(repo.initialJobId);
  if (out.json) out.document({ repo, job });
  return options.wait ? exitCodeOf(job) : EXIT.ok;
}

export async function repoList({ client, out }: Context): Promise<ExitCode> {
  const list = await client.listRepos();
  if (out.json) out.document(list);
  else out.lines(repoListLines(list, out.c));
  return EXIT.ok;
}

export async function repoShow(
  { client, out }: Context,
  ref: string,
): Promise<ExitCode> {
  const { repoId } = await resolveRepo(client, ref);
  const repo = await client.getRepo(repoId);
  if (out.json) out.document(repo);
  else out.lines(stackTreeLines(repo, out.c));
  return EXIT.ok;
}

export async function jobList(
  { client, out }: Context,
  ref: string,
  options: { status?: string; limit?: number },
): Promise<ExitCode> {
  const repo = await resolveRepo(client, ref);
  const page = await client.listJobs(repo.repoId, options);
  if (out.json) out.document(page);
  else if (page.items.length === 0) out.line('no jobs');
  else
    for (const job of page.items)
      out.line(
        `${job.jobId}  ${statusText(job.status, out.c)}${' '.repeat(10 - job.status.length)}${describeAction(job)}  ${out.c.dim(job.requestedAt)}`,
      );
  return EXIT.ok;
}

/** Any action on a repo: `POST /repos/{repoId}/actions`, then the job watched to its end. */
export async function requestAction(
  ctx: Context,
  ref: string,
  body: ActionBody,
  options: JobRequestOptions,
): Promise<ExitCode> {
  const repo = await resolveRepo(ctx.client, ref);
  const job = await ctx.client.requestAction(
    repo.repoId,
    body,
    options.idempotencyKey ?? randomUUID(),
  );
  return followRequested(ctx, job, options.wait);
}

/** `POST /jobs/{jobId}/undo`: a new job that puts back what the job changed. */
export async function undo(
  ctx: Context,
  jobId: string,
  options: JobRequestOptions,
): Promise<ExitCode> {
  const job = await ctx.client.undo(
    jobId,
    options.idempotencyKey ?? randomUUID(),
  );
  return followRequested(ctx, job, options.wait);
}

async function followRequested(
  ctx: Context,
  job: Job,
  wait: boolean,
): Promise<ExitCode> {
  if (!wait) {
    if (ctx.out.json) ctx.out.document(job);
    else ctx.out.line(job.jobId);
    return EXIT.ok;
  }
  const final = await watch(ctx, job.jobId, job);
  if (ctx.out.json) ctx.out.document(final);
  return exitCodeOf(final);
}

export async function cancel(
  ctx: Context,
  jobId: string,
  options: { wait: boolean },
): Promise<ExitCode> {
  const job = await ctx.client.cancel(jobId);
  if (options.wait && job.status !== 'cancelled') {
    const final = await watch(ctx, jobId, job);
    if (ctx.out.json) ctx.out.document(final);
    return exitCodeOf(final);
  }
  if (ctx.out.json) ctx.out.document(job);
  else
    ctx.out.line(
      job.status === 'cancelled'
        ? `job ${jobId} cancelled`
        : `cancel requested: job ${jobId} stops at its next step boundary`,
    );
  return options.wait ? exitCodeOf(job) : EXIT.ok;
}

export async function showJob(
  { client, out }: Context,
  jobId: string,
): Promise<ExitCode> {
  const job = await client.getJob(jobId);
  if (out.json) out.document(job);
  else out.lines(jobDetails(job, out.c));
  return EXIT.ok;
}

export async function watchCommand(
  ctx: Context,
  jobId: string,
): Promise<ExitCode> {
  const job = await watch(ctx, jobId);
  if (ctx.out.json) ctx.out.document(job);
  return exitCodeOf(job);
}

/** Watches with the output's renderer; Ctrl-C leaves the job running and says how to go on. */
async function watch(
  { client, out }: Context,
  jobId: string,
  first?: Job,
): Promise<Job> {
  const renderer = out.renderer();
  const interrupted = () => {
    renderer.abort();
    out.notice(
      `stopped watching; job ${jobId} goes on (stackyard watch ${jobId})`,
    );
    process.exit(EXIT.interrupted);
  };
  process.once('SIGINT', interrupted);
  try {
    return await watchJob(client, jobId, renderer, first);
  } finally {
    process.removeListener('SIGINT', interrupted);
    renderer.abort();
  }
}
