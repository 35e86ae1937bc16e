import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { Injectable, type OnApplicationBootstrap } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';

/**
 * Whether the service is busy answering commands now: what background work that can wait
 * (outbound webhook deliveries) looks at to give the event loop to requests first.
 */
export interface CommandLoad {
  readonly busy: boolean;
}

export const COMMAND_LOAD = Symbol('CommandLoad');

/** Commands in flight at once from which the service counts as busy. */
export const BUSY_AT = 4;

/** Reads pass: long-lived SSE streams are reads, and a read waits for no delivery anyway. */
const READS = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * Counts the requests in flight on the HTTP server that are not reads (the commands): with
 * `BUSY_AT` or more at once, clients are waiting on the event loop. One steady client, or a
 * few requests a second, never reaches it.
 */
@Injectable()
export class ServerCommandLoad implements CommandLoad, OnApplicationBootstrap {
  private inFlight = 0;

  constructor(private readonly host: HttpAdapterHost) {}

  get busy(): boolean {
    return this.inFlight >= BUSY_AT;
  }

  onApplicationBootstrap(): void {
    const server = this.host.httpAdapter?.getHttpServer() as Server | undefined;
    server?.on('request', (req: IncomingMessage, res: ServerResponse) => {
      if (READS.has(req.method ?? 'GET')) return;
      this.inFlight++;
      res.once('close', () => this.inFlight--);
    });
  }
}
