import { createHmac } from 'node:crypto';
import {
  signDelivery,
  verifyDelivery,
} from '../../../src/infrastructure/webhooks/webhook-signature';

describe('webhook signatures', () => {
  const body = '{"id":"e1","type":"RepoRegistered"}';

  it('signs "<t>.<body>" with HMAC-SHA256, as a receiver recomputes it', () => {
    const header = signDelivery('s3cret', body, 1_700_000_000);
    const expected = createHmac('sha256', 's3cret')
      .update(`1700000000.${body}`)
      .digest('hex');
    expect(header).toBe(`t=1700000000,v1=${expected}`);
  });

  it('verifies within the tolerance, and refuses another secret, body, time or an old one', () => {
    const header = signDelivery('s3cret', body, 1_700_000_000);
    expect(verifyDelivery('s3cret', body, header, 1_700_000_100)).toBe(true);
    expect(verifyDelivery('other', body, header, 1_700_000_100)).toBe(false);
    expect(verifyDelivery('s3cret', `${body} `, header, 1_700_000_100)).toBe(
      false,
    );
    expect(
      verifyDelivery(
        's3cret',
        body,
        header.replace('t=1700000000', 't=1700000001'),
        1_700_000_100,
      ),
    ).toBe(false);
    expect(verifyDelivery('s3cret', body, header, 1_700_000_301)).toBe(false);
    expect(verifyDelivery('s3cret', body, 'garbage', 1_700_000_000)).toBe(
      false,
    );
  });
});
