/**
 * Customers ordered by frequency x, in runs of equal x. The BG/NBD and Gamma-Gamma
 * likelihoods have log-gamma terms that depend on the parameters and x alone, so they are
 * evaluated once per distinct x (a few dozen values even for 100,000 customers) and only
 * cheap logarithms are left per customer, over contiguous typed arrays.
 */
export interface FrequencyGroups {
  /** The distinct frequencies, ascending. */
  readonly values: Float64Array;
  /** Customers with values[k] are positions starts[k] … starts[k + 1] − 1 of `order`-permuted arrays. */
  readonly starts: Int32Array;
  /** order[i] is the input position of the i-th customer in frequency order. */
  readonly order: Int32Array;
}

/** Group `frequency` (non-negative integers) into runs; throws on anything else, naming the position. */
export function groupByFrequency(frequency: ArrayLike<number>): FrequencyGroups {
  const n = frequency.length;
  for (let i = 0; i < n; i++) {
    const x = frequency[i]!;
    if (!Number.isInteger(x) || x < 0) throw new RangeError(`customer ${i}: frequency ${x} is not a non-negative integer`);
  }
  const order = Int32Array.from({ length: n }, (_, i) => i).sort((i, j) => frequency[i]! - frequency[j]! || i - j);
  const values: number[] = [];
  const starts: number[] = [];
  for (let i = 0; i < n; i++) {
    const x = frequency[order[i]!]!;
    if (values.length === 0 || values[values.length - 1] !== x) {
      values.push(x);
      starts.push(i);
    }
  }
  starts.push(n);
  return { values: Float64Array.from(values), starts: Int32Array.from(starts), order };
}

/** `column` in frequency order, as a Float64Array. */
export function permute(column: ArrayLike<number>, order: Int32Array): Float64Array {
  const out = new Float64Array(order.length);
  for (let i = 0; i < order.length; i++) out[i] = column[order[i]!]!;
  return out;
}
