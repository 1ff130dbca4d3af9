import type { ModelStatus } from "../api";
import { formatPercent } from "../format";
import { armName, servingShares } from "../models";
import { AdminControls } from "./AdminControls";
import { ExperimentPanel } from "./ExperimentPanel";
import { VersionTable } from "./VersionTable";

interface Props {
  model: ModelStatus;
  // After an admin change: reload the models.
  onChanged: () => void;
}

// One model: what serves, its versions, its experiment, and the controls.
export function ModelPanel({ model, onChanged }: Props) {
  const name = model.modelName ?? "";
  const serving = servingShares(model);
  const labels = Object.entries(model.labels ?? {}).sort(([a], [b]) => a.localeCompare(b));
  const split = model.trafficSplit ?? [];
  const total = split.reduce((sum, a) => sum + (a.weight ?? 0), 0);
  return (
    <section class="panel model" aria-labelledby={`model-${name}`} data-model={name}>
      <h2 id={`model-${name}`}>
        Model <span class="mono">{name}</span>
      </h2>
      <div class="model-summary">
        <div class="serving" data-testid="serving">
          <h3>Serving</h3>
          {serving.length === 0 ? (
            <p>No version is available: requests are answered 503.</p>
          ) : (
            <ul>
              {serving.map((s, i) => (
                <li key={i}>
                  <strong>version {s.version}</strong> · {formatPercent(s.share)} of traffic ·{" "}
                  <span class="muted">{s.via}</span>
                </li>
              ))}
            </ul>
          )}
        </div>
        <div>
          <h3>Labels</h3>
          {labels.length === 0 ? (
            <p class="muted">No labels.</p>
          ) : (
            <ul class="labels">
              {labels.map(([label, version]) => (
                <li key={label}>
                  <span class="badge">{label}</span> → version {version}
                </li>
              ))}
            </ul>
          )}
        </div>
        <div>
          <h3>Traffic split</h3>
          {split.length === 0 ? (
            <p class="muted">No split: all traffic goes to the latest available version.</p>
          ) : (
            <ul class="split">
              {split.map((arm, i) => (
                <li key={i}>
                  {armName(arm)}: weight {arm.weight} ({formatPercent(total > 0 ? (arm.weight ?? 0) / total : 0)})
                </li>
              ))}
            </ul>
          )}
        </div>
      </div>
      <VersionTable model={model} />
      <ExperimentPanel modelName={name} key={`${name}/${JSON.stringify(split)}`} />
      <AdminControls model={model} onChanged={onChanged} />
    </section>
  );
}
