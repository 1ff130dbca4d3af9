import { getCustomer } from "../api";
import { productNames } from "../catalog";
import type { ProductNames } from "../reasons";
import { useLoad } from "../useLoad";
import { DecisionEntry } from "./DecisionEntry";
import { Loading } from "./Loading";
import { Empty, StateMessage } from "./StateMessage";

const kNoNames: ProductNames = new Map();

// The compliance view: the customer's recent decisions, newest first, with
// what was offered, what was held back and why, and the feedback.
export function HistoryPanel({ customerId }: { customerId: string }) {
  const history = useLoad(
    async (signal) => {
      const customer = await getCustomer(customerId, { maxTransactions: 1, maxDecisions: 20 }, signal);
      const decisions = customer.decisions ?? [];
      const names =
        decisions.length === 0
          ? kNoNames
          : await productNames(decisions[0]?.modelName ?? "").catch(() => kNoNames);
      return { decisions, names };
    },
    [customerId],
  );
  return (
    <section aria-labelledby="history-title" class="panel history">
      <h2 id="history-title">Decision history</h2>
      <p class="muted">
        The last 20 decisions for this customer, newest first, as logged by
        nbo-server: offers, products held back and why, and the feedback
        recorded against each.
      </p>
      {history.state === "loading" ? (
        <Loading what="the decision history" />
      ) : history.state === "error" ? (
        <StateMessage error={history.error} what="the decision history" onRetry={history.reload} />
      ) : history.data.decisions.length === 0 ? (
        <Empty>No decisions logged for this customer yet.</Empty>
      ) : (
        <ol class="decisions">
          {history.data.decisions.map((d) => (
            <li key={d.decisionId}>
              <DecisionEntry record={d} names={history.data.names} />
            </li>
          ))}
        </ol>
      )}
    </section>
  );
}
