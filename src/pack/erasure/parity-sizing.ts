/**
 * How much parity a block needs (pool.md, layer 2: "sized from the expected dropout"). Each of the
 * k + r shards of a block is lost independently with probability p, so the block fails when more
 * than r are lost: P_fail(r) = P[Binomial(k + r, p) > r]. parityForLoss returns the smallest r with
 * P_fail(r) ≤ target.
 *
 * P_fail is non-increasing in r: with X_{n+1} = X_n + B (B the new shard's loss, 0 or 1),
 * X_n + B > r + 1 implies X_n > r. So the smallest r is found by doubling then bisection.
 *
 * The tail is computed in log space: log pmf(i) = lnC(n, i) + i ln p + (n − i) ln(1 − p) with
 * lnC from a table of ln i! (running sums of ln i in doubles: absolute error below ~1e-10 for
 * n ≤ 65535, i.e. a relative error below ~1e-10 on the probability — far finer than any target).
 * The sum always runs over terms that shrink away from the start, so nothing overflows and the
 * sum stops once a term is below 2^-60 of it:
 *   - t at or past the mode ⌊(n + 1)p⌋: P[X > t] = Σ_{i>t} pmf(i), walking up from t + 1;
 *   - t below the mode: P[X > t] = 1 − Σ_{i≤t} pmf(i), walking down from t.
 * Each step is the exact ratio pmf(i+1)/pmf(i) = (n − i)p / ((i + 1)(1 − p)).
 */
import { ErasureParameterError } from './errors.js';
import { MAX_SHARDS } from './reed-solomon.js';

let lnFact = new Float64Array([0]);

/** ln n! for 0 ≤ n ≤ MAX_SHARDS, the table grown on demand. */
function lnFactorial(n: number): number {
  if (n >= lnFact.length) {
    const size = Math.min(MAX_SHARDS + 1, Math.max(n + 1, 2 * lnFact.length));
    const t = new Float64Array(size);
    t.set(lnFact);
    for (let i = lnFact.length; i < size; i++) t[i] = t[i - 1] + Math.log(i);
    lnFact = t;
  }
  return lnFact[n];
}

const RELATIVE_STOP = 2 ** -60;

/** P[X > t] for X ~ Binomial(n, p), n ≤ MAX_SHARDS. */
export function binomialTailAbove(n: number, p: number, t: number): number {
  if (!Number.isInteger(n) || n < 0 || n > MAX_SHARDS) throw new ErasureParameterError('binomial n', n, `an integer in [0, ${MAX_SHARDS}]`);
  if (!(p >= 0 && p <= 1)) throw new ErasureParameterError('loss probability', p, 'a number in [0, 1]');
  if (t < 0) return 1;
  if (t >= n) return 0;
  t = Math.floor(t);
  if (p === 0) return 0;
  if (p === 1) return 1;
  const lp = Math.log(p);
  const lq = Math.log1p(-p);
  const odds = p / (1 - p);
  const logPmf = (i: number): number => lnFactorial(n) - lnFactorial(i) - lnFactorial(n - i) + i * lp + (n - i) * lq;
  const mode = Math.floor((n + 1) * p);
  if (t >= mode) {
    // Σ_{i>t} pmf(i) = pmf(t+1) · Σ ρ, ρ the running product of ratios (1 at i = t + 1).
    let rel = 1;
    let sum = 1;
    for (let i = t + 1; i < n; i++) {
      rel *= ((n - i) * odds) / (i + 1);
      sum += rel;
      if (rel < sum * RELATIVE_STOP) break;
    }
    return Math.min(1, Math.exp(logPmf(t + 1) + Math.log(sum)));
  }
  let rel = 1;
  let sum = 1;
  for (let i = t; i > 0; i--) {
    rel *= i / ((n - i + 1) * odds); // pmf(i − 1) / pmf(i)
    sum += rel;
    if (rel < sum * RELATIVE_STOP) break;
  }
  return Math.max(0, 1 - Math.exp(logPmf(t) + Math.log(sum)));
}

/**
 * Smallest r with P[Binomial(k + r, p) > r] ≤ target: the parity per block of k data shards that
 * keeps the block's failure probability at or below `target` (default 1e-9) when each shard is
 * lost with probability p.
 */
export function parityForLoss(k: number, p: number, target = 1e-9): number {
  if (!Number.isInteger(k) || k < 1 || k >= MAX_SHARDS) throw new ErasureParameterError('k (data shards)', k, `an integer in [1, ${MAX_SHARDS - 1}]`);
  if (!(p >= 0 && p < 1)) throw new ErasureParameterError('loss probability', p, 'a number in [0, 1)');
  if (!(target > 0 && target < 1)) throw new ErasureParameterError('failure target', target, 'a probability in (0, 1)');
  const fails = (r: number): boolean => binomialTailAbove(k + r, p, r) > target;
  if (!fails(0)) return 0;
  const rMax = MAX_SHARDS - k;
  let hi = 1;
  while (hi < rMax && fails(hi)) hi = Math.min(rMax, 2 * hi);
  if (fails(hi)) {
    throw new ErasureParameterError(
      'loss probability',
      p,
      `low enough for blocks of ${k} data shards to fail with probability <= ${target} within ${MAX_SHARDS} shards; use smaller blocks`,
    );
  }
  let lo = hi >> 1; // fails(lo): lo = 0 was checked, and the doubling passed every lo
  while (hi - lo > 1) {
    const mid = (lo + hi) >> 1;
    if (fails(mid)) lo = mid;
    else hi = mid;
  }
  return hi;
}
