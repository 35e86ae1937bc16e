import { withoutSecrets } from '../../../src/domain/events/without-secrets';

describe('withoutSecrets', () => {
  it('drops the sealed secret and keeps the rest, without touching the event', () => {
    const data = { repoId: 'r1', sealedSecret: 'v1.x.y.z', setBy: 'org:a' };
    expect(withoutSecrets(data)).toEqual({ repoId: 'r1', setBy: 'org:a' });
    expect(data.sealedSecret).toBe('v1.x.y.z');
  });

  it('gives back data without one as it is', () => {
    const data = { branch: 'a' };
    expect(withoutSecrets(data)).toBe(data);
    expect(withoutSecrets(null)).toBeNull();
  });
});
