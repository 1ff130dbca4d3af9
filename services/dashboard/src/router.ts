// Hash routes, so that deep links work on reload and when shared without
// any server-side routing: the gateway serves index.html at / only.
//
//   #/                          find a customer
//   #/customers?segment=&prefix=  browse customers (ListCustomers)
//   #/customers/ID              customer 360, offers and why not
//   #/customers/ID/history      the customer's decisions (compliance view)
//   #/models                    models, versions, split, experiment
//   #/settings                  access token

import { useEffect, useState } from "preact/hooks";

export type Route =
  | { page: "home" }
  | { page: "browse"; segment: string; prefix: string }
  | { page: "customer"; customerId: string; tab: "overview" | "history" }
  | { page: "models" }
  | { page: "settings" }
  | { page: "not_found"; path: string };

export function parseRoute(hash: string): Route {
  const raw = hash.replace(/^#/, "");
  const [pathPart, queryPart = ""] = raw.split("?", 2) as [string, string?];
  const segments = pathPart.split("/").filter((s) => s !== "");
  const query = new URLSearchParams(queryPart);
  if (segments.length === 0) return { page: "home" };
  if (segments[0] === "customers") {
    if (segments.length === 1) {
      return {
        page: "browse",
        segment: query.get("segment") ?? "",
        prefix: query.get("prefix") ?? "",
      };
    }
    const customerId = safeDecode(segments[1] ?? "");
    if (segments.length === 2) {
      return { page: "customer", customerId, tab: "overview" };
    }
    if (segments.length === 3 && segments[2] === "history") {
      return { page: "customer", customerId, tab: "history" };
    }
  }
  if (segments.length === 1 && segments[0] === "models") return { page: "models" };
  if (segments.length === 1 && segments[0] === "settings") {
    return { page: "settings" };
  }
  return { page: "not_found", path: pathPart };
}

function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

export function customerHref(customerId: string, tab?: "history"): string {
  const base = `#/customers/${encodeURIComponent(customerId)}`;
  return tab === undefined ? base : `${base}/${tab}`;
}

export function browseHref(segment: string, prefix: string): string {
  const query = new URLSearchParams();
  if (segment !== "") query.set("segment", segment);
  if (prefix !== "") query.set("prefix", prefix);
  const text = query.toString();
  return text === "" ? "#/customers" : `#/customers?${text}`;
}

export function navigate(href: string): void {
  if (location.hash !== href) location.hash = href;
}

export function useRoute(): Route {
  const [route, setRoute] = useState(() => parseRoute(location.hash));
  useEffect(() => {
    const update = () => setRoute(parseRoute(location.hash));
    addEventListener("hashchange", update);
    return () => removeEventListener("hashchange", update);
  }, []);
  return route;
}
