import { Command } from '@nestjs/cqrs';
import type { HookForge, HookOutcome } from '../../domain/events/hook.events';

/** The headers of a delivery the service reads, as they came (undefined when absent). */
export interface HookHeaders {
  /** GitHub's `X-Hub-Signature-256`, or GitLab's `X-Gitlab-Token`. */
  credential: string | undefined;
  /** `X-GitHub-Delivery`, or GitLab's `X-Gitlab-Event-UUID`. */
  deliveryId: string | undefined;
  /**
   * GitLab's `Idempotency-Key` (GitLab 17.4 and later): the same on every retry of a
   * delivery, which `X-Gitlab-Event-UUID` is not promised to be; preferred when present.
   */
  idempotencyKey?: string | undefined;
  /** `X-GitHub-Event`, or GitLab's `X-Gitlab-Event`. */
  event: string | undefined;
}

/** What a delivery came to; nothing when the event is one the service does not take. */
export type ReceiveHookResult =
  | { kind: 'ignored_event' }
  | {
      kind: 'received';
      deliveryId: string;
      event: string;
      outcome: HookOutcome;
      jobId: string | null;
      /** The delivery id was recorded before: nothing new is. */
      duplicate: boolean;
    };

/** A forge's delivery to a repo, with its body's raw bytes (what the signature covers). */
export class ReceiveHookCommand extends Command<ReceiveHookResult> {
  constructor(
    readonly forge: HookForge,
    readonly repoId: string,
    readonly headers: HookHeaders,
    readonly body: Buffer,
    /** The HTTP request's id: the correlation id of the events it appends (none outside one). */
    readonly requestId?: string,
  ) {
    super();
  }
}
