import type {
  EventKind,
  StackyardEvent,
  StackyardEventType,
} from './events/stackyard-event';
import type { Command, Event } from './message';

/**
 * The three pure functions of a decision model: state is rebuilt with `evolve` from
 * `initialState()`, and `decide` turns a command and the state into new events or throws
 * a `DomainError`. Time and ids come in through the command.
 */
export interface Decider<State, C extends Command, E extends Event> {
  decide(command: C, state: State): E[];
  evolve(state: State, event: E): State;
  initialState(): State;
}

/** Folds events onto the decider's initial state. */
export function foldEvents<State, C extends Command, E extends Event>(
  decider: Decider<State, C, E>,
  events: readonly E[],
): State {
  return events.reduce(
    (state, event) => decider.evolve(state, event),
    decider.initialState(),
  );
}

/**
 * A decider with the kind of events it reads back from its stream: what a command handler
 * needs to read, fold, decide and append.
 */
export interface DecisionModel<
  State,
  C extends Command,
  T extends StackyardEventType,
> {
  readonly decider: Decider<State, C, Extract<StackyardEvent, { type: T }>>;
  readonly kind: EventKind<T>;
}
