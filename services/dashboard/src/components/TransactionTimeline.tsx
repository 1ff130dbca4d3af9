import type { Transaction } from "../api";
import { formatAmount, formatDate } from "../format";
import { productName, type ProductNames } from "../reasons";

interface Props {
  transactions: Transaction[];
  names: ProductNames;
}

const kVerbs: Record<string, string> = {
  TRANSACTION_EVENT_VIEW: "Viewed",
  TRANSACTION_EVENT_APPLY: "Applied for",
  TRANSACTION_EVENT_PURCHASE: "Purchased",
  TRANSACTION_EVENT_OPEN: "Opened",
  TRANSACTION_EVENT_CLOSE: "Closed",
};

// Recent transactions, newest first, as a timeline.
export function TransactionTimeline({ transactions, names }: Props) {
  return (
    <section aria-labelledby="timeline-title" class="panel">
      <h2 id="timeline-title">Recent transactions</h2>
      {transactions.length === 0 ? (
        <p class="state state-empty">No transactions.</p>
      ) : (
        <ol class="timeline">
          {transactions.map((t, i) => (
            <li key={t.transactionId ?? i} class={`event-${(t.event ?? "").replace("TRANSACTION_EVENT_", "").toLowerCase()}`}>
              <time dateTime={t.timestamp}>{formatDate(t.timestamp)}</time>
              <span>
                {kVerbs[t.event ?? ""] ?? "Event on"} {productName(names, t.productId)}
                {(t.amount ?? 0) > 0 && <span class="muted"> · {formatAmount(t.amount)}</span>}
              </span>
            </li>
          ))}
        </ol>
      )}
    </section>
  );
}
