import type { ModelStatus } from "../api";
import { enumName, formatDateTime, formatDecimal, formatInteger, formatSignedPercent } from "../format";
import { liftOverPopularity, mapAtK } from "../models";

// The model's versions with state, labels, and what training measured.
export function VersionTable({ model }: { model: ModelStatus }) {
  const versions = [...(model.versions ?? [])].sort((a, b) => Number(b.version) - Number(a.version));
  return (
    <div class="table-wrap">
      <table class="versions">
        <caption>Versions of {model.modelName}, newest first</caption>
        <thead>
          <tr>
            <th scope="col">Version</th>
            <th scope="col">State</th>
            <th scope="col">Labels</th>
            <th scope="col">Created</th>
            <th scope="col">Customers</th>
            <th scope="col">MAP@K</th>
            <th scope="col">Lift over popularity</th>
            <th scope="col">Training</th>
          </tr>
        </thead>
        <tbody>
          {versions.map((v) => {
            const map = mapAtK(v);
            const lift = liftOverPopularity(v);
            const labels = v.metadata?.labels ?? {};
            return (
              <tr key={v.version} data-version={v.version}>
                <th scope="row">{v.version}</th>
                <td>
                  <span class={`badge state-${enumName(v.state, "VERSION_STATE_")}`}>
                    {enumName(v.state, "VERSION_STATE_")}
                  </span>
                  {v.errorMessage !== undefined && v.errorMessage !== "" && (
                    <span class="muted"> {v.errorMessage}</span>
                  )}
                </td>
                <td>
                  {(v.labels ?? []).length === 0
                    ? "—"
                    : (v.labels ?? []).map((l) => (
                        <span class="badge" key={l}>
                          {l}
                        </span>
                      ))}
                </td>
                <td>{formatDateTime(v.createdTime)}</td>
                <td class="num">{formatInteger(v.customerCount)}</td>
                <td class="num">{map === undefined ? "—" : `${formatDecimal(map.value, 3)} (K=${map.k})`}</td>
                <td class="num">
                  {lift === undefined ? "—" : `${formatSignedPercent(lift.lift)} (${lift.metric})`}
                </td>
                <td>
                  {labels["algorithm"] !== undefined ? labels["algorithm"].replace(/_/g, " ") : "—"}
                  {labels["factors"] !== undefined && `, ${labels["factors"]} factors`}
                  {labels["gate_forced"] === "true" && ", gate forced"}
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}
