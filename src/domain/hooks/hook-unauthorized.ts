import { DomainError } from '../domain-error';

/**
 * The one answer for every hook that does not prove itself: a missing or wrong credential,
 * a repo without a secret or whose secret cannot be opened, an unknown repo. Refused before
 * the body is read or after checking it, the answer is this, so repo ids cannot be probed
 * by what comes back.
 */
export const hookUnauthorized = (): DomainError =>
  new DomainError(
    'HOOK.UNAUTHORIZED',
    'unauthorized',
    "The delivery's signature does not verify against a webhook secret of this repo",
  );
