// The access token: one per browser tab, kept in this tab's sessionStorage
// only (never localStorage, never a cookie), so it is gone when the tab
// closes. src/api.ts sends it on every call when one is set; a server with
// no tokens configured (the local demo) needs none. Listeners hear every
// change, so that the pages and controls it unlocks follow.

const kKey = "nbo.accessToken";
const listeners = new Set<() => void>();

export function accessToken(): string {
  try {
    return sessionStorage.getItem(kKey) ?? "";
  } catch {
    return "";
  }
}

export function setAccessToken(token: string): void {
  const trimmed = token.trim();
  if (trimmed === "") sessionStorage.removeItem(kKey);
  else sessionStorage.setItem(kKey, trimmed);
  for (const listener of listeners) listener();
}

// Calls `listener` after each change; returns the unsubscribe function.
export function onAccessTokenChange(listener: () => void): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}
