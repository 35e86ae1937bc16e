/**
 * Messages are plain JSON: a `type` discriminator, a `data` payload and `metadata`.
 * Events are facts in the past tense, commands are requests in the imperative.
 */

/** Who asked and why; carried from a command to every event it causes. */
export interface MessageMetadata {
  /** Ties together every message of one request or job. */
  correlationId?: string;
  /** The id of the message that caused this one. */
  causationId?: string;
  /** Who asked (a token's org and subject, or `system`). */
  actor?: string;
  /** ISO-8601 time the message was made; passed in, never read from a clock in the domain. */
  at?: string;
  /** The org that owns what the message is about: readers filter on it, so nothing leaks. */
  orgId?: string;
  /** The repository the message is about. */
  repoId?: string;
  /** The job the message belongs to (its request, steps, and the branch changes it made). */
  jobId?: string;
}

export interface Message<
  Type extends string = string,
  Data extends object = object,
> {
  readonly type: Type;
  readonly data: Data;
  readonly metadata?: MessageMetadata;
}

/** A fact that happened. */
export type Event<
  Type extends string = string,
  Data extends object = object,
> = Message<Type, Data>;

/** A request to change state; may be rejected. */
export type Command<
  Type extends string = string,
  Data extends object = object,
> = Message<Type, Data>;

export type EventOf<E extends Event, T extends E['type']> = Extract<
  E,
  { type: T }
>;
