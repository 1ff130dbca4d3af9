import { listModels } from "../api";
import { useLoad } from "../useLoad";
import { Loading } from "./Loading";
import { ModelPanel } from "./ModelPanel";
import { Empty, StateMessage } from "./StateMessage";

// Every model: versions, labels, split, experiment results, admin controls.
export function ModelsPage() {
  const models = useLoad((signal) => listModels(signal), []);
  return (
    <section aria-labelledby="models-title" class="models">
      <div class="page-head">
        <h1 id="models-title">Models</h1>
        <button type="button" onClick={models.reload} disabled={models.state === "loading"}>
          Refresh
        </button>
      </div>
      {models.state === "loading" && models.data === undefined ? (
        <Loading what="the models" />
      ) : models.state === "error" ? (
        <StateMessage error={models.error} what="the models" onRetry={models.reload} />
      ) : (models.data?.models ?? []).length === 0 ? (
        <Empty>No model has been published yet: run nbo-trainer train --publish_to=… first.</Empty>
      ) : (
        (models.data?.models ?? []).map((m) => (
          <ModelPanel key={m.modelName} model={m} onChanged={models.reload} />
        ))
      )}
    </section>
  );
}
