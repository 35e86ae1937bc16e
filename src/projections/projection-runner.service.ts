import {
  type BeforeApplicationShutdown,
  Inject,
  Injectable,
  Logger,
  type OnApplicationBootstrap,
} from '@nestjs/common';
import { DataSource } from 'typeorm';
import {
  EVENT_STORE,
  type EventStore,
} from '../infrastructure/event-store/event-store.port';
import type {
  ReadModelLag,
  ReadModelProgress,
} from '../read-models/read-model-progress.port';
import { ProjectionRunner } from './projection-runner';
import { READ_MODEL_PROJECTORS } from './projectors';

/**
 * Runs the projection runner for the life of the app, from boot until shutdown begins, and
 * tells the read side how far it has got.
 */
@Injectable()
export class ProjectionRunnerService
  implements
    OnApplicationBootstrap,
    BeforeApplicationShutdown,
    ReadModelProgress
{
  readonly runner: ProjectionRunner;

  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    dataSource: DataSource,
  ) {
    this.runner = new ProjectionRunner(
      store,
      dataSource,
      READ_MODEL_PROJECTORS,
      {
        logger: new Logger('Projections'),
      },
    );
  }

  get position(): number {
    return this.runner.position;
  }

  get failure(): Error | undefined {
    return this.runner.failure;
  }

  async onApplicationBootstrap(): Promise<void> {
    await this.runner.init();
    this.runner.start();
  }

  async beforeApplicationShutdown(): Promise<void> {
    await this.runner.stop();
  }

  /**
   * Waits (at most `maxWaitMs`) until the read models include every event committed now:
   * read-your-writes for a client that asks right after its own 202.
   */
  async catchUpToHead(maxWaitMs = 2000): Promise<void> {
    await this.reach(await this.store.headPosition(), maxWaitMs);
  }

  /**
   * Waits (at most `maxWaitMs`) until the read models include the event at `position`: the
   * read-your-writes token of a client that saw that event (on SSE) and reads after it.
   */
  async reach(position: number | undefined, maxWaitMs = 2000): Promise<void> {
    if (position === undefined || this.runner.position >= position) return;
    // A position the store has not reached yet cannot be waited for: wait for the head.
    position = Math.min(position, await this.store.headPosition());
    if (this.runner.position >= position) return;
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      this.runner.waitForPosition(position),
      new Promise<void>((resolve) => {
        timer = setTimeout(resolve, maxWaitMs);
      }),
    ]);
    clearTimeout(timer);
  }

  /** How far the read models trail the store. */
  async lag(): Promise<ReadModelLag> {
    const head = await this.store.headPosition();
    const position = this.runner.position;
    return { position, head, lag: head - position };
  }
}
