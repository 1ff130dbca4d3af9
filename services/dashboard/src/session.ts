// The admin token: kept in this tab's sessionStorage only (never
// localStorage, never a cookie), so it is gone when the tab closes.
// Listeners hear every change, so that the controls it unlocks follow.

const kKey = "nbo.adminToken";
const listeners = new Set<() => void>();

export function adminToken(): string {
  try {
    return sessionStorage.getItem(kKey) ?? "";
  } catch {
    return "";
  }
}

export function setAdminToken(token: string): void {
  const trimmed = token.trim();
  if (trimmed === "") sessionStorage.removeItem(kKey);
  else sessionStorage.setItem(kKey, trimmed);
  for (const listener of listeners) listener();
}

// Calls `listener` after each change; returns the unsubscribe function.
export function onAdminTokenChange(listener: () => void): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}
