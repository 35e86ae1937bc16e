import type { JobEvent } from '../../domain/events/job.events';
import type { MessageMetadata } from '../../domain/message';
import { ConcurrencyError } from '../../infrastructure/event-store/event-store.errors';
import type { EventStore } from '../../infrastructure/event-store/event-store.port';
import { JobReleasedError } from './job-released.error';

/**
 * The runner's only way to write a job's stream. Appends are serialised and each expects
 * the version the runner last saw, so a job has one writer at a time. A client may still
 * append `RepoActionCancelRequested` meanwhile: the writer absorbs it (and remembers that a
 * cancel was asked), and gives the job up on any other foreign event.
 */
export class JobWriter {
  private chain: Promise<unknown> = Promise.resolve();
  private closed = false;
  cancelRequested = false;

  constructor(
    private readonly store: EventStore,
    private readonly stream: string,
    private version: number,
    private readonly metadata: () => MessageMetadata,
  ) {}

  /** Appends in order after every earlier append; rejects once the writer is closed. */
  append(...events: JobEvent[]): Promise<void> {
    const next = this.chain.then(() => this.write(events));
    this.chain = next.catch(() => undefined);
    return next;
  }

  /** Writes `events` last and closes: nothing is appended after them. */
  async close(...events: JobEvent[]): Promise<void> {
    const last = this.chain.then(async () => {
      if (!this.closed && events.length > 0) await this.write(events);
      this.closed = true;
    });
    this.chain = last.catch(() => undefined);
    await last;
  }

  get isClosed(): boolean {
    return this.closed;
  }

  private async write(events: JobEvent[]): Promise<void> {
    for (;;) {
      if (this.closed) throw new JobReleasedError('job writer is closed');
      const metadata = this.metadata();
      try {
        const result = await this.store.appendToStream(
          this.stream,
          events.map((e) => ({ ...e, metadata })),
          { expectedVersion: this.version },
        );
        this.version = result.nextExpectedVersion;
        return;
      } catch (error) {
        if (!(error instanceof ConcurrencyError)) throw error;
        await this.absorbForeignEvents();
      }
    }
  }

  private async absorbForeignEvents(): Promise<void> {
    const foreign = await this.store.readStream(this.stream, {
      fromVersion: this.version + 1,
    });
    for (const event of foreign) {
      if (event.type !== 'RepoActionCancelRequested') {
        this.closed = true;
        throw new JobReleasedError(
          `another writer appended ${event.type} to ${this.stream}`,
        );
      }
      this.cancelRequested = true;
      this.version = event.streamVersion;
    }
  }
}
