import { useEffect, useState } from "preact/hooks";
import { accessToken, onAccessTokenChange } from "./session";

// The access token of this tab, re-rendering when it changes (Settings or
// the 401 prompt).
export function useAccessToken(): string {
  const [token, setToken] = useState(accessToken);
  useEffect(() => onAccessTokenChange(() => setToken(accessToken())), []);
  return token;
}
