import { useCallback, useEffect, useRef, useState } from "preact/hooks";

export type Resource<T> =
  | { state: "loading"; data: null; error: null }
  | { state: "ready"; data: T; error: null }
  | { state: "error"; data: T | null; error: Error };

/**
 * Loads data and reloads on demand. A reload keeps showing the previous data (no flash
 * of a loading state, no layout shift); an error after data keeps the data too.
 */
export function useResource<T>(load: (signal: AbortSignal) => Promise<T>, deps: readonly unknown[]): Resource<T> & { reload: () => void } {
  const [resource, setResource] = useState<Resource<T>>({ state: "loading", data: null, error: null });
  const [tick, setTick] = useState(0);
  const loadRef = useRef(load);
  loadRef.current = load;
  const key = JSON.stringify(deps);
  const lastKey = useRef(key);
  useEffect(() => {
    // Other data (another project, another scope): show loading, not the old data.
    if (lastKey.current !== key) {
      lastKey.current = key;
      setResource({ state: "loading", data: null, error: null });
    }
    const controller = new AbortController();
    loadRef.current(controller.signal).then(
      (data) => { if (!controller.signal.aborted) setResource({ state: "ready", data, error: null }); },
      (error: unknown) => {
        if (controller.signal.aborted) return;
        setResource((prev) => ({ state: "error", data: prev.data, error: error instanceof Error ? error : new Error(String(error)) }));
      },
    );
    return () => controller.abort();
  }, [key, tick]);
  const reload = useCallback(() => setTick((t) => t + 1), []);
  return { ...resource, reload };
}

/** Calls `fn` every `ms` while `active`, and when the tab becomes visible again. */
export function useInterval(fn: () => void, ms: number, active: boolean): void {
  const fnRef = useRef(fn);
  fnRef.current = fn;
  useEffect(() => {
    if (!active) return;
    const timer = setInterval(() => { if (document.visibilityState === "visible") fnRef.current(); }, ms);
    return () => clearInterval(timer);
  }, [ms, active]);
}
