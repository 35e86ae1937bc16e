import type { z } from 'zod';
import { ValidationError } from '../../domain/domain-error';

/**
 * Checks a request body (or query) against a zod schema: the parsed value, or a 400
 * `REQUEST.INVALID` that names every field at fault.
 */
export function parseInput<S extends z.ZodType>(
  schema: S,
  input: unknown,
  what = 'body',
): z.infer<S> {
  const result = schema.safeParse(input ?? (what === 'body' ? undefined : {}));
  if (result.success) return result.data;
  const issues = result.error.issues.map((issue) => ({
    path: issue.path.join('.'),
    message: issue.message,
  }));
  throw new ValidationError(
    'REQUEST.INVALID',
    `Invalid request ${what}: ${issues
      .map((i) => (i.path ? `${i.path}: ${i.message}` : i.message))
      .join('; ')}`,
    { issues },
  );
}
