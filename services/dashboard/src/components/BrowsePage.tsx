import { useEffect, useState } from "preact/hooks";
import { ApiError, listCustomers } from "../api";
import { browseHref, customerHref, navigate } from "../router";
import { useLoad } from "../useLoad";
import { Loading } from "./Loading";
import { Empty, StateMessage } from "./StateMessage";

interface Props {
  segment: string;
  prefix: string;
  // The start page (#/): the same view, with a welcome.
  home?: boolean;
}

const kPageSize = 20;
// Empty stretches followed before a page is shown as empty.
const kEmptyHops = 10;
// Segments of the demo data and the usual retail ones; any other can be
// typed.
const kSegments = ["mass", "affluent", "private", "sme", "student"];

// Browse customers by segment and id prefix, a page at a time
// (NBOService.ListCustomers: ids only, ascending).
export function BrowsePage({ segment, prefix, home = false }: Props) {
  const [segmentText, setSegmentText] = useState(segment);
  const [prefixText, setPrefixText] = useState(prefix);
  // Tokens of the pages before this one, and of this one ("" = first).
  const [tokens, setTokens] = useState<string[]>([""]);
  useEffect(() => {
    setSegmentText(segment);
    setPrefixText(prefix);
    setTokens([""]);
  }, [segment, prefix]);
  const pageToken = tokens[tokens.length - 1] ?? "";

  const page = useLoad(
    async (signal) => {
      // A page examines a bounded stretch of customers, so with a segment
      // filter it can be empty and still not the last: follow the token a
      // few stretches before showing "no match".
      let answer = await listCustomers({ segment, idPrefix: prefix, pageSize: kPageSize, pageToken }, signal);
      for (let hop = 0; hop < kEmptyHops && (answer.customerIds ?? []).length === 0 && (answer.nextPageToken ?? "") !== ""; hop++) {
        answer = await listCustomers(
          { segment, idPrefix: prefix, pageSize: kPageSize, pageToken: answer.nextPageToken },
          signal,
        );
      }
      return answer;
    },
    [segment, prefix, pageToken],
  );

  const apply = (e: Event) => {
    e.preventDefault();
    navigate(browseHref(segmentText.trim(), prefixText.trim()));
  };

  const ids = page.state === "done" ? (page.data.customerIds ?? []) : [];
  const next = page.state === "done" ? (page.data.nextPageToken ?? "") : "";
  const missingRpc =
    page.state === "error" &&
    page.error instanceof ApiError &&
    (page.error.kind === "not_found" || page.error.httpStatus === 501);

  return (
    <section aria-labelledby="browse-title" class="browse">
      <h1 id="browse-title">{home ? "Find a customer" : "Customers"}</h1>
      {home && (
        <p class="lead">
          Type a customer id in the search box above and press Enter, or
          browse the customers below by segment and id prefix.
        </p>
      )}
      <form class="filters" onSubmit={apply} aria-label="Filter customers">
        <div class="field">
          <label for="browse-segment">Segment</label>
          <input
            id="browse-segment"
            list="browse-segments"
            value={segmentText}
            placeholder="any"
            autocomplete="off"
            onInput={(e) => setSegmentText(e.currentTarget.value)}
          />
          <datalist id="browse-segments">
            {kSegments.map((s) => (
              <option key={s} value={s} />
            ))}
          </datalist>
        </div>
        <div class="field">
          <label for="browse-prefix">Id starts with</label>
          <input
            id="browse-prefix"
            value={prefixText}
            placeholder="e.g. C00001"
            autocomplete="off"
            spellcheck={false}
            onInput={(e) => setPrefixText(e.currentTarget.value)}
          />
        </div>
        <button type="submit">Show</button>
      </form>
      {page.state === "loading" ? (
        <Loading what="customers" />
      ) : page.state === "error" ? (
        missingRpc ? (
          <p class="state state-warning" role="alert">
            Browsing needs NBOService.ListCustomers (GET /v1/customers), which
            this nbo-gateway or nbo-server does not offer yet. Look customers
            up by id instead.
          </p>
        ) : (
          <StateMessage error={page.error} what="the customers" onRetry={page.reload} />
        )
      ) : ids.length === 0 ? (
        <Empty>
          No customers match
          {segment !== "" ? ` segment “${segment}”` : ""}
          {prefix !== "" ? ` with ids starting “${prefix}”` : ""}
          {next !== "" ? " in this stretch; Next page searches further" : ""}.
        </Empty>
      ) : (
        <>
          <p class="muted" aria-live="polite">
            Page {tokens.length}: {ids.length} customer{ids.length === 1 ? "" : "s"}
            {segment !== "" ? ` in segment ${segment}` : ""}
            {prefix !== "" ? `, ids starting ${prefix}` : ""}.
          </p>
          <ul class="customer-list">
            {ids.map((id) => (
              <li key={id}>
                <a class="mono" href={customerHref(id)}>
                  {id}
                </a>
              </li>
            ))}
          </ul>
        </>
      )}
      <div class="pager">
        <button
          type="button"
          disabled={tokens.length <= 1}
          onClick={() => setTokens((t) => t.slice(0, -1))}
        >
          Previous page
        </button>
        <button type="button" disabled={next === ""} onClick={() => setTokens((t) => [...t, next])}>
          Next page
        </button>
      </div>
    </section>
  );
}
