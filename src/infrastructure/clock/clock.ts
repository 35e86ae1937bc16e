/**
 * Where the service reads the time. Handlers, sagas and projectors take it injected (the
 * domain never reads a clock: time comes in through commands), so tests can fix it.
 */
export interface Clock {
  now(): Date;
}

export const CLOCK = Symbol('Clock');

/** The machine's clock. */
export const systemClock: Clock = { now: () => new Date() };
