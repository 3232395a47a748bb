/**
 * Adam (Kingma & Ba) on one f32 parameter array, its moments in f64. The learning rate may be one
 * number or one per element (quantized weights move in units of their own grid step).
 *
 * Per-element second moments cap how far any weight moves per step (about the rate), which is
 * what keeps straight-through latents from overshooting: with one shared scale per matrix
 * (tried), weights with heavy-tailed gradients jumped several grid steps at once and the KL rose
 * at every rate tried.
 */
export class Adam {
  private readonly m: Float64Array;
  private readonly v: Float64Array;
  private t = 0;

  constructor(
    readonly param: Float32Array,
    readonly beta1 = 0.9,
    readonly beta2 = 0.999,
    readonly eps = 1e-8,
  ) {
    this.m = new Float64Array(param.length);
    this.v = new Float64Array(param.length);
  }

  /** One step with gradient g; the effective rate is lr · rate[i] (rate omitted: 1). */
  step(g: Float32Array, lr: number, rate?: Float32Array): void {
    this.t++;
    const { m, v, param, beta1, beta2, eps } = this;
    const c1 = 1 - Math.pow(beta1, this.t);
    const c2 = 1 - Math.pow(beta2, this.t);
    for (let i = 0; i < param.length; i++) {
      const gi = g[i];
      m[i] = beta1 * m[i] + (1 - beta1) * gi;
      v[i] = beta2 * v[i] + (1 - beta2) * gi * gi;
      const step = m[i] / c1 / (Math.sqrt(v[i] / c2) + eps);
      param[i] -= (rate === undefined ? lr : lr * rate[i]) * step;
    }
  }
}
