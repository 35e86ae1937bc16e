import type { MessageMetadata } from '../message';
import {
  FINAL_JOB_EVENT_TYPES,
  JOB_EVENT_TYPES,
  type JobEvent,
} from './job.events';
import { HOOK_EVENT_TYPES, type HookEvent } from './hook.events';
import { REPO_EVENT_TYPES, type RepoEvent } from './repo.events';
import {
  SUBSCRIPTION_EVENT_TYPES,
  type SubscriptionEvent,
} from './subscription.events';
import { TASK_EVENT_TYPES, type TaskEvent } from './task.events';

/** Every event type Stackyard writes. */
export type StackyardEvent =
  RepoEvent | JobEvent | TaskEvent | SubscriptionEvent | HookEvent;
export type StackyardEventType = StackyardEvent['type'];

/** Fails to compile while `List` misses a member of the union `All`. */
type Covers<All extends string, List extends readonly string[]> =
  Exclude<All, List[number]> extends never ? true : never;
const repoListIsComplete: Covers<RepoEvent['type'], typeof REPO_EVENT_TYPES> =
  true;
const jobListIsComplete: Covers<JobEvent['type'], typeof JOB_EVENT_TYPES> =
  true;
const taskListIsComplete: Covers<TaskEvent['type'], typeof TASK_EVENT_TYPES> =
  true;
const hookListIsComplete: Covers<HookEvent['type'], typeof HOOK_EVENT_TYPES> =
  true;
const subscriptionListIsComplete: Covers<
  SubscriptionEvent['type'],
  typeof SUBSCRIPTION_EVENT_TYPES
> = true;
void [
  repoListIsComplete,
  jobListIsComplete,
  taskListIsComplete,
  hookListIsComplete,
  subscriptionListIsComplete,
];

/**
 * A named set of event types: what a reader (a projection, a saga, a fold) takes from the
 * store. `has` is the one check that turns a stored type string into a domain type.
 */
export interface EventKind<T extends StackyardEventType> {
  readonly types: readonly T[];
  has(type: string): type is T;
}

/** A kind made of catalogue types; the list is checked against the union at compile time. */
export function eventKind<T extends StackyardEventType>(
  types: readonly T[],
): EventKind<T> {
  const set: ReadonlySet<string> = new Set(types);
  return {
    types,
    has: (type: string): type is T => set.has(type),
  };
}

/** The catalogue: every stream's events, and the groups more than one reader needs. */
export const REPO_EVENTS = eventKind(REPO_EVENT_TYPES);
export const JOB_EVENTS = eventKind(JOB_EVENT_TYPES);
export const FINAL_JOB_EVENTS = eventKind(FINAL_JOB_EVENT_TYPES);
export const TASK_EVENTS = eventKind(TASK_EVENT_TYPES);
export const HOOK_EVENTS = eventKind(HOOK_EVENT_TYPES);
export const SUBSCRIPTION_EVENTS = eventKind(SUBSCRIPTION_EVENT_TYPES);
export const ALL_EVENTS = eventKind<StackyardEventType>([
  ...REPO_EVENT_TYPES,
  ...JOB_EVENT_TYPES,
  ...TASK_EVENT_TYPES,
  ...HOOK_EVENT_TYPES,
  ...SUBSCRIPTION_EVENT_TYPES,
]);

/**
 * What outbound webhooks may deliver: every type but the subscriptions' own, so that a
 * delivery's outcome (a subscription paused) never becomes a delivery itself.
 */
export const DELIVERABLE_EVENTS = eventKind(
  ALL_EVENTS.types.filter((type) => !SUBSCRIPTION_EVENTS.has(type)),
);

/** Many and saying little after the fact: progress ticks and branch observations. */
const NOT_IN_TIMELINE: ReadonlySet<StackyardEventType> = new Set([
  'RepoActionProgressed',
  'RepoBranchesObserved',
  // A hook's reservation of a job: the job's own request shows in the timeline.
  'WebhookJobQueued',
  // An org's subscriptions belong to no repo's timeline.
  ...SUBSCRIPTION_EVENT_TYPES,
]);

/**
 * What a timeline shows (the history read model, the dashboard): every type but those
 * above, so that a new event type shows in history by default.
 */
export const TIMELINE_EVENTS = eventKind(
  ALL_EVENTS.types.filter((type) => !NOT_IN_TIMELINE.has(type)),
);

/** What a stored event has in common with a domain event; the store's records fit it. */
export interface StoredEventLike {
  readonly type: string;
  readonly data: object;
  readonly metadata?: MessageMetadata;
}

/**
 * The one way from a stored event to a domain event: by its type, checked against `kind`.
 * The store only holds events this service wrote from these very types, so the type names
 * the payload; an event of another kind (or of a type this version does not know) gives
 * undefined.
 */
export function narrow<R extends StoredEventLike, T extends StackyardEventType>(
  recorded: R,
  kind: EventKind<T>,
): (R & Extract<StackyardEvent, { type: T }>) | undefined {
  return kind.has(recorded.type)
    ? (recorded as R & Extract<StackyardEvent, { type: T }>)
    : undefined;
}

/** The events of `kind` among `recorded`, in order (a stream's fold reads them this way). */
export function narrowAll<
  R extends StoredEventLike,
  T extends StackyardEventType,
>(
  recorded: readonly R[],
  kind: EventKind<T>,
): Array<R & Extract<StackyardEvent, { type: T }>> {
  const events: Array<R & Extract<StackyardEvent, { type: T }>> = [];
  for (const event of recorded) {
    const known = narrow(event, kind);
    if (known) events.push(known);
  }
  return events;
}
