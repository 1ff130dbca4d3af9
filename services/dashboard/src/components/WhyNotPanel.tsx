import type { RecommendResponse } from "../api";
import {
  noActionSentence,
  productName,
  suppressionLabel,
  suppressionSentence,
  type CustomerFacts,
  type ProductNames,
} from "../reasons";

interface Props {
  decision: RecommendResponse;
  names: ProductNames;
  facts: CustomerFacts;
}

// Every product the decision did not offer, and why (products that only
// ranked below the offers shown are not listed by the server).
export function WhyNotPanel({ decision, names, facts }: Props) {
  const suppressions = decision.suppressions ?? [];
  return (
    <section aria-labelledby="whynot-title" class="panel whynot">
      <h2 id="whynot-title">Why not</h2>
      {decision.noAction !== undefined && (
        <p class="no-action-message" role="note">
          {noActionSentence(decision.noAction)}
        </p>
      )}
      {suppressions.length === 0 ? (
        <p class="state state-empty">
          No product was held back: everything not shown only ranked lower.
        </p>
      ) : (
        <ul class="whynot-list">
          {suppressions.map((s) => {
            const label = suppressionLabel(s);
            return (
              <li key={s.productId} data-product-id={s.productId} data-reason={s.reason}>
                <span class="whynot-product">{productName(names, s.productId)}</span>{" "}
                <span class={`badge badge-${label.replace(/ /g, "-")}`}>{label}</span>
                <span class="whynot-why">{suppressionSentence(s, facts)}</span>
              </li>
            );
          })}
        </ul>
      )}
    </section>
  );
}
