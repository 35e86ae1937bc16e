import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  type ClientScope,
  EventScopes,
  resumeReport,
} from '../support/event-scope';
import { GitFixture } from '../support/git-fixture';
import {
  type ResumingSseClient,
  scopedClient,
  seededRandom,
} from '../support/resuming-sse';
import { freePort } from '../support/service-process';
import { readSse } from '../support/sse';
import { FixedPortService } from './support/fixed-port-service';
import { settledProcessesIn } from './support/processes';
import { readEvents, type StoredEvent } from './support/store-files';

/** Change it (STACKYARD_SSE_SEED) to try other cut points; a failure names the one it ran. */
const SEED = Number(process.env.STACKYARD_SSE_SEED ?? 20_250_612);
const TOKENS: Record<string, string> = { org1: 'tok-one', org2: 'tok-two' };
const FINAL_JOB_EVENTS = new Set([
  'RepoActionCompleted',
  'RepoActionFailed',
  'RepoActionCancelled',
]);
const TASK_OUTCOMES = new Set(['TaskBranchAttached', 'TaskBranchAttachFailed']);

/** Holds reconnecting clients while the service is down; open while it runs. */
class Gate {
  private opened: Promise<void> = Promise.resolve();
  private release: () => void = () => undefined;

  close(): void {
    this.opened = new Promise((resolve) => (this.release = resolve));
  }

  open(): void {
    this.release();
  }

  wait(): Promise<void> {
    return this.opened;
  }
}

describe('GET /events resumed across a SIGKILL of the service', () => {
  let root: string | undefined;
  let fx: GitFixture | undefined;
  const services: FixedPortService[] = [];
  const clients: ResumingSseClient[] = [];
  const gate = new Gate();

  afterEach(async () => {
    // Parked clients must wake to see that they are stopped.
    gate.open();
    await Promise.all(clients.splice(0).map((c) => c.stop()));
    for (const service of services.splice(0)) await service.kill();
    if (root !== undefined) {
      // git processes of a killed service may still be finishing in the folder.
      await settledProcessesIn(root);
      rmSync(root, { recursive: true, force: true, maxRetries: 5 });
    }
    fx?.dispose();
  });

  it(`gives every client each event of its org and filter once, in global order, across a kill -9 and restart (seed ${SEED})`, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'stackyard-sse-faults-'));
    root = dir;
    const tmpDir = join(dir, 'tmp');
    mkdirSync(tmpDir);
    const dataDir = join(dir, 'data');
    const storeFile = join(dataDir, 'events.sqlite');
    fx = new GitFixture();
    fx.branch('feature', 'main', 1);
    const port = await freePort();
    const start = async () => {
      const service = FixedPortService.spawn({
        port,
        cwd: dir,
        dataDir,
        tmpDir,
        env: {
          STACKYARD_TOKENS: Object.entries(TOKENS)
            .map(([org, token]) => `${token}=${org}`)
            .join(','),
          STACKYARD_CONCURRENCY: '4',
        },
      });
      services.push(service);
      await service.listening();
      return service;
    };
    let service = await start();
    const baseUrl = service.baseUrl;
    const random = seededRandom(SEED);
    const as = (orgId: string) => ({
      authorization: `Bearer ${TOKENS[orgId]}`,
      'content-type': 'application/json',
    });
    const accepted = async <T>(orgId: string, path: string, body: object) => {
      const res = await fetch(`${baseUrl}${path}`, {
        method: 'POST',
        headers: as(orgId),
        body: JSON.stringify(body),
      });
      const answer = (await res.json()) as T;
      if (res.status !== 202)
        throw new Error(`${path}: ${res.status} ${JSON.stringify(answer)}`);
      return answer;
    };
    /** Resolves with the first event of a job's scope that matches, read from the start. */
    const awaitJob = (orgId: string, jobId: string, types: Set<string>) =>
      readSse(
        `${baseUrl}/events?jobId=${jobId}`,
        { authorization: `Bearer ${TOKENS[orgId]}`, 'last-event-id': '0' },
        (e) => types.has(e.event),
      );

    const repos: Array<{ orgId: string; repoId: string }> = [];
    const acceptedJobs: string[] = [];
    for (const orgId of ['org1', 'org2'])
      for (const name of ['one', 'two']) {
        const repo = await accepted<{ repoId: string; initialJobId: string }>(
          orgId,
          '/repos',
          { name, remoteUrl: fx.origin },
        );
        repos.push({ orgId, repoId: repo.repoId });
        await awaitJob(orgId, repo.initialJobId, FINAL_JOB_EVENTS);
      }
    const r1a = repos[0]!;
    const r2b = repos[3]!;

    /** One round of concurrent requests on every repo: actions and a task each. */
    const round = (n: number, actions: number) => {
      const requests: Array<Promise<unknown>> = [];
      for (const { orgId, repoId } of repos) {
        for (let i = 0; i < actions; i++)
          requests.push(
            accepted<{ jobId: string }>(orgId, `/repos/${repoId}/actions`, {
              action: 'sync_repo',
            }).then((job) => acceptedJobs.push(job.jobId)),
          );
        requests.push(
          accepted<{ jobId: string }>(orgId, `/repos/${repoId}/tasks`, {
            title: `Round ${n}`,
            branchName: n === 0 ? 'feature' : `missing-${n}`,
          }).then((task) => acceptedJobs.push(task.jobId)),
        );
      }
      return requests;
    };

    const client = (
      name: string,
      scope: ClientScope,
      every: number,
      how: { after?: number | 'present'; likeEventSource?: boolean } = {},
    ) => {
      const c = scopedClient({
        name,
        baseUrl: () => baseUrl,
        token: TOKENS[scope.orgId]!,
        scope,
        every,
        seed: Math.floor(random() * 2 ** 32),
        ...how,
        after: how.after ?? 0,
        whenDown: () => gate.wait(),
      });
      clients.push(c);
      return { name, scope, client: c };
    };
    const readers = [
      client('org1, everything', { orgId: 'org1' }, 10),
      client('org2, everything', { orgId: 'org2' }, 10),
      client('org1, repo one', { orgId: 'org1', repoId: r1a.repoId }, 5),
      client('org2, repo two', { orgId: 'org2', repoId: r2b.repoId }, 5),
      client('org1, from the present', { orgId: 'org1' }, 8, {
        after: 'present',
      }),
      // Opened at the present and resumed as a browser's EventSource resumes.
      client('org2, like a browser', { orgId: 'org2' }, 9, {
        after: 'present',
        likeEventSource: true,
      }),
    ];

    await Promise.all(round(0, 2));
    await Promise.all(round(1, 2));
    // A job queued behind the next round, which the kill will catch unfinished.
    const watched = await accepted<{ jobId: string }>(
      'org2',
      `/repos/${r2b.repoId}/actions`,
      { action: 'sync_repo' },
    );
    acceptedJobs.push(watched.jobId);
    readers.push(
      client('org2, one job', { orgId: 'org2', jobId: watched.jobId }, 2),
    );
    const inFlight = round(2, 3);
    // The kill comes while clients read and jobs run: once the first of the round is
    // accepted and the busiest client has read on past it.
    await Promise.race(inFlight);
    const busiest = readers[0]!.client;
    await busiest.waitFor(busiest.received.length + 10);
    gate.close();
    expect(await service.kill()).toEqual({ code: null, signal: 'SIGKILL' });
    await Promise.allSettled(inFlight);

    const atKill = readEvents(storeFile);
    const killHead = atKill.at(-1)!.position;
    const ended = new Set(
      atKill.filter((e) => FINAL_JOB_EVENTS.has(e.type)).map((e) => e.streamId),
    );
    // The kill caught jobs unfinished: the restarted service writes their rest.
    expect(
      atKill.filter(
        (e) => e.type === 'RepoActionRequested' && !ended.has(e.streamId),
      ).length,
    ).toBeGreaterThan(0);

    service = await start();
    expect(service.baseUrl).toBe(baseUrl);
    gate.open();
    await Promise.all(round(3, 1));

    // Every job in the store ends and every task settles, including those the restart
    // resumed and any the start-up repaired; then nothing more is written. The file is
    // read beside the running service (read-only; WAL lets a reader in at any time).
    const handled = new Set<string>();
    for (;;) {
      const open = readEvents(storeFile).filter(
        (e) => e.type === 'RepoActionRequested' && !handled.has(e.streamId),
      );
      if (open.length === 0) break;
      await Promise.all(
        open.map(async (e) => {
          handled.add(e.streamId);
          const { orgId, jobId, taskId } = e.data as Record<string, string>;
          await awaitJob(orgId!, jobId!, FINAL_JOB_EVENTS);
          if (taskId !== undefined)
            await awaitJob(orgId!, jobId!, TASK_OUTCOMES);
        }),
      );
    }
    const settled = new EventScopes(toScoped(readEvents(storeFile)));
    const targets = readers.map(
      (r) =>
        settled.visible(r.scope, r.client.startedAfter ?? Infinity).at(-1) ?? 0,
    );
    await Promise.all(readers.map((r, i) => r.client.finishAt(targets[i]!)));
    expect(await service.stop()).toEqual({ code: 0, signal: null });

    // Checked against the store's file once the service has stopped.
    const stored = readEvents(storeFile);
    const scopes = new EventScopes(toScoped(stored));
    const typeAt = new Map(stored.map((e) => [e.position, e.type]));
    for (const jobId of acceptedJobs)
      expect(stored.map((e) => e.streamId)).toContain(`repo-action-${jobId}`);
    readers.forEach(({ name, scope, client: c }, i) => {
      const received = c.received.map((e) => e.id);
      const expected = scopes.visible(
        scope,
        c.startedAfter!,
        Math.max(targets[i]!, c.lastId ?? 0),
      );
      expect({ name, ...resumeReport(received, expected) }).toEqual({
        name,
        missing: [],
        duplicated: [],
        unexpected: [],
        outOfOrder: [],
      });
      expect(received).toEqual(expected);
      expect(c.received.map((e) => e.event)).toEqual(
        received.map((p) => typeAt.get(p)),
      );
      // It was reading when the service died, and read on from the new one.
      expect({ name, broken: c.breaks > 0 }).toEqual({ name, broken: true });
      if (scope.repoId === undefined && scope.jobId === undefined)
        expect({
          name,
          before: received.some((p) => p <= killHead),
          after: received.some((p) => p > killHead),
        }).toEqual({ name, before: true, after: true });
    });
  });
});

function toScoped(events: readonly StoredEvent[]) {
  return events.map((e) => ({ ...e, metadata: { jobId: e.metadata.jobId } }));
}
