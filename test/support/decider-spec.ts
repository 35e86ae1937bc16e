import { type Decider, foldEvents } from '../../src/domain/decider';
import { DomainError } from '../../src/domain/domain-error';
import type { Command, Event } from '../../src/domain/message';

/** What a decision came to: the events decided, or the code of the rule it broke. */
type Outcome<E> =
  | { events: readonly E[] }
  | { error: string; details?: Readonly<Record<string, unknown>> };

export interface Then<E> {
  /** The command decides exactly `events` (none: it changes nothing). */
  then(events: readonly E[]): void;
  /** The command breaks a rule: a `DomainError` with `code` (and details including `details`). */
  then(code: string, details?: Readonly<Record<string, unknown>>): void;
}

export interface Given<State, C, E> {
  when(command: C): Then<E>;
  /** The state the given events fold to. */
  state(): State;
}

/**
 * Given/when/then over a decider: `given(events).when(command).then(events | error code)`.
 * The state is folded from the given events with the decider's own `evolve`, as a command
 * handler folds a stream.
 */
export function deciderSpec<State, C extends Command, E extends Event>(
  decider: Decider<State, C, E>,
): { given(events: readonly E[]): Given<State, C, E> } {
  const decide = (events: readonly E[], command: C): Outcome<E> => {
    try {
      return { events: decider.decide(command, foldEvents(decider, events)) };
    } catch (error) {
      if (!(error instanceof DomainError)) throw error;
      return error.details === undefined
        ? { error: error.code }
        : { error: error.code, details: error.details };
    }
  };
  return {
    given: (events) => ({
      state: () => foldEvents(decider, events),
      when: (command) => ({
        then(
          expected: readonly E[] | string,
          details?: Readonly<Record<string, unknown>>,
        ): void {
          const outcome = decide(events, command);
          if (typeof expected !== 'string') {
            expect(outcome).toEqual({ events: expected });
          } else if (details === undefined) {
            expect(outcome).toMatchObject({ error: expected });
          } else {
            expect(outcome).toMatchObject({ error: expected, details });
          }
        },
      }),
    }),
  };
}
