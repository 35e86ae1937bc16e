import { z } from 'zod';
import { JOB_STATUSES } from '../domain/job/job-status';

/**
 * The parts of the API's answers this client reads, as `GET /docs` describes them. The
 * client owns these schemas (it talks HTTP, it does not import the service's), and every
 * object is loose: the API may add fields, and a client that knows fewer must not break.
 */

const BranchChange = z.looseObject({
  branch: z.string(),
  fromSha: z.string(),
  toSha: z.string(),
});

const Conflict = z.looseObject({
  branch: z.string(),
  files: z.array(z.string()),
});

/** `Job` of the API document. */
export const Job = z.looseObject({
  jobId: z.string(),
  repoId: z.string(),
  action: z.string(),
  branchName: z.string().nullable(),
  parentBranch: z.string().nullable(),
  undoOf: z.string().nullable().optional(),
  status: z.enum(JOB_STATUSES),
  step: z.string().nullable(),
  message: z.string().nullable(),
  progress: z.looseObject({ done: z.number(), total: z.number() }).nullable(),
  attempt: z.number(),
  cancelRequested: z.boolean().optional(),
  requestedAt: z.string(),
  startedAt: z.string().nullable(),
  finishedAt: z.string().nullable(),
  result: z
    .looseObject({
      changed: z.array(BranchChange),
      adopted: z
        .array(z.looseObject({ branch: z.string(), parent: z.string() }))
        .optional(),
      skipped: z
        .array(z.looseObject({ branch: z.string(), reason: z.string() }))
        .optional(),
    })
    .nullable(),
  error: z
    .looseObject({
      code: z.string(),
      message: z.string(),
      conflict: Conflict.optional(),
    })
    .nullable(),
});
export type Job = z.infer<typeof Job>;

/** `JobPage`: a repo's jobs, newest first. */
export const JobPage = z.looseObject({
  items: z.array(Job),
  nextCursor: z.string().nullable(),
});
export type JobPage = z.infer<typeof JobPage>;

const Branch = z.looseObject({
  name: z.string(),
  parent: z.string(),
  sha: z.string().nullable(),
  needsRestack: z.boolean(),
  taskId: z.string().nullable().optional(),
  lastJobId: z.string().nullable().optional(),
});
export type Branch = z.infer<typeof Branch>;

/** `Repo`: a registered repo and its stack overview. */
export const Repo = z.looseObject({
  repoId: z.string(),
  name: z.string(),
  remoteUrl: z.string(),
  trunk: z.string(),
  trunkSha: z.string().nullable(),
  lastJobId: z.string().nullable(),
  branches: z.array(Branch),
  untrackedBranches: z
    .array(z.looseObject({ name: z.string(), sha: z.string() }))
    .optional(),
});
export type Repo = z.infer<typeof Repo>;

/** `RegisteredRepo`: the answer to `POST /repos`. */
export const RegisteredRepo = Repo.extend({ initialJobId: z.string() });
export type RegisteredRepo = z.infer<typeof RegisteredRepo>;

/** `RepoList`: the caller's org's repos. */
export const RepoList = z.looseObject({ items: z.array(Repo) });
export type RepoList = z.infer<typeof RepoList>;

/** Of `HistoryPage`, the read models' position when it was read. */
export const HistoryPosition = z.looseObject({ position: z.number() });

/** `Error`: the body of every error answer. */
export const ErrorBody = z.looseObject({
  error: z.looseObject({
    code: z.string(),
    message: z.string(),
    details: z.record(z.string(), z.unknown()).optional(),
  }),
});

/** `StreamedEvent`: the `data:` of one message of `GET /events`. */
export const StreamedEvent = z.looseObject({
  position: z.number(),
  type: z.string(),
  at: z.string(),
  repoId: z.string().nullable(),
  jobId: z.string().nullable(),
  data: z.record(z.string(), z.unknown()),
});
export type StreamedEvent = z.infer<typeof StreamedEvent>;
