import { render } from "preact";
import "uplot/dist/uPlot.min.css";
import "./styles.css";
import { prefetchCatalogs } from "./catalog";
import { App } from "./components/App";

const root = document.getElementById("app");
if (root !== null) {
  // index.html's "Loading…" line, painted before this script ran.
  root.textContent = "";
  render(<App />, root);
}
prefetchCatalogs();
