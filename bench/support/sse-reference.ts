import { mkdirSync } from 'node:fs';
import { createServer, type ServerResponse } from 'node:http';
import { join } from 'node:path';
import { v7 as uuidv7 } from 'uuid';
import type { RecordedEvent } from '../../src/infrastructure/event-store/event-store.port';
import { SqliteEventStore } from '../../src/infrastructure/event-store/sqlite-event-store';

/**
 * The reference of `bench:sse`: a bare Node HTTP server over the same SQLite store adapter.
 * `POST /repos/:repoId/actions` does the same group-committed durable append of a
 * `RepoActionRequested` and answers 202 with the job id; `GET /events` is the least an SSE
 * broadcaster can be: one subscription to the store (woken by the same head notifications),
 * each batch formatted once and written to every open response. No auth, no scopes, no
 * resume, no backpressure. `GET /head` answers the store's head position. Each request is
 * followed by `<follow-ups>` more events of its job, as a running job writes them. Run as
 * `node sse-reference.js <port> <data dir> <follow-ups>`.
 */
function main(): void {
  const [port, dataDir, followUps] = process.argv.slice(2);
  const FOLLOW_UPS = Number(followUps ?? 0);
  mkdirSync(dataDir!, { recursive: true });
  const store = SqliteEventStore.open(join(dataDir!, 'events.sqlite'));
  const clients = new Set<ServerResponse>();

  const format = (e: RecordedEvent): string =>
    `id: ${e.globalPosition}\nevent: ${e.type}\ndata: ${JSON.stringify({
      position: e.globalPosition,
      type: e.type,
      at: e.recordedAt,
      repoId: e.metadata.repoId ?? null,
      jobId: e.metadata.jobId ?? null,
      data: e.data,
    })}\n\n`;

  void store.headPosition().then(async (head) => {
    for await (const batch of store.subscribe({ fromPosition: head + 1 })) {
      const chunk = Buffer.from(batch.map(format).join(''));
      for (const res of clients) res.write(chunk);
    }
  });

  // As many more events per job as the service's jobs write, one append each, 15 ms
  // apart, as a running job's steps would: the clients read as much as the service's do.
  const followUp = (jobId: string, repoId: string) => {
    for (let step = 1; step <= FOLLOW_UPS; step++) {
      setTimeout(() => {
        void store.appendToStream(
          `repo-action-${jobId}`,
          [
            {
              type: 'RepoActionProgressed',
              data: { jobId, step },
              metadata: { orgId: 'default', repoId, jobId },
            },
          ],
          { expectedVersion: 'any' },
        );
      }, step * 15);
    }
  };

  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (req.method === 'GET' && url.pathname === '/events') {
      void store.headPosition().then((head) => {
        res.writeHead(200, {
          'content-type': 'text/event-stream; charset=utf-8',
          'cache-control': 'no-cache',
        });
        res.write(`retry: 1000\nid: ${head}\n\n`);
        clients.add(res);
        res.on('close', () => clients.delete(res));
      });
      return;
    }
    if (req.method === 'GET' && url.pathname === '/head') {
      void store.headPosition().then((head) => res.end(String(head)));
      return;
    }
    const action = /^\/repos\/([^/]+)\/actions$/.exec(url.pathname);
    if (req.method === 'POST' && action) {
      req.resume();
      req.on('end', () => {
        const jobId = uuidv7();
        const repoId = action[1]!;
        store
          .appendToStream(
            `repo-action-${jobId}`,
            [
              {
                type: 'RepoActionRequested',
                data: { jobId, repoId, action: 'restack_repo' },
                metadata: { orgId: 'default', repoId, jobId },
              },
            ],
            { expectedVersion: 'no_stream' },
          )
          .then(() => {
            res.writeHead(202, { 'content-type': 'application/json' });
            res.end(JSON.stringify({ jobId, status: 'queued' }));
            followUp(jobId, repoId);
          })
          .catch((error: unknown) => {
            res.writeHead(500);
            res.end(String(error));
          });
      });
      return;
    }
    res.writeHead(404);
    res.end();
  });
  server.keepAliveTimeout = 60_000;
  server.listen(Number(port), '127.0.0.1', () =>
    process.stdout.write('listening\n'),
  );
}

main();
