import { useState } from "preact/hooks";
import { useAdminToken } from "../adminToken";
import { setAdminToken } from "../session";

// The admin token, kept in this tab's session storage only.
export function SettingsPage() {
  const token = useAdminToken();
  const [text, setText] = useState("");
  const [status, setStatus] = useState("");
  return (
    <section aria-labelledby="settings-title" class="settings">
      <h1 id="settings-title">Settings</h1>
      <form
        class="panel"
        onSubmit={(e) => {
          e.preventDefault();
          setAdminToken(text);
          setText("");
          setStatus(text.trim() === "" ? "No token entered." : "Admin token saved for this tab.");
        }}
      >
        <h2>Admin token</h2>
        <p>
          Moving labels and changing the traffic split need the server's admin
          token. It is kept in this tab's session storage only: closing the tab
          forgets it, and it is sent only to this gateway, as{" "}
          <code>Authorization: Bearer …</code>.
        </p>
        <p data-testid="token-state">
          {token === "" ? "No admin token is set." : "An admin token is set for this tab."}
        </p>
        <div class="field">
          <label for="admin-token">Admin token</label>
          <input
            id="admin-token"
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
              setAdminToken("");
              setStatus("Admin token forgotten.");
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
