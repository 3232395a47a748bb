/**
 * Validation at the edges: every option object, header and manifest goes through a zod schema,
 * and a failure becomes one OptionError naming the field, the bad value and the rule.
 */
import type { z } from 'zod';
import { DnarchiveError } from './errors.js';

export class OptionError extends DnarchiveError {
  constructor(
    readonly where: string,
    readonly field: string,
    detail: string,
  ) {
    super('OPTION', `${where}: ${field ? `${field}: ` : ''}${detail}`);
  }
}

export function parseWith<S extends z.ZodType>(schema: S, value: unknown, where: string): z.output<S> {
  const r = schema.safeParse(value);
  if (r.success) return r.data;
  const issue = r.error.issues[0];
  const field = issue.path.map(String).join('.');
  let got = '';
  if (issue.path.length > 0 && value !== null && typeof value === 'object') {
    let v: unknown = value;
    for (const p of issue.path) v = v !== null && typeof v === 'object' ? (v as Record<PropertyKey, unknown>)[p as PropertyKey] : undefined;
    if (v !== undefined) got = ` (got ${JSON.stringify(v)})`;
  }
  throw new OptionError(where, field, `${issue.message}${got}`);
}
