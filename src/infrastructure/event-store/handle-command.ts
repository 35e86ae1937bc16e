import { foldEvents, type DecisionModel } from '../../domain/decider';
import {
  narrowAll,
  type StackyardEventType,
} from '../../domain/events/stackyard-event';
import type { Command, MessageMetadata } from '../../domain/message';
import { ConcurrencyError } from './event-store.errors';
import type { EventStore, RecordedEvent } from './event-store.port';

export interface HandleCommandOptions<State> {
  /**
   * Metadata of every event the command causes; a function of the state decided on when it
   * depends on the stream (the repo a job belongs to, say).
   */
  metadata: MessageMetadata | ((state: State) => MessageMetadata);
  /**
   * The stream is expected not to exist: decide on the initial state without reading it,
   * and append expecting no stream. If it exists after all, it is read and the command is
   * decided again on what it holds. Saves a read on paths that almost always create.
   */
  expectNew?: boolean;
  /** Decisions retried after losing a race to another writer; default 5. */
  maxTries?: number;
}

export interface CommandOutcome<State> {
  /** The stream's state after the command. */
  state: State;
  /** The whole stream after the command, as recorded. */
  stream: RecordedEvent[];
  /** The events this command appended; empty when it decided nothing. */
  appended: RecordedEvent[];
}

/**
 * The one way a command changes a stream: read it, fold it, decide, append with the version
 * read. When another writer got in between, the command is decided again on the fresh
 * stream, so a decision is never made on stale state. A decider that throws (a rule the
 * command breaks) ends it with that error.
 */
export async function handleCommand<
  State,
  C extends Command,
  T extends StackyardEventType,
>(
  store: EventStore,
  streamId: string,
  model: DecisionModel<State, C, T>,
  command: C,
  options: HandleCommandOptions<State>,
): Promise<CommandOutcome<State>> {
  const { decider, kind } = model;
  const maxTries = options.maxTries ?? 5;
  let known: RecordedEvent[] | undefined = options.expectNew ? [] : undefined;
  for (let attempt = 1; ; attempt++) {
    const stream = known ?? (await store.readStream(streamId));
    known = undefined;
    const state = foldEvents(decider, narrowAll(stream, kind));
    const events = decider.decide(command, state);
    if (events.length === 0) return { state, stream, appended: [] };
    const metadata =
      typeof options.metadata === 'function'
        ? options.metadata(state)
        : options.metadata;
    try {
      const result = await store.appendToStream(
        streamId,
        events.map((e) => ({ ...e, metadata })),
        {
          expectedVersion:
            stream.length === 0 ? 'no_stream' : stream.length - 1,
        },
      );
      return {
        state: events.reduce((s, e) => decider.evolve(s, e), state),
        stream: [...stream, ...result.events],
        appended: result.events,
      };
    } catch (error) {
      if (!(error instanceof ConcurrencyError) || attempt >= maxTries)
        throw error;
    }
  }
}
