import type { z } from 'zod';
import { ValidationError } from '../../domain/domain-error';

/**
 * Checks a request body (or query) against a zod schema: the parsed value, or a 400
 * `REQUEST.INVALID` that names every field at fault.
 *
 * A string must also be Unicode text. JSON can carry a lone surrogate (`"\ud800"`), which
 * UTF-8 cannot: SQLite and git would store or see another string than the one decided on,
 * and ids derived from it (a repo's from its name) cannot be computed at all.
 */
export function parseInput<S extends z.ZodType>(
  schema: S,
  input: unknown,
  what = 'body',
): z.infer<S> {
  const result = schema.safeParse(input ?? (what === 'body' ? undefined : {}));
  const issues = result.success
    ? loneSurrogates(result.data)
    : result.error.issues.map((issue) => ({
        path: issue.path.join('.'),
        message: issue.message,
      }));
  if (result.success && issues.length === 0) return result.data;
  throw new ValidationError(
    'REQUEST.INVALID',
    `Invalid request ${what}: ${issues
      .map((i) => (i.path ? `${i.path}: ${i.message}` : i.message))
      .join('; ')}`,
    { issues },
  );
}

const LONE_SURROGATE =
  /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/** The strings of a parsed value (as deep as its schema goes) that hold a lone surrogate. */
function loneSurrogates(
  value: unknown,
  path: string[] = [],
): Array<{ path: string; message: string }> {
  if (typeof value === 'string')
    return LONE_SURROGATE.test(value)
      ? [
          {
            path: path.join('.'),
            message: 'must be Unicode text (it holds a lone surrogate)',
          },
        ]
      : [];
  if (typeof value !== 'object' || value === null) return [];
  return Object.entries(value).flatMap(([key, inner]) =>
    loneSurrogates(inner, [...path, key]),
  );
}
