import { experimentStats } from "../api";
import { formatInteger, formatPercent } from "../format";
import { armLabel } from "../models";
import { useLoad } from "../useLoad";
import { ExperimentChart } from "./ExperimentChart";
import { Loading } from "./Loading";
import { Empty, StateMessage } from "./StateMessage";

// Feedback per traffic-split arm: acceptance rate with its Wilson interval,
// as a chart and as the table it is drawn from.
export function ExperimentPanel({ modelName }: { modelName: string }) {
  const stats = useLoad((signal) => experimentStats(modelName, signal), [modelName]);
  return (
    <section class="experiment" aria-labelledby={`exp-${modelName}`}>
      <h3 id={`exp-${modelName}`}>Experiment: acceptance per arm</h3>
      {stats.state === "loading" ? (
        <Loading what="the experiment statistics" />
      ) : stats.state === "error" ? (
        <StateMessage error={stats.error} what="the experiment statistics" onRetry={stats.reload} />
      ) : (stats.data.arms ?? []).length === 0 ? (
        <Empty>No feedback yet: the chart appears once offers have been shown and answered.</Empty>
      ) : (
        <>
          <ExperimentChart
            arms={stats.data.arms ?? []}
            confidence={stats.data.confidence ?? 0.95}
          />
          <div class="table-wrap">
            <table class="arms">
              <caption>
                Acceptance per arm with its {formatPercent(stats.data.confidence ?? 0.95)} Wilson
                interval
              </caption>
              <thead>
                <tr>
                  <th scope="col">Arm</th>
                  <th scope="col">Shown</th>
                  <th scope="col">Accepted</th>
                  <th scope="col">Declined</th>
                  <th scope="col">Acceptance</th>
                  <th scope="col">Interval</th>
                </tr>
              </thead>
              <tbody>
                {(stats.data.arms ?? []).map((a) => (
                  <tr key={a.arm} data-arm={a.arm}>
                    <th scope="row">{armLabel(a.arm)}</th>
                    <td class="num">{formatInteger(a.impressions)}</td>
                    <td class="num">{formatInteger(a.accepted)}</td>
                    <td class="num">{formatInteger(a.declined)}</td>
                    <td class="num">{formatPercent(a.acceptanceRate)}</td>
                    <td class="num">
                      {formatPercent(a.ciLow)} – {formatPercent(a.ciHigh)}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </>
      )}
    </section>
  );
}
