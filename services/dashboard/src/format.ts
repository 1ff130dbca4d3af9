// Numbers and dates for people, in the browser's locale.

const percent1 = new Intl.NumberFormat(undefined, {
  style: "percent",
  maximumFractionDigits: 1,
});
const decimal2 = new Intl.NumberFormat(undefined, { maximumFractionDigits: 2 });
const decimal3 = new Intl.NumberFormat(undefined, { maximumFractionDigits: 3 });
const integer = new Intl.NumberFormat(undefined, { maximumFractionDigits: 0 });
const dateTime = new Intl.DateTimeFormat(undefined, {
  dateStyle: "medium",
  timeStyle: "short",
});
const dateOnly = new Intl.DateTimeFormat(undefined, { dateStyle: "medium" });

// 0.7709 -> "77.1%".
export function formatPercent(fraction: number | undefined): string {
  return percent1.format(fraction ?? 0);
}

// Signed, for lifts: 0.0425 -> "+4.3%".
export function formatSignedPercent(fraction: number): string {
  const text = percent1.format(fraction);
  return fraction > 0 ? `+${text}` : text;
}

export function formatDecimal(value: number | undefined, digits = 2): string {
  return (digits >= 3 ? decimal3 : decimal2).format(value ?? 0);
}

// Whole numbers with grouping; int64 strings welcome: "217766" -> "217,766".
export function formatInteger(value: number | string | undefined): string {
  if (value === undefined || value === "") return "—";
  const n = typeof value === "string" ? Number(value) : value;
  return Number.isFinite(n) ? integer.format(n) : String(value);
}

// A money amount in the bank's currency (the API does not name it).
export function formatAmount(value: number | undefined): string {
  return decimal2.format(value ?? 0);
}

// RFC 3339 -> "4 Dec 2026, 16:45"; "—" when unset.
export function formatDateTime(rfc3339: string | undefined): string {
  if (rfc3339 === undefined || rfc3339 === "") return "—";
  const d = new Date(rfc3339);
  return Number.isNaN(d.getTime()) ? rfc3339 : dateTime.format(d);
}

export function formatDate(rfc3339: string | undefined): string {
  if (rfc3339 === undefined || rfc3339 === "") return "—";
  const d = new Date(rfc3339);
  return Number.isNaN(d.getTime()) ? rfc3339 : dateOnly.format(d);
}

// "STRATEGY_FOLD_IN" -> "fold-in"; the enum prefix dropped, for people.
export function strategyName(strategy: string | undefined): string {
  switch (strategy) {
    case "STRATEGY_PERSONALIZED":
      return "personalized";
    case "STRATEGY_POPULARITY":
      return "popularity";
    case "STRATEGY_FOLD_IN":
      return "fold-in";
    case "STRATEGY_PROFILE":
      return "profile";
    default:
      return "unknown";
  }
}

// "VERSION_STATE_AVAILABLE" -> "available".
export function enumName(value: string | undefined, prefix: string): string {
  if (value === undefined) return "unspecified";
  const bare = value.startsWith(prefix) ? value.slice(prefix.length) : value;
  return bare.toLowerCase().replace(/_/g, " ");
}
