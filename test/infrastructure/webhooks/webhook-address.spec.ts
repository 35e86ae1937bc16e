import type { lookup as dnsLookup, LookupAddress } from 'node:dns';
import {
  ADDRESS_NOT_ALLOWED,
  guardedLookup,
  isInternalAddress,
} from '../../../src/infrastructure/webhooks/webhook-address';

/** A resolver that answers every name with the given addresses. */
function resolving(...addresses: string[]): typeof dnsLookup {
  return ((
    _host: string,
    _options: unknown,
    callback: (e: Error | null, a: LookupAddress[]) => void,
  ) =>
    callback(
      null,
      addresses.map((address) => ({
        address,
        family: address.includes(':') ? 6 : 4,
      })),
    )) as unknown as typeof dnsLookup;
}

/** What the guarded lookup answers for `hooks.example.com`: an address, or an error code. */
function answer(
  allowed: readonly string[],
  addresses: string[],
  all = false,
): Promise<string | string[]> {
  const lookup = guardedLookup(allowed, resolving(...addresses));
  return new Promise((resolve) =>
    lookup('hooks.example.com', { all }, (error, address) => {
      if (error) resolve((error).code ?? 'error');
      else
        resolve(
          typeof address === 'string'
            ? address
            : (address).map((a) => a.address),
        );
    }),
  );
}

describe('webhook addresses', () => {
  it.each([
    '127.0.0.1',
    '127.9.9.9',
    '10.1.2.3',
    '172.16.0.1',
    '172.31.255.255',
    '192.168.1.1',
    '169.254.169.254',
    '100.64.0.1',
    '100.127.255.255',
    '0.0.0.0',
    '::',
    '::1',
    'fe80::1',
    'fc00::1',
    'fd12:3456::1',
    '::ffff:127.0.0.1',
    '::ffff:169.254.169.254',
    '::ffff:a00:1',
    'not an address',
  ])('counts %s as internal', (address) => {
    expect(isInternalAddress(address)).toBe(true);
  });

  it.each([
    '93.184.216.34',
    '172.32.0.1',
    '100.128.0.1',
    '169.255.0.1',
    '8.8.8.8',
    '2606:4700::1111',
    '::ffff:8.8.8.8',
  ])('counts %s as public', (address) => {
    expect(isInternalAddress(address)).toBe(false);
  });

  it('resolves a name to public addresses as dns.lookup does, one or all', async () => {
    expect(await answer(['hooks.example.com'], ['93.184.216.34'])).toBe(
      '93.184.216.34',
    );
    expect(
      await answer(
        ['hooks.example.com'],
        ['93.184.216.34', '2606:4700::1'],
        true,
      ),
    ).toEqual(['93.184.216.34', '2606:4700::1']);
  });

  it('refuses a name that resolves to an internal address, any one of them, with a code', async () => {
    for (const addresses of [
      ['127.0.0.1'],
      ['169.254.169.254'],
      ['93.184.216.34', '10.0.0.7'],
      ['::ffff:127.0.0.1'],
      ['fd00::5'],
    ])
      expect(await answer(['hooks.example.com'], addresses)).toBe(
        ADDRESS_NOT_ALLOWED,
      );
  });

  it('lets a name reach an internal address the allow-list names literally, and only that one', async () => {
    const allowed = ['hooks.internal', '10.0.0.5:8443', '[fd00::5]'];
    expect(await answer(allowed, ['10.0.0.5'])).toBe('10.0.0.5');
    expect(await answer(allowed, ['fd00::5'])).toBe('fd00::5');
    expect(await answer(allowed, ['10.0.0.6'])).toBe(ADDRESS_NOT_ALLOWED);
    expect(await answer(allowed, ['10.0.0.5', '127.0.0.1'])).toBe(
      ADDRESS_NOT_ALLOWED,
    );
  });

  it('passes a resolver error on', async () => {
    const failing = ((
      _h: string,
      _o: unknown,
      callback: (e: Error | null) => void,
    ) =>
      callback(
        Object.assign(new Error('no such name'), { code: 'ENOTFOUND' }),
      )) as unknown as typeof dnsLookup;
    const code = await new Promise((resolve) =>
      guardedLookup([], failing)('nowhere.example', {}, (error) =>
        resolve((error as NodeJS.ErrnoException).code),
      ),
    );
    expect(code).toBe('ENOTFOUND');
  });
});
