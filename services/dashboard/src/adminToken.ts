import { useEffect, useState } from "preact/hooks";
import { adminToken, onAdminTokenChange } from "./session";

// The admin token of this tab, re-rendering when Settings changes it.
export function useAdminToken(): string {
  const [token, setToken] = useState(adminToken);
  useEffect(() => onAdminTokenChange(() => setToken(adminToken())), []);
  return token;
}
