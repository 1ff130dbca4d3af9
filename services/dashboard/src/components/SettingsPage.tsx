import { useState } from "preact/hooks";
import { useAccessToken } from "../accessToken";
import { setAccessToken } from "../session";

// The access token, kept in this tab's session storage only.
export function SettingsPage() {
  const token = useAccessToken();
  const [text, setText] = useState("");
  const [status, setStatus] = useState("");
  return (
    <section aria-labelledby="settings-title" class="settings">
      <h1 id="settings-title">Settings</h1>
      <form
        class="panel"
        onSubmit={(e) => {
          e.preventDefault();
          setAccessToken(text);
          setText("");
          setStatus(text.trim() === "" ? "No token entered." : "Access token saved for this tab.");
        }}
      >
        <h2>Access token</h2>
        <p>
          A server with access control needs a token on every call; a server
          without (the local demo) needs none. The token is kept in this tab's
          session storage only: closing the tab forgets it, and it is sent only
          to this gateway, as <code>Authorization: Bearer …</code>.
        </p>
        <p>What the token's roles allow here:</p>
        <ul class="roles">
          <li>
            <code>read</code>: offers and the models view
          </li>
          <li>
            <code>customer</code>: the customer 360, the decision history and
            browsing customers
          </li>
          <li>
            <code>act</code>: what <code>read</code> allows, and Accept,
            Decline and impressions
          </li>
          <li>
            <code>admin</code>: what <code>read</code> allows, and moving labels
            and changing the traffic split
          </li>
        </ul>
        <p>
          A relationship manager's desk token has <code>act,customer</code>;
          an operator's, <code>admin</code>.
        </p>
        <p data-testid="token-state">
          {token === "" ? "No access token is set." : "An access token is set for this tab."}
        </p>
        <div class="field">
          <label for="access-token">Access token</label>
          <input
            id="access-token"
            type="password"
            autocomplete="off"
            spellcheck={false}
            value={text}
            onInput={(e) => setText(e.currentTarget.value)}
          />
        </div>
        <div class="split-actions">
          <button type="submit" class="primary">
            Save token
          </button>
          <button
            type="button"
            disabled={token === ""}
            onClick={() => {
              setAccessToken("");
              setStatus("Access token forgotten.");
            }}
          >
            Forget token
          </button>
        </div>
        <p class="notice" role="status" aria-live="polite">
          {status}
        </p>
      </form>
    </section>
  );
}
