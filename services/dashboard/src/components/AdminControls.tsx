import type { ModelStatus } from "../api";
import { useAccessToken } from "../accessToken";
import { LabelForm } from "./LabelForm";
import { SplitForm } from "./SplitForm";

interface Props {
  model: ModelStatus;
  onChanged: () => void;
}

// Label and split changes: disabled, with the reason, until an access token
// is entered in Settings; each change asks for a confirmation. Whether the
// token has the admin role only the server knows: a token without it is
// refused with a 403 that names the role, in the form.
export function AdminControls({ model, onChanged }: Props) {
  const token = useAccessToken();
  const locked = token === "";
  const name = model.modelName ?? "";
  return (
    <section class="admin" aria-labelledby={`admin-${name}`}>
      <h3 id={`admin-${name}`}>Change labels and traffic</h3>
      {locked && (
        <p class="locked-reason" id={`admin-reason-${name}`}>
          These controls need an access token with the admin role. Enter it
          in <a href="#/settings">Settings</a>; it is kept for this browser tab
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
