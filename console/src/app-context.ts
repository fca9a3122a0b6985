import { createContext } from "preact";
import { useContext } from "preact/hooks";
import type { Auth } from "./api/auth.ts";
import type { RequestOptions } from "./api/client.ts";

export interface AppContextValue {
  auth: Auth;
  setAuth: (auth: Auth) => void;
  /** A call with the user's token (401 signs the user out). */
  userApi: <T>(path: string, options?: RequestOptions) => Promise<T>;
  /** A call with the admin token (401 forgets it). */
  adminApi: <T>(path: string, options?: RequestOptions) => Promise<T>;
  /** Words for the sign-in page after a refused token. */
  notice: string | null;
}

export const AppContext = createContext<AppContextValue | null>(null);

export function useApp(): AppContextValue {
  const value = useContext(AppContext);
  if (value === null) throw new Error("useApp outside <App>");
  return value;
}
