/** Async-iterator helpers shared by the chat and Responses pipelines. */

/** The first event, then the rest; ending early (client gone, error) closes the upstream iterator (and its body). */
export async function* prepend<T>(first: IteratorResult<T>, rest: AsyncIterator<T>): AsyncGenerator<T> {
  let done = first.done === true;
  try {
    if (done) return;
    yield first.value;
    for (;;) {
      const n = await rest.next();
      if (n.done) {
        done = true;
        return;
      }
      yield n.value;
    }
  } finally {
    if (!done) await rest.return?.().catch(() => undefined);
  }
}
