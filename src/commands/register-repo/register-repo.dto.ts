import { z } from 'zod';

/** Body of `POST /repos`. Names, URL and trunk are checked by the domain's rules. */
export const RegisterRepoBody = z.object({
  name: z.string(),
  remoteUrl: z.string(),
  trunk: z.string().optional(),
});

/** The trunk when the request names none. */
export const DEFAULT_TRUNK = 'main';
