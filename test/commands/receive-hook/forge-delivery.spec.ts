import { randomUUID } from 'node:crypto';
import { readForgeDelivery } from '../../../src/commands/receive-hook/forge-delivery';

const PUSH = Buffer.from(
  JSON.stringify({
    object_kind: 'push',
    ref: 'refs/heads/main',
    before: '1'.repeat(40),
    after: '2'.repeat(40),
    project: { git_http_url: 'https://gitlab.example/acme/demo.git' },
  }),
);
const headers = (more: { idempotencyKey?: string; deliveryId?: string }) => ({
  credential: 'token',
  event: 'Push Hook',
  deliveryId: more.deliveryId,
  idempotencyKey: more.idempotencyKey,
});

describe("reading GitLab's delivery id", () => {
  it('given an Idempotency-Key (stable across retries) and an event UUID, then the key is the delivery id', () => {
    const key = randomUUID();
    const delivery = readForgeDelivery(
      'gitlab',
      headers({ idempotencyKey: key.toUpperCase(), deliveryId: randomUUID() }),
      PUSH,
    );
    expect(delivery.deliveryId).toBe(key);
  });

  it('given no Idempotency-Key (GitLab before 17.4), then the event UUID is', () => {
    const uuid = randomUUID();
    expect(
      readForgeDelivery('gitlab', headers({ deliveryId: uuid }), PUSH)
        .deliveryId,
    ).toBe(uuid);
  });

  it('given an Idempotency-Key that is no UUID, then it is refused by its name', () => {
    expect(() =>
      readForgeDelivery(
        'gitlab',
        headers({ idempotencyKey: 'x', deliveryId: randomUUID() }),
        PUSH,
      ),
    ).toThrow(
      expect.objectContaining({
        code: 'HOOK.INVALID_DELIVERY_ID',
        message: expect.stringContaining('Idempotency-Key') as string,
      }) as Error,
    );
  });

  it('given a GitHub delivery, then an Idempotency-Key is not read', () => {
    const id = randomUUID();
    const delivery = readForgeDelivery(
      'github',
      {
        credential: 'sig',
        event: 'zen',
        deliveryId: id,
        idempotencyKey: randomUUID(),
      },
      Buffer.from('{}'),
    );
    expect(delivery.deliveryId).toBe(id);
  });
});
