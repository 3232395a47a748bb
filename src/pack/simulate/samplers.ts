/**
 * Random variates for the channel, from uniform 32-bit draws: standard normal (Box–Muller),
 * Poisson (inversion below λ = 10, Hörmann's PTRS transformed rejection at and above 10, both
 * exact), geometric gaps between error events, and integers below n with 53-bit resolution.
 *
 * Determinism: only +, ×, ÷, Math.sqrt (correctly rounded by IEEE 754) and Math.log, Math.log1p,
 * Math.exp, Math.cos are used. V8 computes the last four with its own port of fdlibm, not the C
 * library, so one Node version gives the same bits on every platform; a V8 update could in
 * principle move a last bit, which would only matter on an exact tie at a sampling threshold.
 */

/** A source of uniform uint32 values (src/random.ts Rng, or the per-read generator). */
export interface U32Source {
  nextU32(): number;
}

const TWO32 = 4294967296;

/** Uniform in (0, 1]: never 0, so its logarithm is finite. */
export function openUnit(rng: U32Source): number {
  return (rng.nextU32() + 1) / TWO32;
}

/** Uniform in (0, 1), centred in its 2^-32 cell. */
export function midUnit(rng: U32Source): number {
  return (rng.nextU32() + 0.5) / TWO32;
}

/** Standard normal by Box–Muller; the sine partner is dropped so that no state is carried. */
export function normal(rng: U32Source): number {
  const r = Math.sqrt(-2 * Math.log(openUnit(rng)));
  return r * Math.cos((2 * Math.PI * rng.nextU32()) / TWO32);
}

/** Uniform integer in [0, n), 53-bit resolution so that shuffles of ~10^8 items stay unbiased. */
export function below(rng: U32Source, n: number): number {
  if (n <= 65536) return Math.floor((rng.nextU32() / TWO32) * n);
  const u = (rng.nextU32() * 2097152 + (rng.nextU32() >>> 11)) / 9007199254740992;
  return Math.floor(u * n);
}

const LOG_FACT_TABLE = 256;
const logFact = new Float64Array(LOG_FACT_TABLE);
for (let k = 2; k < LOG_FACT_TABLE; k++) logFact[k] = logFact[k - 1] + Math.log(k);
const HALF_LOG_2PI = 0.5 * Math.log(2 * Math.PI);

/** ln k!: a table below 256, Stirling's series (error < 1/(1260 k^5)) above. */
export function logFactorial(k: number): number {
  if (k < LOG_FACT_TABLE) return logFact[k];
  const inv = 1 / k;
  return (k + 0.5) * Math.log(k) - k + HALF_LOG_2PI + inv / 12 - (inv * inv * inv) / 360;
}

/** Poisson(λ). Inversion (sequential search of the CDF) below 10; PTRS from 10 up. */
export function poisson(rng: U32Source, lambda: number): number {
  if (!(lambda > 0)) return 0;
  if (lambda < 10) return poissonInversion(rng, lambda);
  return poissonPtrs(rng, lambda);
}

function poissonInversion(rng: U32Source, lambda: number): number {
  const u = midUnit(rng);
  let p = Math.exp(-lambda);
  let cdf = p;
  let k = 0;
  // The cap only matters if rounding left the summed CDF a hair below u at the far tail.
  while (u > cdf && k < 200) {
    k++;
    p *= lambda / k;
    cdf += p;
  }
  return k;
}

/**
 * W. Hörmann, "The transformed rejection method for generating Poisson random variables",
 * Insurance: Mathematics and Economics 12 (1993) 39–45, algorithm PTRS (valid for λ ≥ 10): a
 * transformed-rejection proposal with a squeeze accepting ~90 % of draws without a logarithm,
 * and an exact acceptance test against the Poisson pmf otherwise.
 */
function poissonPtrs(rng: U32Source, lambda: number): number {
  const slam = Math.sqrt(lambda);
  const logLam = Math.log(lambda);
  const b = 0.931 + 2.53 * slam;
  const a = -0.059 + 0.02483 * b;
  const logInvAlpha = Math.log(1.1239 + 1.1328 / (b - 3.4));
  const vr = 0.9277 - 3.6224 / (b - 2);
  for (;;) {
    const u = midUnit(rng) - 0.5;
    const v = midUnit(rng);
    const us = 0.5 - Math.abs(u);
    const k = Math.floor(((2 * a) / us + b) * u + lambda + 0.43);
    if (us >= 0.07 && v <= vr) return k;
    if (k < 0 || (us < 0.013 && v > us)) continue;
    if (Math.log(v) + logInvAlpha - Math.log(a / (us * us) + b) <= -lambda + k * logLam - logFactorial(k)) return k;
  }
}

/**
 * Positions skipped before the next event of a per-position Bernoulli(p) process:
 * floor(ln U / ln(1 − p)) with U in (0, 1], so P(gap = g) = (1 − p)^g · p. Returns Infinity for
 * p = 0. Callers pass logOneMinusP = Math.log1p(−p), computed once.
 */
export function geometricGap(rng: U32Source, logOneMinusP: number): number {
  if (logOneMinusP === 0) return Infinity;
  return Math.floor(Math.log(openUnit(rng)) / logOneMinusP);
}
