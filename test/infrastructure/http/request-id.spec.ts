import {
  isSaneRequestId,
  requestIdFrom,
} from '../../../src/infrastructure/http/request-id';

const MADE = 'made-here';
const made = () => MADE;

describe('the request id', () => {
  it.each([
    ['a UUID', '0f8fad5b-d9cb-469f-a165-70867728950e'],
    ['one character', 'a'],
    ['letters, digits, dot, underscore, colon and dash', 'Ab9._:-z'],
    ['128 characters', 'x'.repeat(128)],
  ])('is the X-Request-Id sent when it is %s', (_, sent) => {
    expect(isSaneRequestId(sent)).toBe(true);
    expect(requestIdFrom(sent, made)).toBe(sent);
  });

  it.each([
    ['absent', undefined],
    ['empty', ''],
    ['129 characters', 'x'.repeat(129)],
    ['with a space', 'two words'],
    ['with a line break, which could forge a log line', 'a\nb'],
    ['with a quote', 'a"b'],
    ['with a slash', 'a/b'],
    ['not ASCII', 'café'],
    ['sent twice (Node joins them with a comma)', 'a, b'],
    ['an array', ['a', 'b']],
  ])('is made anew when the one sent is %s', (_, sent) => {
    expect(isSaneRequestId(sent)).toBe(false);
    expect(requestIdFrom(sent, made)).toBe(MADE);
  });

  it('is a new UUID each time one is made', () => {
    const a = requestIdFrom(undefined);
    const b = requestIdFrom('not sane!');
    expect(a).toMatch(
      /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/,
    );
    expect(b).toMatch(/^[0-9a-f-]{36}$/);
    expect(a).not.toBe(b);
  });
});
