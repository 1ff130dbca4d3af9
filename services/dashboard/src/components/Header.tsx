import type { Route } from "../router";
import { CustomerSearch } from "./CustomerSearch";

interface Props {
  route: Route;
}

function NavLink(props: { href: string; current: boolean; label: string }) {
  return (
    <a href={props.href} aria-current={props.current ? "page" : undefined}>
      {props.label}
    </a>
  );
}

export function Header({ route }: Props) {
  const customers =
    route.page === "home" || route.page === "browse" || route.page === "customer";
  return (
    <header class="app-header">
      <a class="brand" href="#/">
        nbo <span class="brand-sub">next best offer</span>
      </a>
      <CustomerSearch
        current={route.page === "customer" ? route.customerId : ""}
      />
      <nav aria-label="Main">
        <NavLink href="#/" current={customers} label="Customers" />
        <NavLink href="#/models" current={route.page === "models"} label="Models" />
        <NavLink
          href="#/settings"
          current={route.page === "settings"}
          label="Settings"
        />
      </nav>
    </header>
  );
}
