import { z } from 'zod';
import { DomainError } from '../../../src/domain/domain-error';
import { parseInput } from '../../../src/infrastructure/http/parse-body';

const Body = z.object({ name: z.string(), tags: z.array(z.string()) });

const refusal = (input: unknown): DomainError => {
  try {
    parseInput(Body, input);
  } catch (error) {
    if (error instanceof DomainError) return error;
    throw error;
  }
  throw new Error('accepted');
};

describe('parseInput', () => {
  it('takes text with surrogate pairs, bidi marks and control characters as it is', () => {
    const input = { name: 'a\ud83d\ude00\u202e\u0000', tags: ['\u00e9'] };
    expect(parseInput(Body, input)).toEqual(input);
  });

  it.each([
    ['a lone high surrogate', { name: '\ud800', tags: [] }, 'name'],
    ['a lone low surrogate', { name: 'x\udc00y', tags: [] }, 'name'],
    ['two surrogates out of order', { name: '\udc00\ud800', tags: [] }, 'name'],
    ['one in an array', { name: 'ok', tags: ['ok', 'a\udbff'] }, 'tags.1'],
  ])('refuses %s as REQUEST.INVALID naming the field', (_, input, path) => {
    const error = refusal(input);
    expect(error.code).toBe('REQUEST.INVALID');
    expect(error.details).toEqual({
      issues: [
        { path, message: 'must be Unicode text (it holds a lone surrogate)' },
      ],
    });
  });
});
