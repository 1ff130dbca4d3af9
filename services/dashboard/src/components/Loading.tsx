// A loading state that screen readers announce.
export function Loading({ what }: { what: string }) {
  return (
    <p class="state state-loading" role="status" aria-live="polite">
      <span class="spinner" aria-hidden="true" />
      Loading {what}…
    </p>
  );
}
