import type { ComponentChildren } from "preact";
import { useId, useState } from "preact/hooks";
import { ApiError } from "../api";
import { roleUse } from "../roles";
import { accessToken, setAccessToken } from "../session";

interface Props {
  error: unknown;
  // What failed to load, e.g. "the customer" or "the models".
  what: string;
  // The message for a 404, when the caller knows what it means.
  notFound?: ComponentChildren;
  onRetry?: () => void;
}

function describe(
  error: unknown,
  what: string,
  notFound: ComponentChildren,
): { title: string; body: ComponentChildren } {
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
      return accessToken() === ""
        ? {
            title: "This server needs an access token (401)",
            body:
              "nbo-server is closed to callers without a token, so nothing can " +
              `be shown until this tab has one. Enter the access token you were given. (The server said: ${error.message}.)`,
          }
        : {
            title: "The access token was not accepted (401)",
            body:
              "The server does not know the access token this tab sends. Enter " +
              `the right one. (The server said: ${error.message}.)`,
          };
    case "permission_denied": {
      const role = error.role;
      const use = role === undefined ? undefined : roleUse(role);
      return {
        title:
          role === undefined
            ? "Not allowed (403)"
            : `Not allowed (403): the access token lacks the role '${role}'`,
        body: (
          <>
            {role === undefined
              ? "The access token is valid but may not do this. "
              : `The access token is valid but does not have the role '${role}'` +
                (use === undefined ? ". " : ` (needed for ${use}). `)}
            Ask for a token with that role, or enter another in{" "}
            <a href="#/settings">Settings</a>. (The server said: {error.message}.)
          </>
        ),
      };
    }
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

// The 401 prompt's own field: a token entered here is this tab's access
// token, as if entered in Settings, and the page loads again with it (App
// re-mounts the page when the token changes). Not a form of its own: the
// message may sit inside the label and split forms.
function TokenPrompt() {
  const id = useId();
  const [text, setText] = useState("");
  const save = () => {
    if (text.trim() !== "") setAccessToken(text);
  };
  return (
    <div class="token-prompt">
      <label for={`${id}-input`}>
        Access token
      </label>
      <div class="token-prompt-row">
        <input
          id={`${id}-input`}
          type="password"
          autocomplete="off"
          spellcheck={false}
          value={text}
          onInput={(e) => setText(e.currentTarget.value)}
          onKeyDown={(e) => {
            if (e.key === "Enter") {
              e.preventDefault();
              save();
            }
          }}
        />
        <button type="button" class="primary" onClick={save} disabled={text.trim() === ""}>
          Use this token
        </button>
      </div>
      <p class="hint">
        Kept for this browser tab only; also in <a href="#/settings">Settings</a>.
      </p>
    </div>
  );
}

// An error as a clear message, never a blank page or a stack. A 401 comes
// with the field to enter the access token, outside the alert (announced is
// the message, not the form).
export function StateMessage({ error, what, notFound, onRetry }: Props) {
  const { title, body } = describe(error, what, notFound);
  const kind = error instanceof ApiError ? error.kind : "other";
  return (
    <div class={`state state-error state-${kind}`}>
      <div role="alert">
        <p class="state-title">{title}</p>
        <p>{body}</p>
        {onRetry !== undefined && kind !== "unauthenticated" && (
          <button type="button" onClick={onRetry}>
            Try again
          </button>
        )}
      </div>
      {kind === "unauthenticated" && <TokenPrompt />}
    </div>
  );
}

// An empty state: the call worked and there is nothing to show.
export function Empty({ children }: { children: ComponentChildren }) {
  return <p class="state state-empty">{children}</p>;
}
