import { useCallback, useEffect, useRef, useState } from "preact/hooks";

export type Load<T> =
  | { state: "loading"; data?: T }
  | { state: "error"; error: unknown; data?: T }
  | { state: "done"; data: T };

// Runs `fetcher` when `deps` change (and on reload()), dropping answers that
// arrive after a newer call started or after the component is gone. While
// reloading, the previous data stays available.
export function useLoad<T>(
  fetcher: (signal: AbortSignal) => Promise<T>,
  deps: readonly unknown[],
): Load<T> & { reload: () => void } {
  const [load, setLoad] = useState<Load<T>>({ state: "loading" });
  const [generation, setGeneration] = useState(0);
  const latest = useRef(fetcher);
  latest.current = fetcher;

  useEffect(() => {
    const abort = new AbortController();
    setLoad((previous) => ({ state: "loading", data: previous.data }));
    latest
      .current(abort.signal)
      .then((data) => {
        if (!abort.signal.aborted) setLoad({ state: "done", data });
      })
      .catch((error: unknown) => {
        if (!abort.signal.aborted) {
          setLoad((previous) => ({ state: "error", error, data: previous.data }));
        }
      });
    return () => abort.abort();
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [...deps, generation]);

  const reload = useCallback(() => setGeneration((g) => g + 1), []);
  return { ...load, reload };
}
