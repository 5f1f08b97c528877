/**
 * A promise per key, made once per process; a failed one is forgotten, so
 * that the next call tries again (and reports its own error).
 */
export function cached<T>(
  cache: Map<string, Promise<T>>,
  key: string,
  make: () => Promise<T>,
): Promise<T> {
  let value = cache.get(key);
  if (!value) {
    value = make();
    cache.set(key, value);
    value.catch(() => cache.delete(key));
  }
  return value;
}
