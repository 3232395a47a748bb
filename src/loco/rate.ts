/** Rate of a code configuration against the run-limited channel's capacity (spec dloco.md §2). */
import { capacity, log2Big } from './cardinality.js';
import { BRIDGE_LAYOUT, type BridgeScheme } from './bridge.js';
import { locoCode } from './code.js';

export interface RateReport {
  m: number;
  ell: number;
  bridge: BridgeScheme;
  balance: boolean;
  /** N(m) in decimal. */
  cardinality: string;
  /** log2 N(m): the code's information content per codeword. */
  log2Cardinality: number;
  /** Message bits carried per codeword. */
  bitsPerCodeword: number;
  /** Symbols per codeword including its share of bridging (long-strand limit). */
  ntPerCodeword: number;
  /** bitsPerCodeword / ntPerCodeword. */
  bitsPerNt: number;
  /** log2 N(m) / m: the code rate before message rounding, balancing and bridges. */
  codeRate: number;
  capacity: number;
  /** bitsPerNt / capacity. */
  capacityRatio: number;
}

export function rateReport(m: number, ell: number, bridge: BridgeScheme = 'check2', balance = true): RateReport {
  const code = locoCode(m, ell);
  const bits = code.bits - (balance ? 1 : 0);
  const nt = m + BRIDGE_LAYOUT[bridge].length;
  const cap = capacity(ell);
  const lg = log2Big(code.size);
  return {
    m,
    ell,
    bridge,
    balance,
    cardinality: code.size.toString(),
    log2Cardinality: lg,
    bitsPerCodeword: bits,
    ntPerCodeword: nt,
    bitsPerNt: bits / nt,
    codeRate: lg / m,
    capacity: cap,
    capacityRatio: bits / nt / cap,
  };
}
