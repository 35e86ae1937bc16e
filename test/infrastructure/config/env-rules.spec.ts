import {
  isHostForm,
  isLoopbackHost,
} from '../../../src/infrastructure/config/env-rules';

describe('host rules', () => {
  it.each([
    '127.0.0.1',
    '127.255.255.254',
    'localhost',
    'LOCALHOST',
    '::1',
    '0:0:0:0:0:0:0:1',
    '::ffff:127.0.0.1',
  ])('%s is loopback', (host) => {
    expect(isLoopbackHost(host)).toBe(true);
  });

  it.each([
    '0.0.0.0',
    '::',
    '10.0.0.1',
    '128.0.0.1',
    '::ffff:10.0.0.1',
    '::ffff:7f:1',
    'fe80::1%eth0',
    'localhost.example.com',
    'my-host',
  ])('%s is not loopback', (host) => {
    expect(isLoopbackHost(host)).toBe(false);
  });

  it.each(['127.0.0.1', '::', 'fe80::1', 'my-host', 'a.b-c.example'])(
    '%s is a host',
    (host) => {
      expect(isHostForm(host)).toBe(true);
    },
  );

  it.each([
    '',
    'a b',
    '[::1]',
    'host:80',
    '-host',
    'host-',
    'a..b',
    'x'.repeat(64),
  ])('%j is not a host', (host) => {
    expect(isHostForm(host)).toBe(false);
  });
});
