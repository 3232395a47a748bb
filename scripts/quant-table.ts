/**
 * The README's quantizer table: stories260K at all-in budgets 2.5, 3.0 and 4.0 bits/weight, RTN
 * uniform, GPTQ uniform and GPTQ + allocated widths, evaluated on the last 9 stories against fp32.
 * Usage: `npx tsx scripts/quant-table.ts [--budgets 3.0,4.0] [--methods rtn,gptq,alloc] [--tune 800]`
 * (`--tune N`: each method also with N steps of quantization-aware fine-tuning, `--tune` of the CLI)
 */
import { parseArgs } from 'node:util';
import { evaluate, quantizeModel, readLlama2c, readStories, readTokenizer, dnqAccounting } from '../src/quant/index.js';

import { MODEL, TEXT, TOKENIZER } from '../bench/_fixtures.js';
const { values } = parseArgs({
  options: {
    budgets: { type: 'string', default: '2.5,3.0,4.0' },
    methods: { type: 'string', default: 'rtn,gptq,alloc,ecsq' },
    tune: { type: 'string', default: '0' },
  },
});
const model = readLlama2c(MODEL);
const tokenizer = readTokenizer(TOKENIZER, model.config.vocabSize);
const split = readStories(TEXT);
const kinds = {
  rtn: { label: 'RTN uniform', method: 'rtn', allocate: false },
  gptq: { label: 'GPTQ uniform', method: 'gptq', allocate: false },
  alloc: { label: 'GPTQ + allocated widths', method: 'gptq', allocate: true },
  ecsq: { label: 'GPTQ + ECSQ, entropy-coded (archive mode)', method: 'gptq', allocate: true, entropy: true },
} as const;
console.log('| all-in budget | method | layout | achieved bits/weight | perplexity | KL to fp32 (nats) | top-1 agreement | seconds |');
console.log('|---|---|---|---|---|---|---|---|');
for (const budget of values.budgets!.split(',').map(Number)) {
  for (const k of values.methods!.split(',') as (keyof typeof kinds)[]) {
    const kind = kinds[k];
    const t0 = performance.now();
    const tune = Number(values.tune);
    const q = await quantizeModel(model, tokenizer, split.calibration, {
      method: kind.method,
      budgetBitsPerWeight: budget,
      allocate: kind.allocate,
      entropy: 'entropy' in kind,
      ...(tune > 0 ? { tune: { steps: tune } } : {}),
    });
    const seconds = (performance.now() - t0) / 1000;
    const e = evaluate(model, q.model, tokenizer, split.evaluation);
    const layout = 'entropy' in kind ? 'per-column steps' : q.uniform ? `${q.uniform.bits}-bit, groups of ${q.uniform.groupSize}` : `groups of ${q.groupSize}`;
    const acc = dnqAccounting(q.dnq);
    console.log(
      `| ${budget.toFixed(1)} | ${kind.label}${q.tune ? ` + fine-tuned (${q.tune.steps} steps, ${q.tune.tokens} tokens, ${q.tune.changedCodes} codes changed${q.tune.changedScales ? `, ${q.tune.changedScales} scales moved` : ''}${q.tune.revertedCodes ? `, ${q.tune.revertedCodes} undone` : ''}${q.tune.improved ? '' : ', not kept'})` : ''} | ${layout} | ${q.bitsPerWeight.toFixed(3)} (${acc.quantized.bitsPerWeight.toFixed(3)} with padding) | ${e.perplexity.toFixed(3)} | ${e.meanKl.toFixed(3)} | ${(100 * e.top1Agreement).toFixed(1)} % | ${seconds.toFixed(1)} |`,
    );
  }
}
