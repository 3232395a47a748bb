/** out[o0 …] = log-softmax of z[i0 …] over n entries, the sums in f64 (evaluation, importance probe and fine-tuning share it). */
export function logSoftmaxInto(z: Float32Array, i0: number, n: number, out: Float32Array | Float64Array, o0: number): void {
  let max = -Infinity;
  for (let i = 0; i < n; i++) if (z[i0 + i] > max) max = z[i0 + i];
  let sum = 0;
  for (let i = 0; i < n; i++) sum += Math.exp(z[i0 + i] - max);
  const lz = Math.log(sum) + max;
  for (let i = 0; i < n; i++) out[o0 + i] = z[i0 + i] - lz;
}
