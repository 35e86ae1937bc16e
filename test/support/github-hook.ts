import { randomUUID } from 'node:crypto';
import type request from 'supertest';
import { githubSignatureOf } from '../../src/infrastructure/hooks/hook-signature';
import type { TestApp } from './test-app';

export interface GithubDelivery {
  /** `X-GitHub-Event`; `push` unless given. */
  event?: string;
  /** The payload, sent as JSON; or `raw`, sent as it is. */
  payload?: unknown;
  raw?: string;
  /** `X-GitHub-Delivery`; a new UUID unless given. */
  deliveryId?: string;
  /** The secret to sign with; null sends no signature. */
  secret: string | null;
  /** A signature header sent as it is, in place of one made with `secret`. */
  signature?: string;
}

/** Sends a delivery to `POST /hooks/github/:repoId` as GitHub does (JSON, signed). */
export function deliverGithub(
  t: TestApp,
  repoId: string,
  delivery: GithubDelivery,
): request.Test {
  const body = delivery.raw ?? JSON.stringify(delivery.payload ?? {});
  const req = t
    .http()
    .post(`/hooks/github/${repoId}`)
    .set('content-type', 'application/json')
    .set('x-github-event', delivery.event ?? 'push')
    .set('x-github-delivery', delivery.deliveryId ?? randomUUID());
  const signature =
    delivery.signature ??
    (delivery.secret === null
      ? undefined
      : githubSignatureOf(delivery.secret, body));
  if (signature !== undefined) void req.set('x-hub-signature-256', signature);
  return req.send(body);
}

/** A push payload as GitHub sends it, with the fields the service reads. */
export function aGithubPush(input: {
  ref: string;
  before: string;
  after: string;
  cloneUrl: string;
  deleted?: boolean;
}): Record<string, unknown> {
  return {
    ref: input.ref,
    before: input.before,
    after: input.after,
    created: false,
    deleted: input.deleted ?? false,
    forced: false,
    repository: {
      full_name: 'acme/demo',
      clone_url: input.cloneUrl,
      html_url: 'https://github.example/acme/demo',
    },
    pusher: { name: 'ann' },
    commits: [],
  };
}
