/**
 * Bounded, order-preserving concurrent map over a (possibly async) stream of inputs.
 *
 * At most `concurrency` calls of `fn` are in flight, and the next input is pulled only when a slot
 * frees and the consumer has taken the oldest result, so memory stays bounded by `concurrency`
 * results however long the stream is. Results come out in input order.
 */
export async function* mapOrdered<T, R>(
  inputs: Iterable<T> | AsyncIterable<T>,
  concurrency: number,
  fn: (input: T) => Promise<R>,
): AsyncGenerator<R> {
  if (!Number.isInteger(concurrency) || concurrency < 1) {
    throw new RangeError(
      `Cannot map concurrently: concurrency must be a positive integer, got "${concurrency}"`,
    );
  }
  const iterator = Symbol.asyncIterator in inputs
    ? (inputs as AsyncIterable<T>)[Symbol.asyncIterator]()
    : (inputs as Iterable<T>)[Symbol.iterator]();
  const pending: Promise<R>[] = [];
  let exhausted = false;
  try {
    while (true) {
      while (!exhausted && pending.length < concurrency) {
        const next = await iterator.next();
        if (next.done) {
          exhausted = true;
          break;
        }
        const promise = fn(next.value);
        // A later rejection is surfaced when its turn comes; don't let it go unhandled meanwhile.
        promise.catch(() => {});
        pending.push(promise);
      }
      const oldest = pending.shift();
      if (oldest === undefined) return;
      yield await oldest;
    }
  } finally {
    if (!exhausted) await iterator.return?.();
  }
}

/** Runs `fn` over every item with at most `concurrency` in flight; results in input order. */
export async function mapAll<T, R>(
  items: readonly T[],
  concurrency: number,
  fn: (item: T, index: number) => Promise<R>,
): Promise<R[]> {
  const indexed = items.map((item, index) => ({ item, index }));
  const out: R[] = [];
  for await (const result of mapOrdered(indexed, concurrency, ({ item, index }) => fn(item, index))) {
    out.push(result);
  }
  return out;
}
