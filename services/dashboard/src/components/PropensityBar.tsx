import { formatPercent } from "../format";

// Propensity as a percentage with a bar; the number is the accessible text.
export function PropensityBar({ value }: { value: number }) {
  const clamped = Math.max(0, Math.min(1, value));
  return (
    <div class="propensity">
      <span class="propensity-label">Propensity</span>
      <span class="propensity-value">{formatPercent(clamped)}</span>
      <span class="bar" aria-hidden="true">
        <span class="bar-fill" style={{ width: `${(clamped * 100).toFixed(1)}%` }} />
      </span>
    </div>
  );
}
