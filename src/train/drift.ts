/**
 * Is retraining due? The population stability index (PSI) compares a distribution in the training window
 * with the same distribution in recent posts: sum over bins of (actual - expected) * ln(actual / expected).
 * Rule of thumb: < 0.1 stable, 0.1-0.2 moderate shift, > 0.2 significant (retrain).
 */

/** PSI of two samples of one numeric feature, binned by the expected sample's quantiles. */
export function psi(expected: ArrayLike<number>, actual: ArrayLike<number>, bins = 10): number {
  if (expected.length === 0 || actual.length === 0) return 0;
  const sorted = Float64Array.from(expected).sort();
  const edges: number[] = [];
  for (let b = 1; b < bins; b++) edges.push(sorted[Math.floor((b * sorted.length) / bins)]);
  const uniq = [...new Set(edges)];
  const hist = (xs: ArrayLike<number>) => {
    const h = new Array(uniq.length + 1).fill(0);
    for (let i = 0; i < xs.length; i++) {
      let k = 0;
      while (k < uniq.length && xs[i] >= uniq[k]) k++;
      h[k]++;
    }
    return h.map((c) => c / xs.length);
  };
  return psiOfShares(hist(expected), hist(actual));
}

/** PSI of two share vectors (each sums to 1), e.g. predicted-tag rates. */
export function psiOfShares(expected: number[], actual: number[]): number {
  const eps = 1e-4; // an empty bin would make the log infinite
  let sum = 0;
  for (let i = 0; i < expected.length; i++) {
    const e = Math.max(expected[i], eps), a = Math.max(actual[i] ?? 0, eps);
    sum += (a - e) * Math.log(a / e);
  }
  return sum;
}

export interface DriftReport {
  /** PSI per named feature or distribution. */
  psi: Record<string, number>;
  /** Days since the current model was trained. */
  modelAgeDays: number;
  due: boolean;
  reasons: string[];
}

export function driftVerdict(
  scores: Record<string, number>,
  modelAgeDays: number,
  options: { threshold?: number; maxAgeDays?: number } = {},
): DriftReport {
  const threshold = options.threshold ?? 0.2;
  const maxAge = options.maxAgeDays ?? 31;
  const reasons = Object.entries(scores).filter(([, v]) => v > threshold).map(([k, v]) =>
    `${k}: PSI ${v.toFixed(3)} > ${threshold}`
  );
  if (modelAgeDays > maxAge) reasons.push(`model is ${modelAgeDays.toFixed(0)} days old (> ${maxAge})`);
  return { psi: scores, modelAgeDays, due: reasons.length > 0, reasons };
}
