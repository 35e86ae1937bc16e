import {
  Controller,
  Get,
  Headers,
  Inject,
  Injectable,
  Logger,
  type OnModuleDestroy,
  Query,
  Res,
} from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { NotFoundError } from '../../domain/domain-error';
import { jobStream } from '../../domain/streams';
import { Org } from '../../infrastructure/auth/org.decorator';
import {
  EVENT_STORE,
  type EventStore,
} from '../../infrastructure/event-store/event-store.port';
import { parseInput } from '../../infrastructure/http/parse-body';
import { EventsQuery, LastEventIdHeader } from '../read-queries.dto';
import { RepoQueries } from '../repo/repo.queries';
import type { SseScope } from './sse.filter';
import { SseFanout } from './sse-fanout';

const SSE_HEADERS = {
  'content-type': 'text/event-stream; charset=utf-8',
  'cache-control': 'no-cache, no-transform',
  'x-accel-buffering': 'no',
};

/**
 * The open SSE streams, fed by one shared reader of the store (see {@link SseFanout}), and
 * ended when shutdown begins so that the HTTP server can close.
 */
@Injectable()
export class SseStreams extends SseFanout implements OnModuleDestroy {
  constructor(@Inject(EVENT_STORE) store: EventStore) {
    const logger = new Logger('Events');
    super(store, { warn: (message) => logger.warn(message) });
  }

  onModuleDestroy(): void {
    this.close();
  }
}

@Controller('events')
export class EventsController {
  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    private readonly repos: RepoQueries,
    private readonly streams: SseStreams,
  ) {}

  /**
   * Live events as Server-Sent Events. Each has `id:` = its global position; a client that
   * reconnects with `Last-Event-ID` gets every later event of its scope, none twice. Without
   * it the stream starts at the present.
   */
  @Get()
  async events(
    @Org() orgId: string,
    @Query() query: unknown,
    @Headers('last-event-id') lastEventIdHeader: string | undefined,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    const q = parseInput(EventsQuery, query, 'query');
    const scope: SseScope = {
      orgId,
      ...(q.repoId !== undefined ? { repoId: q.repoId } : {}),
      ...(q.jobId !== undefined ? { jobId: q.jobId } : {}),
    };
    if (q.repoId !== undefined) this.repos.assertVisible(orgId, q.repoId);
    if (q.jobId !== undefined) await this.assertJobVisible(orgId, q.jobId);
    const lastEventId =
      lastEventIdHeader !== undefined
        ? parseInput(
            LastEventIdHeader,
            lastEventIdHeader,
            'Last-Event-ID header',
          )
        : q.lastEventId;
    const res = reply.raw;
    // HEAD (which Fastify routes here too) answers the headers GET would, and ends: a
    // stream's body is never written to a HEAD response, so following the store would
    // only hold the connection open for ever.
    if (reply.request.method === 'HEAD') {
      // The connection is left to Node, which keeps it or closes it as the client asked.
      reply.hijack();
      res.writeHead(200, SSE_HEADERS);
      res.end();
      return;
    }
    const from =
      lastEventId !== undefined
        ? lastEventId + 1
        : (await this.store.headPosition()) + 1;

    reply.hijack();
    res.writeHead(200, { ...SSE_HEADERS, connection: 'keep-alive' });
    this.streams.open(res, scope, from);
  }

  private async assertJobVisible(orgId: string, jobId: string): Promise<void> {
    const [first] = await this.store.readStream(jobStream(jobId), {
      maxCount: 1,
    });
    if (first?.metadata.orgId !== orgId) {
      throw new NotFoundError('JOB.NOT_FOUND', `No job ${jobId}`);
    }
  }
}
