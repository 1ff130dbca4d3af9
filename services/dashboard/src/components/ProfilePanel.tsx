import type { CustomerProfile } from "../api";
import { formatDateTime, formatInteger } from "../format";

function Row({ term, value }: { term: string; value: string }) {
  return (
    <div>
      <dt>{term}</dt>
      <dd>{value}</dd>
    </div>
  );
}

function known<T>(value: T | undefined, show: (v: T) => string): string {
  return value === undefined ? "unknown" : show(value);
}

// What the bank told nbo about the customer.
export function ProfilePanel({ profile }: { profile: CustomerProfile | undefined }) {
  return (
    <section aria-labelledby="profile-title" class="panel">
      <h2 id="profile-title">Profile</h2>
      {profile === undefined ? (
        <p class="state state-empty">
          No profile: the bank has sent transactions or nbo has decisions for
          this customer, but no profile. Rules that need an attribute fail.
        </p>
      ) : (
        <dl class="facts">
          <Row term="Age" value={known(profile.age, (a) => `${a}`)} />
          <Row term="Income" value={known(profile.income, formatInteger)} />
          <Row term="Segment" value={known(profile.segment, (s) => s)} />
          <Row term="Credit score" value={known(profile.creditScore, (c) => `${c}`)} />
          <Row
            term="KYC"
            value={known(profile.kycVerified, (k) => (k ? "verified" : "not verified"))}
          />
          {Object.entries(profile.attributes ?? {})
            .sort(([a], [b]) => a.localeCompare(b))
            .map(([key, value]) => (
              <Row key={key} term={key.replace(/_/g, " ")} value={value} />
            ))}
          <Row term="Updated" value={formatDateTime(profile.updatedTime)} />
        </dl>
      )}
    </section>
  );
}
