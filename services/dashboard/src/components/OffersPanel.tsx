import { useEffect, useLayoutEffect, useState } from "preact/hooks";
import { reasonOf, type ApiError, type Offer, type RecommendResponse } from "../api";
import { formatDateTime, strategyName } from "../format";
import { recordImpressions } from "../impressions";
import { markOffersRendered, markStep } from "../lookup";
import type { CustomerFacts, ProductNames } from "../reasons";
import { OfferCard } from "./OfferCard";

export type AnswerOutcome = "FEEDBACK_OUTCOME_ACCEPTED" | "FEEDBACK_OUTCOME_DECLINED";

// An RM's answer to one offer: pending until the server has it, recorded,
// or failed (and so rolled back).
export interface Answer {
  outcome: AnswerOutcome;
  state: "pending" | "recorded" | "failed";
  error?: ApiError;
}

interface Props {
  customerId: string;
  decision: RecommendResponse;
  names: ProductNames;
  facts: CustomerFacts;
  answers: ReadonlyMap<string, Answer>;
  onAnswer: (offer: Offer, outcome: AnswerOutcome) => void;
}

// The decision's offers as cards, with what made the decision.
export function OffersPanel({ customerId, decision, names, facts, answers, onAnswer }: Props) {
  const offers = decision.offers ?? [];
  const [impressionProblem, setImpressionProblem] = useState("");
  const decisionId = decision.decisionId ?? "";

  // Timing (lookup.ts): the offers are committed to the DOM now, and on
  // screen with the frame that starts next.
  useLayoutEffect(() => {
    markStep(customerId, "committed");
    const frame = requestAnimationFrame(() => markOffersRendered(customerId));
    return () => cancelAnimationFrame(frame);
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [decisionId]);

  useEffect(() => {
    setImpressionProblem("");
    if (decisionId === "" || offers.length === 0) return;
    let current = true;
    recordImpressions(
      decisionId,
      customerId,
      offers.map((o) => o.productId ?? ""),
    ).then(({ failed, error }) => {
      if (current && failed > 0) {
        setImpressionProblem(
          `${failed} impression${failed === 1 ? "" : "s"} could not be recorded` +
            (error === undefined ? "" : ` (${reasonOf(error)})`) +
            `; the contact policy will not count ${failed === 1 ? "it" : "them"}.`,
        );
      }
    });
    return () => {
      current = false;
    };
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [decisionId]);

  return (
    <section aria-labelledby="offers-title" class="panel offers" data-decision-id={decisionId}>
      <h2 id="offers-title">Next best offers</h2>
      <p class="decision-meta">
        {strategyName(decision.strategy)} strategy · model {decision.modelName} version{" "}
        {decision.modelVersion}
        {decision.experimentArm !== undefined && decision.experimentArm !== "" && (
          <> · experiment arm {decision.experimentArm}</>
        )}{" "}
        · {formatDateTime(decision.timestamp)} · decision{" "}
        <span class="mono" title={decisionId}>
          {decisionId.slice(0, 12)}
        </span>
      </p>
      {decision.unlogged === true && (
        <p class="state state-warning" role="alert">
          The server could not log this decision (its storage is full or
          failing), so answers to these offers cannot be recorded.
        </p>
      )}
      {impressionProblem !== "" && <p class="state state-warning">{impressionProblem}</p>}
      {offers.length === 0 ? (
        <p class="state state-empty no-action">
          No offer for this customer right now; “Why not” below says why.
        </p>
      ) : (
        <ol class="offer-list">
          {offers.map((offer) => (
            <li key={offer.productId}>
              <OfferCard
                offer={offer}
                strategy={decision.strategy}
                names={names}
                facts={facts}
                answer={answers.get(offer.productId ?? "")}
                disabled={decisionId === "" || decision.unlogged === true}
                onAnswer={onAnswer}
              />
            </li>
          ))}
        </ol>
      )}
    </section>
  );
}
