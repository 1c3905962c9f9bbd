/** Async-iterator helpers shared by the chat and Responses pipelines. */

/**
 * The first event, then the rest; ending early (client gone, error) closes the upstream iterator
 * (and its body). A plain iterator, not a generator: every event of a stream passes through it, and
 * a generator would add a promise and a turn of the microtask queue to each.
 */
export function prepend<T>(first: IteratorResult<T>, rest: AsyncIterator<T>): AsyncIterableIterator<T> {
  let head: IteratorResult<T> | undefined = first;
  let ended = first.done === true;
  const iterator: AsyncIterableIterator<T> = {
    next() {
      if (head) {
        const h = head;
        head = undefined;
        return Promise.resolve(h);
      }
      return ended ? Promise.resolve({ done: true, value: undefined }) : rest.next();
    },
    async return() {
      head = undefined;
      if (!ended) {
        ended = true;
        await rest.return?.().catch(() => undefined);
      }
      return { done: true, value: undefined };
    },
    [Symbol.asyncIterator]() {
      return iterator;
    },
  };
  return iterator;
}
