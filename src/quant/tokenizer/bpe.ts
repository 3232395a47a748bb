/**
 * llama2.c's BPE merge (run.c `encode`, spec quant.md §10.3): repeatedly merge the adjacent pair
 * whose concatenation is a vocabulary piece with the highest score, the leftmost pair on ties,
 * until no pair merges. run.c rescans the whole sequence per merge (quadratic); here a binary heap
 * of candidate pairs keyed (score desc, left position asc) over a doubly linked list picks the same
 * pair every step in O(n log n). A popped candidate is stale when either side has died or changed
 * id since it was pushed; a position's piece only ever lengthens, so an id never recurs there.
 */

/** Pair (left id, right id) → merged id and its score, built once per vocabulary. */
export interface MergeTable {
  readonly vocabSize: number;
  /** key left·vocabSize + right → merged id. */
  readonly merged: Map<number, number>;
  readonly scores: Float32Array;
}

/** run.c starts its best score at −1e10 with a strict `>`: pieces scoring that low never merge. */
const NEVER = -1e10;

/**
 * Every way to split each piece into two pieces of the vocabulary. `lookup` maps a piece's bytes
 * (as a latin1 string) to the id run.c's lookup finds for it.
 */
export function buildMergeTable(pieces: readonly string[], lookup: ReadonlyMap<string, number>, scores: Float32Array): MergeTable {
  const V = pieces.length;
  const merged = new Map<number, number>();
  for (let m = 0; m < V; m++) {
    const p = pieces[m];
    if (lookup.get(p) !== m || !(scores[m] > NEVER)) continue;
    for (let k = 1; k < p.length; k++) {
      const a = lookup.get(p.slice(0, k));
      const b = lookup.get(p.slice(k));
      if (a !== undefined && b !== undefined) merged.set(a * V + b, m);
    }
  }
  return { vocabSize: V, merged, scores };
}

/** Merge `ids` in place (as run.c would) and return the merged sequence. */
export function mergePairs(table: MergeTable, ids: readonly number[]): number[] {
  const n = ids.length;
  if (n < 2) return ids.slice();
  const { merged, scores, vocabSize: V } = table;
  const id = Int32Array.from(ids);
  const next = new Int32Array(n);
  const prev = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    next[i] = i + 1 < n ? i + 1 : -1;
    prev[i] = i - 1;
  }
  // Candidate entries (left position, left id, right id, score) and a heap of entry indices.
  // Each merge pushes at most two candidates, so 3n entries suffice.
  const cap = 3 * n;
  const eLeft = new Int32Array(cap);
  const eA = new Int32Array(cap);
  const eB = new Int32Array(cap);
  const eScore = new Float64Array(cap);
  const heap = new Int32Array(cap);
  let entries = 0;
  let size = 0;
  const before = (x: number, y: number): boolean => eScore[x] > eScore[y] || (eScore[x] === eScore[y] && eLeft[x] < eLeft[y]);
  const push = (left: number): void => {
    const right = next[left];
    if (right < 0) return;
    const m = merged.get(id[left] * V + id[right]);
    if (m === undefined) return;
    const e = entries++;
    eLeft[e] = left;
    eA[e] = id[left];
    eB[e] = id[right];
    eScore[e] = scores[m];
    let i = size++;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!before(e, heap[parent])) break;
      heap[i] = heap[parent];
      i = parent;
    }
    heap[i] = e;
  };
  const pop = (): number => {
    const top = heap[0];
    const last = heap[--size];
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= size) break;
      const c = l + 1 < size && before(heap[l + 1], heap[l]) ? l + 1 : l;
      if (!before(heap[c], last)) break;
      heap[i] = heap[c];
      i = c;
    }
    if (size > 0) heap[i] = last;
    return top;
  };
  const dead = new Uint8Array(n);
  for (let i = 0; i + 1 < n; i++) push(i);
  while (size > 0) {
    const e = pop();
    const left = eLeft[e];
    const right = next[left];
    if (dead[left] || right < 0 || id[left] !== eA[e] || id[right] !== eB[e]) continue; // stale
    id[left] = merged.get(eA[e] * V + eB[e]) as number;
    dead[right] = 1;
    const after = next[right];
    next[left] = after;
    if (after >= 0) prev[after] = left;
    if (prev[left] >= 0) push(prev[left]);
    push(left);
  }
  const out: number[] = [];
  for (let i = 0; i >= 0; i = next[i]) out.push(id[i]);
  return out;
}
