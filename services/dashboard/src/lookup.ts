// Timing of a lookup, from Enter in the search box to the offers on screen,
// with the Performance API (README, "Dashboard": the measured numbers come
// from these entries): mark "nbo:lookup-start" on Enter, then measure
// "nbo:lookup" when the offers of that customer are rendered.

let pending: string | null = null;

export function markLookupStart(customerId: string): void {
  pending = customerId;
  performance.clearMarks("nbo:lookup-start");
  performance.mark("nbo:lookup-start");
}

// The steps between, for finding where a slow lookup spent its time:
// "nbo:customer" (GetCustomer answered), "nbo:decision" (Recommend
// answered), "nbo:committed" (offers in the DOM).
export function markStep(customerId: string, step: "customer" | "decision" | "committed"): void {
  if (pending === customerId) performance.mark(`nbo:${step}`, { detail: customerId });
}

// Called once the offers (or the no-action message) of `customerId` are
// on screen.
export function markOffersRendered(customerId: string): void {
  if (pending !== customerId) return;
  pending = null;
  performance.measure("nbo:lookup", { start: "nbo:lookup-start", detail: customerId });
}

// Enter on the customer already shown: ask the page for a fresh decision.
const refreshListeners = new Set<() => void>();

export function requestRefresh(): void {
  for (const listener of refreshListeners) listener();
}

export function onRefreshRequest(listener: () => void): () => void {
  refreshListeners.add(listener);
  return () => refreshListeners.delete(listener);
}
