import type { DecisionRecord } from "../api";
import { enumName, formatDateTime, formatPercent, strategyName } from "../format";
import {
  customerFacts,
  noActionSentence,
  productName,
  suppressionLabel,
  suppressionSentence,
  type ProductNames,
} from "../reasons";

const kNoFacts = customerFacts(undefined);

// One logged decision of the history.
export function DecisionEntry({ record, names }: { record: DecisionRecord; names: ProductNames }) {
  const id = record.decisionId ?? "";
  const offers = record.offers ?? [];
  const suppressions = record.suppressions ?? [];
  const feedback = record.feedback ?? [];
  return (
    <article class="decision" aria-labelledby={`d-${id}`} data-decision-id={id}>
      <h3 id={`d-${id}`}>
        <time dateTime={record.timestamp}>{formatDateTime(record.timestamp)}</time>{" "}
        <span class="muted">
          · decision <span class="mono">{id.slice(0, 12)}</span>
        </span>
      </h3>
      <p class="decision-meta">
        Model {record.modelName} version {record.modelVersion} ·{" "}
        {strategyName(record.strategy)}
        {record.experimentArm !== undefined && record.experimentArm !== "" && (
          <> · arm {record.experimentArm}</>
        )}
        {record.channel !== undefined && record.channel !== "" && <> · channel {record.channel}</>}
        {" "}· catalog revision {record.catalogRevision}
      </p>
      <div class="decision-columns">
        <div>
          <h4>Offered</h4>
          {offers.length === 0 ? (
            <p>{record.noAction !== undefined ? noActionSentence(record.noAction) : "Nothing."}</p>
          ) : (
            <ol class="compact">
              {offers.map((o) => (
                <li key={o.productId}>
                  {o.name !== undefined && o.name !== "" ? o.name : o.productId}{" "}
                  <span class="muted">{formatPercent(o.propensity)}</span>
                </li>
              ))}
            </ol>
          )}
        </div>
        <div>
          <h4>Held back</h4>
          {suppressions.length === 0 ? (
            <p>None.</p>
          ) : (
            <ul class="compact">
              {suppressions.map((s) => (
                <li key={s.productId}>
                  {productName(names, s.productId)}{" "}
                  <span class="badge">{suppressionLabel(s)}</span>{" "}
                  <span class="muted">{suppressionSentence(s, kNoFacts)}</span>
                </li>
              ))}
            </ul>
          )}
        </div>
        <div>
          <h4>Feedback</h4>
          {feedback.length === 0 ? (
            <p>None recorded.</p>
          ) : (
            <ul class="compact feedback">
              {feedback.map((f, i) => (
                <li key={i} data-outcome={f.outcome}>
                  {enumName(f.outcome, "FEEDBACK_OUTCOME_")}: {productName(names, f.productId)}{" "}
                  <span class="muted">
                    {formatDateTime(f.timestamp)}
                    {f.channel !== undefined && f.channel !== "" ? ` · ${f.channel}` : ""}
                  </span>
                </li>
              ))}
            </ul>
          )}
        </div>
      </div>
    </article>
  );
}
