import { DnarchiveError } from '../../errors.js';

export class ErasureParameterError extends DnarchiveError {
  constructor(readonly parameter: string, readonly value: unknown, rule: string) {
    super('ERASURE_PARAMETER', `erasure code: ${parameter} = ${String(value)}: expected ${rule}`);
  }
}

/** Too few shards of a block survived: names the block, the missing slots and how many more are needed. */
export class ErasureCapacityError extends DnarchiveError {
  constructor(
    readonly label: string,
    readonly missing: number[],
    readonly present: number,
    readonly needed: number,
  ) {
    const list = missing.length > 12 ? `${missing.slice(0, 12).join(', ')}, … (${missing.length} in all)` : missing.join(', ');
    super('ERASURE_CAPACITY', `${label}: ${present} of ${present + missing.length} shards present, ${needed} needed — ${needed - present} more required; missing slots ${list}`);
  }
}
