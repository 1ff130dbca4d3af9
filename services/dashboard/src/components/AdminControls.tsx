import type { ModelStatus } from "../api";
import { useAdminToken } from "../adminToken";
import { LabelForm } from "./LabelForm";
import { SplitForm } from "./SplitForm";

interface Props {
  model: ModelStatus;
  onChanged: () => void;
}

// Label and split changes: disabled, with the reason, until an admin token
// is entered in Settings; each change asks for a confirmation.
export function AdminControls({ model, onChanged }: Props) {
  const token = useAdminToken();
  const locked = token === "";
  const name = model.modelName ?? "";
  return (
    <section class="admin" aria-labelledby={`admin-${name}`}>
      <h3 id={`admin-${name}`}>Change labels and traffic</h3>
      {locked && (
        <p class="locked-reason" id={`admin-reason-${name}`}>
          These controls need the admin token. Enter it in{" "}
          <a href="#/settings">Settings</a>; it is kept for this browser tab
          only.
        </p>
      )}
      <div class="admin-forms">
        <LabelForm model={model} locked={locked} onChanged={onChanged} />
        <SplitForm model={model} locked={locked} onChanged={onChanged} />
      </div>
    </section>
  );
}
