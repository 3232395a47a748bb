import { DnarchiveError, EXIT_UNRECOVERABLE } from '../../errors.js';

/** A code parameter or shard shape out of range: names the parameter, its value and the rule. */
export class ErasureParameterError extends DnarchiveError {
  constructor(
    readonly parameter: string,
    readonly value: unknown,
    rule: string,
  ) {
    super('ERASURE_PARAMETER', `erasure code: ${parameter} = ${String(value)}: expected ${rule}`);
  }
}

const LIST_MAX = 20;

/**
 * Too few shards of a block survived. `missing` holds the slot indices (0 … k − 1 data,
 * k … k + r − 1 parity); the message names them, or the caller's names for them (strand
 * addresses), and how many more of them would make the block decodable.
 */
export class ErasureCapacityError extends DnarchiveError {
  override readonly exitCode = EXIT_UNRECOVERABLE;
  constructor(
    readonly label: string,
    readonly missing: number[],
    readonly present: number,
    readonly needed: number,
    names?: readonly (string | number)[],
  ) {
    const total = present + missing.length;
    const shown = missing.slice(0, LIST_MAX).map((i) => String(names ? names[i] : i));
    const list = missing.length > LIST_MAX ? `${shown.join(', ')}, … (${missing.length} in all)` : shown.join(', ');
    super(
      'ERASURE_CAPACITY',
      `${label}: ${missing.length} of ${total} shards missing, at most ${total - needed} can be rebuilt; ` +
        `need ${needed - present} more of ${names ? 'strands' : 'slots'} [${list}]`,
    );
  }
}
