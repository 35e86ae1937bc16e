import { randomBytes, randomUUID } from 'node:crypto';
import { ReceiveHookCommand } from '../../../src/commands/receive-hook/receive-hook.command';
import { ReceiveHookHandler } from '../../../src/commands/receive-hook/receive-hook.handler';
import { webhookSecretContext } from '../../../src/domain/repo/webhook-secret';
import {
  hookDeliveryStream,
  jobStream,
  repoStream,
} from '../../../src/domain/streams';
import { githubSignatureOf } from '../../../src/infrastructure/hooks/hook-signature';
import {
  secretBox,
  type SecretBox,
} from '../../../src/infrastructure/secrets/secret-box';
import { aGithubPush } from '../../support/github-hook';
import { holdingAppendsTo } from '../../support/holding-appends';
import {
  aCommandFixture,
  answerTo,
  type CommandFixture,
} from '../../support/command-fixture';

const SECRET = `hook-secret-${randomUUID()}`;
const REPO = {
  repoId: 'repo-1',
  orgId: 'org-1',
  name: 'demo',
  remoteUrl: 'https://github.example/acme/demo.git',
  trunk: 'main',
};

/** A repo registered with the secret sealed in `box`. */
async function aRepoWithSecret(fx: CommandFixture, box: SecretBox) {
  await fx.store.appendToStream(
    repoStream(REPO.repoId),
    [
      { type: 'RepoRegistered', data: REPO },
      {
        type: 'RepoWebhookSecretSet',
        data: {
          sealedSecret: box.seal(SECRET, webhookSecretContext(REPO.repoId)),
        },
      },
    ].map((e) => ({
      ...e,
      metadata: { orgId: REPO.orgId, repoId: REPO.repoId },
    })),
    { expectedVersion: 'no_stream' },
  );
  fx.repos.add(REPO);
}

/** A signed push to trunk, as GitHub sends it. */
function aTrunkPush(deliveryId = randomUUID()): ReceiveHookCommand {
  const body = JSON.stringify(
    aGithubPush({
      ref: 'refs/heads/main',
      before: '1'.repeat(40),
      after: '2'.repeat(40),
      cloneUrl: REPO.remoteUrl,
    }),
  );
  return new ReceiveHookCommand(
    'github',
    REPO.repoId,
    {
      credential: githubSignatureOf(SECRET, body),
      deliveryId,
      event: 'push',
    },
    Buffer.from(body),
  );
}

async function recorded(fx: CommandFixture, type: string) {
  const { events } = await fx.store.readAll({ filter: { types: [type] } });
  return events;
}

describe('receiving a GitHub push', () => {
  it("given a copy of a delivery reserved its job and that job started before the copy's record, when the other copy is received, then it answers the same job and no second job is requested", async () => {
    const fx = aCommandFixture();
    const box = secretBox(randomBytes(32));
    await aRepoWithSecret(fx, box);
    const push = aTrunkPush();
    let release!: () => void;
    const held = holdingAppendsTo(
      fx.store,
      hookDeliveryStream(REPO.repoId, push.headers.deliveryId!),
      new Promise((resolve) => (release = resolve)),
    );
    const first = new ReceiveHookHandler(held.store, fx.clock, box, fx.repos);
    const second = new ReceiveHookHandler(fx.store, fx.clock, box, fx.repos);

    // The first copy reserved and requested its job, and waits to record the delivery.
    const firstAnswer = first.execute(push);
    await held.tried;
    const [request] = await recorded(fx, 'RepoActionRequested');
    const jobId = (request!.data as { jobId: string }).jobId;
    await fx.store.appendToStream(
      jobStream(jobId),
      [{ type: 'RepoActionStarted', data: { attempt: 1, worker: 'w' } }],
      { expectedVersion: 0 },
    );
    const secondAnswer = await second.execute(push);
    release();

    expect(secondAnswer).toMatchObject({
      jobId,
      outcome: 'sync_queued',
      duplicate: false,
    });
    expect(await firstAnswer).toEqual({ ...secondAnswer, duplicate: true });
    expect(await recorded(fx, 'RepoActionRequested')).toHaveLength(1);
    expect(await recorded(fx, 'WebhookDeliveryReceived')).toHaveLength(1);
  });

  it('given the secret was sealed under another key, when a correctly signed push comes, then it is the 401 of a wrong signature and nothing is recorded', async () => {
    const fx = aCommandFixture();
    await aRepoWithSecret(fx, secretBox(randomBytes(32)));
    const head = await fx.store.headPosition();
    const handler = new ReceiveHookHandler(
      fx.store,
      fx.clock,
      secretBox(randomBytes(32)),
      fx.repos,
    );

    expect(await answerTo(handler.execute(aTrunkPush()))).toEqual({
      status: 401,
      code: 'HOOK.UNAUTHORIZED',
    });
    expect(await fx.store.headPosition()).toBe(head);
  });
});
