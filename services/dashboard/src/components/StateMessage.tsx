import type { ComponentChildren } from "preact";
import { ApiError } from "../api";

interface Props {
  error: unknown;
  // What failed to load, e.g. "the customer" or "the models".
  what: string;
  // The message for a 404, when the caller knows what it means.
  notFound?: ComponentChildren;
  onRetry?: () => void;
}

function describe(error: unknown, what: string, notFound: ComponentChildren) {
  if (!(error instanceof ApiError)) {
    return {
      title: "Something went wrong",
      body: `The page could not show ${what}: ${String(error)}`,
    };
  }
  switch (error.kind) {
    case "unavailable":
      return {
        title: "nbo-server is unavailable (503)",
        body:
          "The gateway answered, but the decision service behind it is down " +
          "or not serving yet, so nothing can be shown or recorded right now. " +
          "Try again in a moment; if it persists, tell the operators.",
      };
    case "not_found":
      return {
        title: "Not found (404)",
        body: notFound ?? `${what} does not exist: ${error.message}.`,
      };
    case "unauthenticated":
      return {
        title: "Unauthorised (401)",
        body:
          "The server wants a valid token for this. Enter the admin token in " +
          `Settings and try again. (The server said: ${error.message}.)`,
      };
    case "permission_denied":
      return {
        title: "Not allowed (403)",
        body: `The token is valid but may not do this: ${error.message}.`,
      };
    case "network":
      return {
        title: "The gateway is not answering",
        body:
          "No answer from nbo-gateway at all: check that it is running and " +
          "that this page is opened from it.",
      };
    case "timeout":
      return {
        title: "No answer in time",
        body: `The server took too long to answer for ${what}. Try again.`,
      };
    case "invalid":
      return { title: "Request refused (400)", body: error.message };
    default:
      return {
        title: `Error (HTTP ${error.httpStatus})`,
        body: `The server could not give ${what}: ${error.message}.`,
      };
  }
}

// An error as a clear message, never a blank page or a stack.
export function StateMessage({ error, what, notFound, onRetry }: Props) {
  const { title, body } = describe(error, what, notFound);
  const kind = error instanceof ApiError ? error.kind : "other";
  return (
    <div class={`state state-error state-${kind}`} role="alert">
      <p class="state-title">{title}</p>
      <p>{body}</p>
      {onRetry !== undefined && (
        <button type="button" onClick={onRetry}>
          Try again
        </button>
      )}
    </div>
  );
}

// An empty state: the call worked and there is nothing to show.
export function Empty({ children }: { children: ComponentChildren }) {
  return <p class="state state-empty">{children}</p>;
}
