import type { z, ZodType, ZodTypeDef } from 'zod';

/**
 * Input that fails its schema, naming the offending fields (the HTTP error table answers it 400 with
 * `details.fields`). Any part validating what a client sent throws it, without knowing about HTTP.
 */
export class InvalidInputError extends Error {
  override readonly name: string = 'InvalidInputError';
  constructor(
    message: string,
    readonly fields: readonly string[],
  ) {
    super(message);
  }
}

function describeIssue(issue: z.ZodIssue): string {
  const field = issue.path.length > 0 ? issue.path.join('.') : 'body';
  if (issue.code === 'invalid_type' && issue.received === 'undefined') return `${field} is required`;
  return `${field}: ${issue.message}`;
}

/** Validates with a zod schema; a failure is an InvalidInputError naming the offending fields. */
export function validate<T>(schema: ZodType<T, ZodTypeDef, unknown>, input: unknown): T {
  const parsed = schema.safeParse(input);
  if (parsed.success) return parsed.data;
  const issues = parsed.error.issues;
  throw new InvalidInputError(issues.map(describeIssue).join('; '), issues.map((i) => i.path.join('.')));
}
