import type { z } from 'zod';
import { ValidationError } from '../../domain/domain-error';
import type { HookForge, HookPush } from '../../domain/events/hook.events';
import {
  GithubPingPayload,
  GithubPushPayload,
  githubRepositoryUrls,
} from './github-payload.dto';
import { GitlabPushPayload, gitlabRepositoryUrls } from './gitlab-payload.dto';
import type { HookHeaders } from './receive-hook.command';

/** A delivery whose credential checked out, read as far as the service needs it. */
export type ForgeDelivery =
  | { kind: 'other'; deliveryId: string; event: string }
  | {
      kind: 'ping';
      deliveryId: string;
      event: string;
      repositoryUrls?: string[];
    }
  | {
      kind: 'push';
      deliveryId: string;
      event: string;
      push: HookPush;
      repositoryUrls: string[];
    };

const UUID =
  /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;
const GITHUB_EVENT = /^[a-z_]{1,64}$/;
const GITLAB_EVENT = /^[A-Za-z ]{1,64}$/;

/**
 * Reads a verified delivery of `forge`: its delivery id (a UUID, lower-cased), its event and,
 * for a push or a ping, its payload. GitLab's delivery id is its `Idempotency-Key` when it
 * sends one (stable across its retries), else `X-Gitlab-Event-UUID`. Every fault is a coded
 * 400: `HOOK.INVALID_DELIVERY_ID`, `HOOK.INVALID_EVENT`, `HOOK.INVALID_JSON`,
 * `HOOK.INVALID_PAYLOAD`.
 */
export function readForgeDelivery(
  forge: HookForge,
  headers: HookHeaders,
  body: Buffer,
): ForgeDelivery {
  const idempotencyKey =
    forge === 'gitlab'
      ? headers.idempotencyKey?.trim() || undefined
      : undefined;
  const deliveryId = idempotencyKey ?? headers.deliveryId?.trim();
  if (deliveryId === undefined || !UUID.test(deliveryId))
    throw new ValidationError(
      'HOOK.INVALID_DELIVERY_ID',
      `The delivery id header (${forge === 'github' ? 'X-GitHub-Delivery' : idempotencyKey !== undefined ? 'Idempotency-Key' : 'X-Gitlab-Event-UUID'}) must be a UUID`,
    );
  const id = deliveryId.toLowerCase();
  const event = headers.event?.trim();
  if (
    event === undefined ||
    !(forge === 'github' ? GITHUB_EVENT : GITLAB_EVENT).test(event)
  )
    throw new ValidationError(
      'HOOK.INVALID_EVENT',
      `The event header (${forge === 'github' ? 'X-GitHub-Event' : 'X-Gitlab-Event'}) is missing or malformed`,
    );
  return forge === 'github'
    ? readGithub(id, event, body)
    : readGitlab(id, event, body);
}

function readGithub(
  deliveryId: string,
  event: string,
  body: Buffer,
): ForgeDelivery {
  if (event === 'ping') {
    const ping = payloadOf(GithubPingPayload, body);
    return {
      kind: 'ping',
      deliveryId,
      event,
      ...(ping.repository
        ? { repositoryUrls: githubRepositoryUrls(ping.repository) }
        : {}),
    };
  }
  if (event !== 'push') return { kind: 'other', deliveryId, event };
  const push = payloadOf(GithubPushPayload, body);
  return {
    kind: 'push',
    deliveryId,
    event,
    push: {
      ref: push.ref,
      before: push.before,
      after: push.after,
      deleted: push.deleted ?? /^0+$/.test(push.after),
    },
    repositoryUrls: githubRepositoryUrls(push.repository),
  };
}

/** GitLab's push hook (`Push Hook`); it has no ping (its "test" sends a push). */
function readGitlab(
  deliveryId: string,
  event: string,
  body: Buffer,
): ForgeDelivery {
  if (event !== 'Push Hook') return { kind: 'other', deliveryId, event };
  const push = payloadOf(GitlabPushPayload, body);
  return {
    kind: 'push',
    deliveryId,
    event: 'push',
    push: {
      ref: push.ref,
      before: push.before,
      after: push.after,
      deleted: /^0+$/.test(push.after),
    },
    repositoryUrls: gitlabRepositoryUrls(push),
  };
}

function payloadOf<S extends z.ZodType>(schema: S, body: Buffer): z.infer<S> {
  let json: unknown;
  try {
    json = JSON.parse(body.toString('utf8'));
  } catch {
    throw new ValidationError('HOOK.INVALID_JSON', 'The delivery is not JSON');
  }
  const parsed = schema.safeParse(json);
  if (parsed.success) return parsed.data;
  const issues = parsed.error.issues.map((issue) => ({
    path: issue.path.map(String).join('.'),
    message: issue.message,
  }));
  throw new ValidationError(
    'HOOK.INVALID_PAYLOAD',
    `The delivery's payload is not one of its event: ${issues.map((i) => `${i.path}: ${i.message}`).join('; ')}`,
    { issues },
  );
}
