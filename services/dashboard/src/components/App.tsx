import { useEffect, useRef } from "preact/hooks";
import { useAccessToken } from "../accessToken";
import { useRoute, type Route } from "../router";
import { BrowsePage } from "./BrowsePage";
import { CustomerPage } from "./CustomerPage";
import { Header } from "./Header";
import { ModelsPage } from "./ModelsPage";
import { SettingsPage } from "./SettingsPage";

function titleOf(route: Route): string {
  switch (route.page) {
    case "home":
    case "browse":
      return "Customers";
    case "customer":
      return route.tab === "history"
        ? `${route.customerId} · History`
        : route.customerId;
    case "models":
      return "Models";
    case "settings":
      return "Settings";
    case "not_found":
      return "Not found";
  }
}

function Page({ route }: { route: Route }) {
  switch (route.page) {
    case "home":
      return <BrowsePage segment="" prefix="" home />;
    case "browse":
      return <BrowsePage segment={route.segment} prefix={route.prefix} />;
    case "customer":
      return <CustomerPage customerId={route.customerId} tab={route.tab} />;
    case "models":
      return <ModelsPage />;
    case "settings":
      return <SettingsPage />;
    case "not_found":
      return (
        <section aria-labelledby="nf-title">
          <h1 id="nf-title">Page not found</h1>
          <p>
            There is no page at <code>#{route.path}</code>. Use the search box
            or the links above.
          </p>
        </section>
      );
  }
}

export function App() {
  const route = useRoute();
  const main = useRef<HTMLElement>(null);
  const first = useRef(true);
  const token = useAccessToken();
  const key =
    route.page === "customer" ? `customer/${route.customerId}` : route.page;
  // A new access token (Settings, or the 401 prompt) loads the page again
  // with it; Settings itself stays as it is, to say what changed.
  const pageKey = route.page === "settings" ? key : `${key}\u0000${token}`;

  useEffect(() => {
    document.title = `${titleOf(route)} · nbo dashboard`;
  }, [route]);
  // After a navigation (not the first load) move focus to the new page, so
  // that screen readers and keyboard users start there.
  useEffect(() => {
    if (first.current) {
      first.current = false;
      return;
    }
    if (document.activeElement?.closest("form[role=search]") == null) {
      main.current?.focus({ preventScroll: true });
    }
  }, [pageKey]);

  return (
    <>
      <a
        class="skip-link"
        href="#main"
        onClick={(e) => {
          e.preventDefault();
          main.current?.focus();
        }}
      >
        Skip to content
      </a>
      <Header route={route} />
      <main id="main" ref={main} tabIndex={-1}>
        <Page key={pageKey} route={route} />
      </main>
    </>
  );
}
