import type { Holding } from "../api";
import { formatDate } from "../format";
import { productName, type ProductNames } from "../reasons";

interface Props {
  holdings: Holding[];
  names: ProductNames;
}

// The products the customer holds now.
export function HoldingsPanel({ holdings, names }: Props) {
  return (
    <section aria-labelledby="holdings-title" class="panel">
      <h2 id="holdings-title">Holdings</h2>
      {holdings.length === 0 ? (
        <p class="state state-empty">No products held.</p>
      ) : (
        <ul class="holdings">
          {holdings.map((h) => (
            <li key={h.productId}>
              <span>{productName(names, h.productId)}</span>
              <span class="muted"> since {formatDate(h.since)}</span>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
