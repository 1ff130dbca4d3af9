// The roles of nbo-server's tokens (README "Access control") as the page
// explains them, and the role a 403 says is missing.

// nbo-server's PERMISSION_DENIED message, passed through by the gateway as
// the 403 body's "message": "this RPC needs a token with role 'customer'".
// Returns the role, or undefined when the message names none.
export function missingRole(message: string): string | undefined {
  const m = /needs a token with role '([A-Za-z0-9_-]+)'/.exec(message);
  return m?.[1];
}

// What a role lets the dashboard do, for the 403 message.
export function roleUse(role: string): string | undefined {
  switch (role) {
    case "read":
      return "offers, catalogs and the models view";
    case "act":
      return "recording a customer's answers (Accept, Decline, impressions)";
    case "customer":
      return "the customer 360, the decision history and browsing customers";
    case "admin":
      return "moving labels and changing the traffic split";
    case "ingest":
      return "loading bank data";
    default:
      return undefined;
  }
}
