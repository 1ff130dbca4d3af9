import { useState } from "preact/hooks";
import { customerHref, navigate } from "../router";
import { markLookupStart, requestRefresh } from "../lookup";
import { prefetchCustomer } from "../prefetch";

interface Props {
  // The customer shown now, if any.
  current: string;
}

// Find a customer by id: Enter goes straight to the customer's page.
export function CustomerSearch({ current }: Props) {
  const [text, setText] = useState("");
  const [problem, setProblem] = useState("");

  const submit = (e: Event) => {
    e.preventDefault();
    const id = text.trim();
    if (id === "") {
      setProblem("Type a customer id, e.g. C0000042.");
      return;
    }
    if (id.length > 128) {
      setProblem("Customer ids are at most 128 characters.");
      return;
    }
    setProblem("");
    markLookupStart(id);
    if (id === current) {
      requestRefresh();
    } else {
      prefetchCustomer(id);
      navigate(customerHref(id));
    }
  };

  return (
    <form class="search" role="search" onSubmit={submit} novalidate>
      <label for="customer-search">Customer id</label>
      <input
        id="customer-search"
        name="customer"
        type="search"
        autocomplete="off"
        spellcheck={false}
        placeholder="e.g. C0000042"
        value={text}
        aria-describedby={problem !== "" ? "customer-search-problem" : undefined}
        aria-invalid={problem !== "" ? true : undefined}
        onInput={(e) => setText(e.currentTarget.value)}
      />
      <button type="submit">Open</button>
      {problem !== "" && (
        <p id="customer-search-problem" class="field-problem" role="alert">
          {problem}
        </p>
      )}
    </form>
  );
}
