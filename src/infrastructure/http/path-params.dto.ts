import { z } from 'zod';

/** The `{repoId}` of a route: the id `POST /repos` answered. */
export const RepoPath = z.object({
  repoId: z.string().meta({ description: 'The id `POST /repos` answered.' }),
});

/** The `{jobId}` of a route: the id a command answered, or a job page listed. */
export const JobPath = z.object({
  jobId: z.string().meta({ description: 'The id of a job.' }),
});

/** The `{taskId}` of a route: the id `POST /repos/{repoId}/tasks` answered. */
export const TaskPath = z.object({
  taskId: z
    .string()
    .meta({ description: 'The id `POST /repos/{repoId}/tasks` answered.' }),
});

/** The `{subscriptionId}` of a route: the id `POST /subscriptions` answered. */
export const SubscriptionPath = z.object({
  subscriptionId: z
    .string()
    .meta({ description: 'The id `POST /subscriptions` answered.' }),
});
