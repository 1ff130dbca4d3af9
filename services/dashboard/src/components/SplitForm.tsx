import { useState } from "preact/hooks";
import { setTrafficSplit, type ModelStatus, type TrafficArm } from "../api";
import { formatPercent } from "../format";
import { armName, isAvailable } from "../models";
import { ConfirmDialog } from "./ConfirmDialog";
import { StateMessage } from "./StateMessage";

interface Props {
  model: ModelStatus;
  locked: boolean;
  onChanged: () => void;
}

// An arm as the form edits it: target "label:stable" or "version:3".
interface Row {
  target: string;
  weight: string;
}

function toRow(arm: TrafficArm): Row {
  return {
    target: arm.label !== undefined && arm.label !== "" ? `label:${arm.label}` : `version:${arm.version ?? ""}`,
    weight: String(arm.weight ?? 1),
  };
}

function toArm(row: Row): TrafficArm {
  const [kind, value = ""] = row.target.split(":", 2) as [string, string?];
  const weight = Number(row.weight);
  return kind === "label" ? { label: value, weight } : { version: value, weight };
}

function validWeight(text: string): boolean {
  const n = Number(text);
  return Number.isInteger(n) && n >= 1 && n <= 1000000;
}

// Replace the model's traffic split (or clear it).
export function SplitForm({ model, locked, onChanged }: Props) {
  const name = model.modelName ?? "";
  const id = `split-${name}`;
  const labels = Object.keys(model.labels ?? {}).sort();
  const versions = (model.versions ?? []).filter(isAvailable).map((v) => v.version ?? "");
  const targets = [...labels.map((l) => `label:${l}`), ...versions.map((v) => `version:${v}`)];
  const [rows, setRows] = useState<Row[]>(() => {
    const current = (model.trafficSplit ?? []).map(toRow);
    if (current.length > 0) return current;
    return targets.slice(0, 2).map((target) => ({ target, weight: "50" }));
  });
  const [confirming, setConfirming] = useState<"apply" | "clear" | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [done, setDone] = useState("");
  const [busy, setBusy] = useState(false);
  const ok = rows.length > 0 && rows.every((r) => targets.includes(r.target) && validWeight(r.weight));
  const total = rows.reduce((sum, r) => sum + (validWeight(r.weight) ? Number(r.weight) : 0), 0);

  const update = (i: number, change: Partial<Row>) =>
    setRows((all) => all.map((r, j) => (j === i ? { ...r, ...change } : r)));

  const apply = (clear: boolean) => {
    setConfirming(null);
    setBusy(true);
    setError(null);
    setDone("");
    setTrafficSplit(name, clear ? [] : rows.map(toArm))
      .then(() => {
        setDone(clear ? "The split is cleared." : "The new split is in effect.");
        onChanged();
      })
      .catch((e: unknown) => setError(e))
      .finally(() => setBusy(false));
  };

  const describe = rows
    .map((r) => `${armName(toArm(r))} ${total > 0 ? formatPercent(Number(r.weight) / total) : "?"}`)
    .join(", ");

  return (
    <form
      class="admin-form"
      aria-labelledby={`${id}-title`}
      onSubmit={(e) => {
        e.preventDefault();
        if (ok) setConfirming("apply");
      }}
    >
      <fieldset disabled={locked || busy} aria-describedby={locked ? `admin-reason-${name}` : undefined}>
        <legend id={`${id}-title`}>Traffic split</legend>
        {targets.length === 0 && <p class="hint">No available version or label to split between.</p>}
        {rows.map((row, i) => (
          <div class="split-row" key={i} role="group" aria-label={`Arm ${i + 1}`}>
            <div class="field">
              <label for={`${id}-target-${i}`}>Arm {i + 1} target</label>
              <select
                id={`${id}-target-${i}`}
                value={row.target}
                onChange={(e) => update(i, { target: e.currentTarget.value })}
              >
                {targets.map((t) => (
                  <option key={t} value={t}>
                    {t.replace(":", " ")}
                  </option>
                ))}
              </select>
            </div>
            <div class="field">
              <label for={`${id}-weight-${i}`}>Arm {i + 1} weight</label>
              <input
                id={`${id}-weight-${i}`}
                type="number"
                min={1}
                max={1000000}
                step={1}
                value={row.weight}
                aria-invalid={validWeight(row.weight) ? undefined : true}
                onInput={(e) => update(i, { weight: e.currentTarget.value })}
              />
            </div>
            <button
              type="button"
              aria-label={`Remove arm ${i + 1}`}
              onClick={() => setRows((all) => all.filter((_, j) => j !== i))}
            >
              Remove
            </button>
          </div>
        ))}
        <div class="split-actions">
          <button
            type="button"
            disabled={targets.length === 0}
            onClick={() => setRows((all) => [...all, { target: targets[0] ?? "", weight: "10" }])}
          >
            Add arm
          </button>
          <button type="submit" disabled={!ok}>
            Apply split…
          </button>
          <button
            type="button"
            disabled={(model.trafficSplit ?? []).length === 0}
            onClick={() => setConfirming("clear")}
          >
            Clear split…
          </button>
        </div>
      </fieldset>
      {confirming !== null && (
        <ConfirmDialog
          title={confirming === "clear" ? "Clear the traffic split?" : "Apply this traffic split?"}
          confirmLabel={confirming === "clear" ? "Clear split" : "Apply split"}
          onConfirm={() => apply(confirming === "clear")}
          onCancel={() => setConfirming(null)}
        >
          <p>
            {confirming === "clear"
              ? `All traffic of ${name} goes back to the latest available version.`
              : `Traffic of ${name} is split at once: ${describe}. Customers stay in their arm while the split and its salt stay the same.`}
          </p>
        </ConfirmDialog>
      )}
      <p class="notice" role="status" aria-live="polite">
        {done}
      </p>
      {error !== null && <StateMessage error={error} what="the split change" />}
    </form>
  );
}
