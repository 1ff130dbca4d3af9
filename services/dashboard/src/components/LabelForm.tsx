import { useState } from "preact/hooks";
import { ApiError, setVersionLabel, type ModelStatus } from "../api";
import { isAvailable } from "../models";
import { ConfirmDialog } from "./ConfirmDialog";
import { StateMessage } from "./StateMessage";

interface Props {
  model: ModelStatus;
  locked: boolean;
  onChanged: () => void;
}

const kLabelPattern = /^[a-z0-9_-]{1,32}$/;

// Point a label at an available version: a rollback is moving "stable"
// back to an older one.
export function LabelForm({ model, locked, onChanged }: Props) {
  const name = model.modelName ?? "";
  const labels = Object.keys(model.labels ?? {}).sort();
  const versions = (model.versions ?? [])
    .filter(isAvailable)
    .map((v) => v.version ?? "")
    .sort((a, b) => Number(b) - Number(a));
  // "stable" first: moving it back is the usual rollback.
  const [label, setLabel] = useState(labels.includes("stable") ? "stable" : (labels[0] ?? "stable"));
  const [version, setVersion] = useState(versions[0] ?? "");
  const [confirming, setConfirming] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [done, setDone] = useState("");
  const [busy, setBusy] = useState(false);
  const labelOk = kLabelPattern.test(label);
  const current = model.labels?.[label];
  const id = `label-${name}`;

  const apply = () => {
    setConfirming(false);
    setBusy(true);
    setError(null);
    setDone("");
    setVersionLabel(name, label, version)
      .then(() => {
        setDone(`Label ${label} now points at version ${version}.`);
        onChanged();
      })
      .catch((e: unknown) => setError(e))
      .finally(() => setBusy(false));
  };

  return (
    <form
      class="admin-form"
      aria-labelledby={`${id}-title`}
      onSubmit={(e) => {
        e.preventDefault();
        if (labelOk && version !== "") setConfirming(true);
      }}
    >
      <fieldset disabled={locked || busy} aria-describedby={locked ? `admin-reason-${name}` : undefined}>
        <legend id={`${id}-title`}>Move a label (rollback)</legend>
        <div class="field">
          <label for={`${id}-name`}>Label</label>
          <input
            id={`${id}-name`}
            list={`${id}-names`}
            value={label}
            autocomplete="off"
            aria-invalid={labelOk ? undefined : true}
            aria-describedby={`${id}-hint`}
            onInput={(e) => setLabel(e.currentTarget.value.trim())}
          />
          <datalist id={`${id}-names`}>
            {["stable", "canary", ...labels].filter((l, i, all) => all.indexOf(l) === i).map((l) => (
              <option key={l} value={l} />
            ))}
          </datalist>
          <p class="hint" id={`${id}-hint`}>
            {labelOk
              ? current === undefined
                ? "A new label."
                : `Now at version ${current}.`
              : "Lower-case letters, digits, _ and -, up to 32."}
          </p>
        </div>
        <div class="field">
          <label for={`${id}-version`}>Version</label>
          <select id={`${id}-version`} value={version} onChange={(e) => setVersion(e.currentTarget.value)}>
            {versions.map((v) => (
              <option key={v} value={v}>
                version {v}
              </option>
            ))}
          </select>
        </div>
        <button type="submit" disabled={!labelOk || version === ""}>
          Move label…
        </button>
      </fieldset>
      {confirming && (
        <ConfirmDialog
          title={`Point ${label} at version ${version}?`}
          confirmLabel="Move label"
          onConfirm={apply}
          onCancel={() => setConfirming(false)}
        >
          <p>
            {current === undefined
              ? `Creates label ${label} on version ${version} of ${name}.`
              : `Moves ${label} of ${name} from version ${current} to version ${version}.`}{" "}
            Requests and split arms that name {label} follow at once.
          </p>
        </ConfirmDialog>
      )}
      <p class="notice" role="status" aria-live="polite">
        {done}
      </p>
      {error !== null && (
        <StateMessage
          error={error}
          what="the label change"
          notFound={error instanceof ApiError ? `No such version: ${error.message}.` : undefined}
        />
      )}
    </form>
  );
}
