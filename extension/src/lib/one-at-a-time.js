// Runs async work one piece after another, in the order asked for: what reads a stored value
// and writes it back must not interleave with another such change (storage has no atomic
// update). A piece that fails does not stop the ones after it; its caller gets the error.

export function oneAtATime() {
  let last = Promise.resolve();
  return (work) => {
    const result = last.then(work);
    last = result.catch(() => {});
    return result;
  };
}
