import { useCallback, useEffect, useLayoutEffect, useRef, useState } from "preact/hooks";
import {
  ApiError,
  reasonOf,
  recommend,
  recordFeedback,
  type GetCustomerResponse,
  type Offer,
  type RecommendResponse,
} from "../api";
import { productNames } from "../catalog";
import { markStep, onRefreshRequest } from "../lookup";
import { customerAnswer } from "../prefetch";
import { customerFacts, productName, type ProductNames } from "../reasons";
import { customerHref } from "../router";
import { HistoryPanel } from "./HistoryPanel";
import { HoldingsPanel } from "./HoldingsPanel";
import { Loading } from "./Loading";
import { OffersPanel, type Answer } from "./OffersPanel";
import { ProfilePanel } from "./ProfilePanel";
import { StateMessage } from "./StateMessage";
import { TransactionTimeline } from "./TransactionTimeline";
import { WhyNotPanel } from "./WhyNotPanel";

interface Props {
  customerId: string;
  tab: "overview" | "history";
}

type Decision =
  | { state: "idle" }
  | { state: "loading" }
  | { state: "error"; error: unknown }
  | { state: "done"; decision: RecommendResponse; names: ProductNames };

// The decision shown last, so that switching between a customer's tabs
// shows the same decision instead of asking (and logging) a new one.
let lastShown: { customerId: string; decision: RecommendResponse; names: ProductNames } | null = null;

const kNoNames: ProductNames = new Map();
// How long the customer's panels wait for the decision, to appear with it.
const kRevealMs = 250;

async function decide(customerId: string) {
  const decision = await recommend(customerId);
  const names = await productNames(decision.modelName ?? "").catch(() => kNoNames);
  return { decision, names };
}

function Tabs({ customerId, tab }: Props) {
  return (
    <nav class="tabs" aria-label="Customer views">
      <a href={customerHref(customerId)} aria-current={tab === "overview" ? "page" : undefined}>
        Offers and profile
      </a>
      <a
        href={customerHref(customerId, "history")}
        aria-current={tab === "history" ? "page" : undefined}
      >
        Decision history
      </a>
    </nav>
  );
}

// Customer 360: profile, holdings, transactions, and the next best offers
// with why-not; or (tab "history") the logged decisions.
export function CustomerPage({ customerId, tab }: Props) {
  const [customer, setCustomer] = useState<
    | { state: "loading" }
    | { state: "error"; error: unknown }
    | { state: "done"; data: GetCustomerResponse }
  >({ state: "loading" });
  const [decision, setDecision] = useState<Decision>({ state: "idle" });
  const [answers, setAnswers] = useState<ReadonlyMap<string, Answer>>(new Map());
  const [notice, setNotice] = useState("");
  const [generation, setGeneration] = useState(0);
  const alive = useRef(true);
  useEffect(() => () => void (alive.current = false), []);
  const tabNow = useRef(tab);
  tabNow.current = tab;
  // The generation a decision was asked for: one per look at the customer
  // (opening it, Enter again), whichever tabs are visited in between.
  const decidedFor = useRef(-1);

  // Asks for a decision once per generation; `settled` runs in the same
  // tick as the state change that shows it (or its error).
  const runDecision = useCallback(
    (forGeneration: number, settled?: () => void) => {
      if (decidedFor.current === forGeneration) return false;
      decidedFor.current = forGeneration;
      if (forGeneration === 0 && lastShown !== null && lastShown.customerId === customerId) {
        setDecision({ state: "done", decision: lastShown.decision, names: lastShown.names });
        settled?.();
        return true;
      }
      setDecision({ state: "loading" });
      decide(customerId)
        .then(({ decision: fresh, names }) => {
          if (!alive.current) return;
          markStep(customerId, "decision");
          lastShown = { customerId, decision: fresh, names };
          setAnswers(new Map());
          setDecision({ state: "done", decision: fresh, names });
          settled?.();
        })
        .catch((error: unknown) => {
          if (!alive.current) return;
          setDecision({ state: "error", error });
          settled?.();
        });
      return true;
    },
    [customerId],
  );

  // The customer first: an unknown id stops here (404), before a decision
  // is made and logged for it. The decision is asked for as soon as the
  // customer is known, without waiting for a render in between (a layout
  // effect, and the call chained on the answer); the customer's panels are
  // revealed with the offers, in one render, unless the decision takes
  // longer than kRevealMs. Enter to offers is two round trips, one render
  // and one frame.
  useLayoutEffect(() => {
    const abort = new AbortController();
    let timer: ReturnType<typeof setTimeout> | undefined;
    setCustomer((c) => (c.state === "done" ? c : { state: "loading" }));
    customerAnswer(customerId, abort.signal)
      .then((data) => {
        if (abort.signal.aborted) return;
        markStep(customerId, "customer");
        const show = () => {
          clearTimeout(timer);
          if (!abort.signal.aborted) setCustomer({ state: "done", data });
        };
        if (tabNow.current === "overview" && runDecision(generation, show)) {
          timer = setTimeout(show, kRevealMs);
        } else {
          show();
        }
      })
      .catch((error: unknown) => !abort.signal.aborted && setCustomer({ state: "error", error }));
    return () => {
      clearTimeout(timer);
      abort.abort();
    };
  }, [customerId, generation, runDecision]);

  // Opened on the history tab, then switched to the offers.
  const known = customer.state === "done";
  useEffect(() => {
    if (known && tab === "overview") runDecision(generation);
  }, [known, tab, generation, runDecision]);

  // Enter on this customer's id again: a fresh look.
  useEffect(() => onRefreshRequest(() => setGeneration((g) => g + 1)), []);

  const answer = useCallback(
    (offer: Offer, outcome: "FEEDBACK_OUTCOME_ACCEPTED" | "FEEDBACK_OUTCOME_DECLINED") => {
      if (decision.state !== "done") return;
      const shown = decision.decision;
      const productId = offer.productId ?? "";
      const name = productName(decision.names, productId);
      const verb = outcome === "FEEDBACK_OUTCOME_ACCEPTED" ? "accepted" : "declined";
      // Optimistic: the card shows the answer at once.
      setAnswers((a) => new Map(a).set(productId, { outcome, state: "pending" }));
      setNotice(`Recording that the customer ${verb} ${name}…`);
      recordFeedback(shown.decisionId ?? "", customerId, productId, outcome)
        .then(() => {
          if (!alive.current) return;
          setAnswers((a) => new Map(a).set(productId, { outcome, state: "recorded" }));
          setNotice(`Recorded: the customer ${verb} ${name}. Asking for a fresh decision…`);
          return decide(customerId).then(({ decision: fresh, names }) => {
            if (!alive.current) return;
            lastShown = { customerId, decision: fresh, names };
            setAnswers(new Map());
            setDecision({ state: "done", decision: fresh, names });
            setNotice(`Recorded: the customer ${verb} ${name}. The offers below are a fresh decision.`);
          }, (error: unknown) => {
            if (!alive.current) return;
            const why = error instanceof ApiError ? error.message : String(error);
            setNotice(`Recorded: the customer ${verb} ${name}. A fresh decision failed (${why}); use Enter in the search box to try again.`);
          });
        })
        .catch((error: unknown) => {
          if (!alive.current) return;
          // Rolled back, visibly.
          setAnswers((a) => {
            const next = new Map(a);
            next.set(productId, { outcome, state: "failed", error: error instanceof ApiError ? error : undefined });
            return next;
          });
          const why = error instanceof ApiError ? `${reasonOf(error)} (HTTP ${error.httpStatus || "—"})` : String(error);
          setNotice(`Not recorded: the ${verb === "accepted" ? "acceptance" : "decline"} of ${name} failed: ${why}. The card is back as it was; try again.`);
        });
    },
    [decision, customerId],
  );

  const title = (
    <h1 id="customer-title">
      Customer <span class="mono">{customerId}</span>
    </h1>
  );

  if (customer.state === "loading") {
    return (
      <section aria-labelledby="customer-title">
        {title}
        <Loading what="the customer" />
      </section>
    );
  }
  if (customer.state === "error") {
    return (
      <section aria-labelledby="customer-title">
        {title}
        <StateMessage
          error={customer.error}
          what="the customer"
          notFound={
            <>
              nbo has no data for customer <strong class="mono">{customerId}</strong>: no
              profile, transactions or decisions. Check the id, or{" "}
              <a href="#/customers">browse customers</a>.
            </>
          }
          onRetry={customer.error instanceof ApiError && customer.error.kind === "not_found" ? undefined : () => setGeneration((g) => g + 1)}
        />
      </section>
    );
  }

  const data = customer.data;
  const facts = customerFacts(data);
  const names = decision.state === "done" ? decision.names : kNoNames;

  return (
    <section aria-labelledby="customer-title" class="customer">
      <div class="page-head">
        {title}
        <Tabs customerId={customerId} tab={tab} />
      </div>
      {tab === "history" ? (
        <HistoryPanel customerId={customerId} />
      ) : (
        <div class="customer-grid">
          <div class="customer-main">
            <p class="notice" role="status" aria-live="polite">
              {notice}
            </p>
            {decision.state === "error" ? (
              <section aria-labelledby="offers-title" class="panel">
                <h2 id="offers-title">Next best offers</h2>
                <StateMessage
                  error={decision.error}
                  what="the offers"
                  onRetry={() => setGeneration((g) => g + 1)}
                />
              </section>
            ) : decision.state === "done" ? (
              <>
                <OffersPanel
                  customerId={customerId}
                  decision={decision.decision}
                  names={decision.names}
                  facts={facts}
                  answers={answers}
                  onAnswer={answer}
                />
                <WhyNotPanel decision={decision.decision} names={decision.names} facts={facts} />
              </>
            ) : (
              <section aria-labelledby="offers-title" class="panel">
                <h2 id="offers-title">Next best offers</h2>
                <Loading what="the offers" />
              </section>
            )}
          </div>
          <aside class="customer-side" aria-label="Customer details">
            <ProfilePanel profile={data.profile} />
            <HoldingsPanel holdings={data.holdings ?? []} names={names} />
            <TransactionTimeline transactions={data.transactions ?? []} names={names} />
          </aside>
        </div>
      )}
    </section>
  );
}
