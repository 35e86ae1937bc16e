import type { CommandBus } from '@nestjs/cqrs';
import { RegisterRepoCommand } from '../../../src/commands/register-repo/register-repo.command';
import { RegisterRepoHandler } from '../../../src/commands/register-repo/register-repo.handler';
import { RequestJobCommand } from '../../../src/commands/request-job/request-job.command';
import { RequestJobHandler } from '../../../src/commands/request-job/request-job.handler';
import {
  JOB_STREAM_PREFIX,
  jobStream,
  repoStream,
} from '../../../src/domain/streams';
import { RepoDirectory } from '../../../src/infrastructure/repo-directory/repo-directory';
import { secretBox } from '../../../src/infrastructure/secrets/secret-box';
import { aRepoRegistered } from '../../builders/repo.builders';
import {
  aCommandFixture,
  answerTo,
  type CommandFixture,
  eventsOfStreams,
  NOW,
} from '../../support/command-fixture';

/**
 * The command bus as the registering handler uses it: it sends one `RequestJobCommand`,
 * which this stand-in hands to a `RequestJobHandler` and notes.
 */
function aCommandBusRunning(requestJob: RequestJobHandler): {
  bus: CommandBus;
  sent: unknown[];
} {
  const sent: unknown[] = [];
  const bus = {
    execute(command: unknown) {
      sent.push(command);
      return command instanceof RequestJobCommand
        ? requestJob.execute(command)
        : Promise.reject(new Error('no handler for this command'));
    },
  };
  return { bus: bus as unknown as CommandBus, sent };
}

const DEMO = aRepoRegistered().data;
const BOX = secretBox(Buffer.alloc(32, 7));

describe('RegisterRepoHandler', () => {
  let fx: CommandFixture;
  let sent: unknown[];
  let handler: RegisterRepoHandler;

  /** A handler over the fixture's store with its own directory (another instance). */
  const aHandler = (repos: RepoDirectory) => {
    const commands = aCommandBusRunning(
      new RequestJobHandler(fx.store, fx.clock, repos),
    );
    sent = commands.sent;
    return new RegisterRepoHandler(
      fx.store,
      fx.clock,
      repos,
      commands.bus,
      BOX,
    );
  };

  beforeEach(() => {
    fx = aCommandFixture();
    handler = aHandler(fx.repos);
  });

  afterEach(async () => {
    await fx.store.close();
  });

  const register = (
    overrides: Partial<typeof DEMO> = {},
    by: RegisterRepoHandler = handler,
    requestId?: string,
  ) => {
    const { orgId, name, remoteUrl, trunk } = { ...DEMO, ...overrides };
    return by.execute(
      new RegisterRepoCommand(
        orgId,
        name,
        remoteUrl,
        trunk,
        undefined,
        requestId,
      ),
    );
  };

  it('given nothing registered, when a repo is registered, then its registration is appended with the metadata of the request', async () => {
    const result = await register();

    const stream = await fx.store.readStream(repoStream(result.repoId));
    expect(
      stream.map(({ type, data, metadata }) => ({ type, data, metadata })),
    ).toEqual([
      {
        type: 'RepoRegistered',
        data: {
          repoId: result.repoId,
          orgId: DEMO.orgId,
          name: DEMO.name,
          remoteUrl: DEMO.remoteUrl,
          trunk: DEMO.trunk,
        },
        metadata: {
          correlationId: result.repoId,
          actor: `org:${DEMO.orgId}`,
          orgId: DEMO.orgId,
          repoId: result.repoId,
          at: NOW,
        },
      },
    ]);
    expect(result.stream).toEqual(stream);
  });

  it('given a repo registered, then commands know it at once, for its org only', async () => {
    const { repoId } = await register();

    expect(fx.repos.find(DEMO.orgId, repoId)).toMatchObject({
      repoId,
      name: DEMO.name,
      trunk: DEMO.trunk,
    });
    expect(fx.repos.find('org-2', repoId)).toBeUndefined();
  });

  it('given a repo registered, then its first sync_repo job is queued through the command bus', async () => {
    const { repoId, initialJob } = await register();

    expect(sent).toEqual([
      new RequestJobCommand(
        DEMO.orgId,
        repoId,
        { action: 'sync_repo' },
        undefined,
      ),
    ]);
    expect(initialJob.replayed).toBe(false);
    const job = await fx.store.readStream(jobStream(initialJob.jobId));
    expect(job).toEqual(initialJob.stream);
    expect(job.map((e) => e.data)).toEqual([
      {
        jobId: initialJob.jobId,
        orgId: DEMO.orgId,
        repoId,
        action: 'sync_repo',
      },
    ]);
  });

  it("given a repo registered in an HTTP request, then its registration and its first job's request carry the request's id as their correlation id", async () => {
    const { repoId, initialJob } = await register({}, handler, 'req-1');

    const events = [
      ...(await fx.store.readStream(repoStream(repoId))),
      ...(await fx.store.readStream(jobStream(initialJob.jobId))),
    ];
    expect(events.map((e) => [e.type, e.metadata.correlationId])).toEqual([
      ['RepoRegistered', 'req-1'],
      ['RepoActionRequested', 'req-1'],
    ]);
  });

  it('given a repo registered, when another org registers the same name, then it is another repo', async () => {
    const first = await register();

    const other = await register({ orgId: 'org-2' });

    expect(other.repoId).not.toBe(first.repoId);
    expect(fx.repos.find('org-2', other.repoId)).toBeDefined();
  });

  it('given a repo registered, when the org registers the name again, then 409, nothing appended and no second job', async () => {
    await register();
    const head = await fx.store.headPosition();

    expect(
      await answerTo(register({ remoteUrl: '/srv/git/other.git' })),
    ).toEqual({ status: 409, code: 'REPO.ALREADY_REGISTERED' });
    expect(await fx.store.headPosition()).toBe(head);
    expect(sent).toHaveLength(1);
  });

  it('given a repo registered by another instance, when registered here, then 409 from the stored registration', async () => {
    await register({}, aHandler(new RepoDirectory(fx.store)));
    const here = aHandler(fx.repos);

    expect(await answerTo(register({}, here))).toEqual({
      status: 409,
      code: 'REPO.ALREADY_REGISTERED',
    });
    expect(sent).toEqual([]);
    expect(await eventsOfStreams(fx.store, JOB_STREAM_PREFIX)).toHaveLength(1);
  });

  it.each([
    ['an invalid name', { name: ' demo' }, 'REPO.INVALID_NAME'],
    [
      'an invalid remote URL',
      { remoteUrl: 'ext::sh -c id' },
      'REPO.INVALID_REMOTE_URL',
    ],
    ['an invalid trunk', { trunk: 'a..b' }, 'BRANCH.INVALID_NAME'],
  ])(
    'given %s, when registered, then 400, nothing appended and no job',
    async (_, overrides, code) => {
      expect(await answerTo(register(overrides))).toEqual({
        status: 400,
        code,
      });
      expect(await fx.store.headPosition()).toBe(0);
      expect(sent).toEqual([]);
    },
  );
  it('given a webhook secret, when a repo is registered, then the secret is recorded sealed for that repo only, in the same append', async () => {
    const plain = 'a-webhook-secret-0123456789';
    const { repoId } = await handler.execute(
      new RegisterRepoCommand(
        DEMO.orgId,
        DEMO.name,
        DEMO.remoteUrl,
        DEMO.trunk,
        plain,
      ),
    );

    const stream = await fx.store.readStream(repoStream(repoId));
    expect(stream.map((e) => e.type)).toEqual([
      'RepoRegistered',
      'RepoWebhookSecretSet',
    ]);
    expect(JSON.stringify(stream)).not.toContain(plain);
    const { sealedSecret } = stream[1]!.data as { sealedSecret: string };
    expect(BOX.open(sealedSecret, `repo-webhook:${repoId}`)).toBe(plain);
    expect(() => BOX.open(sealedSecret, 'repo-webhook:another')).toThrow();
  });

  it.each([
    ['too short', 'short-secret'],
    ['too long', 'x'.repeat(257)],
    ['with a space', 'a secret with spaces in it'],
  ])(
    'given a webhook secret %s, when registered, then 400 REPO.INVALID_WEBHOOK_SECRET and nothing appended',
    async (_, secret) => {
      const answer = await answerTo(
        handler.execute(
          new RegisterRepoCommand(
            DEMO.orgId,
            DEMO.name,
            DEMO.remoteUrl,
            DEMO.trunk,
            secret,
          ),
        ),
      );
      expect(answer).toEqual({
        status: 400,
        code: 'REPO.INVALID_WEBHOOK_SECRET',
      });
      expect(await fx.store.headPosition()).toBe(0);
    },
  );
});
