import { reasonOf, type Offer, type Strategy } from "../api";
import { formatDecimal, strategyName } from "../format";
import { reasonSentence, type CustomerFacts, type ProductNames } from "../reasons";
import type { Answer, AnswerOutcome } from "./OffersPanel";
import { PropensityBar } from "./PropensityBar";

interface Props {
  offer: Offer;
  strategy: Strategy | undefined;
  names: ProductNames;
  facts: CustomerFacts;
  answer: Answer | undefined;
  // No answers possible (the decision was not logged).
  disabled: boolean;
  onAnswer: (offer: Offer, outcome: AnswerOutcome) => void;
}

function answerText(answer: Answer): string {
  const word = answer.outcome === "FEEDBACK_OUTCOME_ACCEPTED" ? "Accepted" : "Declined";
  return answer.state === "pending" ? `${word} (recording…)` : `${word} ✓`;
}

// One offer: what, how likely, why; Accept and Decline.
export function OfferCard({ offer, strategy, names, facts, answer, disabled, onAnswer }: Props) {
  const id = `offer-${offer.productId ?? ""}`;
  const answered = answer !== undefined && answer.state !== "failed";
  const reasons = offer.reasons ?? [];
  const title = offer.name !== undefined && offer.name !== "" ? offer.name : (offer.productId ?? "");
  return (
    <article
      class={`offer-card${answered ? " answered" : ""}`}
      aria-labelledby={`${id}-name`}
      data-product-id={offer.productId}
    >
      <header class="offer-head">
        <span class="offer-rank" aria-label={`Rank ${offer.rank ?? ""}`}>
          {offer.rank}
        </span>
        <div>
          <h3 id={`${id}-name`}>{title}</h3>
          <p class="offer-sub">
            <span class="badge">{offer.category}</span>{" "}
            {offer.offerType === "OFFER_TYPE_MANDATORY" && <span class="badge badge-warn">mandatory</span>}
            {offer.offerType === "OFFER_TYPE_TRANSACTIONAL" && <span class="badge">service</span>}
          </p>
        </div>
      </header>
      <PropensityBar value={offer.propensity ?? 0} />
      <dl class="offer-facts">
        <div>
          <dt>Priority</dt>
          <dd>{formatDecimal(offer.priority, 3)}</dd>
        </div>
        <div>
          <dt>Strategy</dt>
          <dd>{strategyName(strategy)}</dd>
        </div>
      </dl>
      {reasons.length > 0 && (
        <>
          <h4 class="reasons-title">Why this offer</h4>
          <ul class="reasons">
            {reasons.map((r, i) => (
              <li key={i} data-code={r.code}>
                {reasonSentence(r, offer, names, facts)}
              </li>
            ))}
          </ul>
        </>
      )}
      <div class="offer-actions">
        {answered ? (
          <p class={`answer answer-${answer.state}`}>{answerText(answer)}</p>
        ) : (
          <>
            <button
              type="button"
              class="primary"
              disabled={disabled}
              aria-label={`Accept ${title}`}
              onClick={() => onAnswer(offer, "FEEDBACK_OUTCOME_ACCEPTED")}
            >
              Accept
            </button>
            <button
              type="button"
              disabled={disabled}
              aria-label={`Decline ${title}`}
              onClick={() => onAnswer(offer, "FEEDBACK_OUTCOME_DECLINED")}
            >
              Decline
            </button>
          </>
        )}
      </div>
      {answer?.state === "failed" && (
        <p class="answer-failed" role="alert">
          Not recorded
          {answer.error !== undefined ? `: ${reasonOf(answer.error)}` : ""}. Try again.
        </p>
      )}
    </article>
  );
}
