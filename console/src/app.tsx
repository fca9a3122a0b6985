import type { JSX } from "preact";
import { useCallback, useEffect, useMemo, useRef, useState } from "preact/hooks";
import type { Auth } from "./api/auth.ts";
import { exchangeDevCode, loadAuth, saveAuth } from "./api/auth.ts";
import type { RequestOptions } from "./api/client.ts";
import { requestJson } from "./api/client.ts";
import { AppContext } from "./app-context.ts";
import type { AppContextValue } from "./app-context.ts";
import { Header } from "./components/header.tsx";
import { navigate, usePath } from "./lib/navigation.tsx";
import { parseRoute } from "./lib/routes.ts";
import type { Route } from "./lib/routes.ts";
import { AdminPage } from "./pages/admin.tsx";
import { NotFoundPage } from "./pages/not-found.tsx";
import { ProjectPage } from "./pages/project.tsx";
import { ProjectsPage } from "./pages/projects.tsx";
import { SavingsPage } from "./pages/savings.tsx";
import { SignInPage } from "./pages/signin.tsx";

/** The code of a dev sign-in link (`/signin#code=…`), taken out of the address bar at once. */
function takeDevCode(): string | null {
  const match = /(?:^#|&)code=([A-Za-z0-9._-]+)/.exec(location.hash);
  if (match?.[1] === undefined) return null;
  history.replaceState(null, "", location.pathname + location.search);
  return match[1];
}

function Page({ route, auth }: { route: Route; auth: Auth }): JSX.Element {
  switch (route.page) {
    case "signin": return <SignInPage />;
    case "admin": return <AdminPage />;
    case "not_found": return <NotFoundPage path={route.path} />;
    case "projects": return auth.user === null ? <SignInPage /> : <ProjectsPage />;
    case "project": return auth.user === null ? <SignInPage /> : <ProjectPage projectId={route.projectId} />;
    case "savings": return auth.user === null ? <SignInPage /> : <SavingsPage scope="owner" />;
  }
}

export function App(): JSX.Element {
  const path = usePath();
  const route = parseRoute(path);
  const [auth, setAuthState] = useState<Auth>(() => loadAuth());
  const [notice, setNotice] = useState<string | null>(null);
  const [devCode] = useState<string | null>(() => takeDevCode());
  const [exchanging, setExchanging] = useState(devCode !== null);

  const authRef = useRef(auth);
  authRef.current = auth;

  const setAuth = useCallback((next: Auth) => {
    const prev = authRef.current;
    saveAuth(next);
    setAuthState(next);
    authRef.current = next;
    // A new sign-in answers the notice; losing one token must not hide why.
    if ((next.user !== null && prev.user === null) || (next.admin !== null && prev.admin === null)) setNotice(null);
  }, []);

  useEffect(() => {
    if (devCode === null) return;
    void exchangeDevCode(devCode).then((result) => {
      setExchanging(false);
      if (result.ok) {
        setAuth({ ...authRef.current, user: result.user });
        navigate("/", true);
      } else {
        setNotice(result.message);
      }
    });
  }, [devCode, setAuth]);

  const value = useMemo<AppContextValue>(() => ({
    auth,
    setAuth,
    notice,
    userApi: <T,>(p: string, options?: RequestOptions) => requestJson<T>(auth.user?.token ?? "", p, options, () => {
      setNotice("Your sign-in was refused (expired or invalid token). Sign in again.");
      setAuth({ ...authRef.current, user: null });
    }),
    adminApi: <T,>(p: string, options?: RequestOptions) => requestJson<T>(auth.admin?.token ?? "", p, options, () => {
      setNotice("The admin token was refused. Paste it again.");
      setAuth({ ...authRef.current, admin: null });
    }),
  }), [auth, notice, setAuth]);

  // Keyboard and screen-reader users land on the new page's heading after navigating.
  const first = useRef(true);
  useEffect(() => {
    if (first.current) {
      first.current = false;
      return;
    }
    document.getElementById("page-title")?.focus();
  }, [path]);

  return (
    <AppContext.Provider value={value}>
      <a class="skip-link" href="#main">Skip to content</a>
      <Header route={route} />
      <main id="main" tabIndex={-1}>
        {exchanging ? <p role="status" class="state">Signing you in with the dev link…</p> : <Page route={route} auth={auth} />}
      </main>
    </AppContext.Provider>
  );
}
