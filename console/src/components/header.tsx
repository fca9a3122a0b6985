import type { JSX } from "preact";
import { SIGNED_OUT } from "../api/auth.ts";
import { useApp } from "../app-context.ts";
import { Link, navigate } from "../lib/navigation.tsx";
import type { Route } from "../lib/routes.ts";

export function Header({ route }: { route: Route }): JSX.Element {
  const { auth, setAuth } = useApp();
  const signedIn = auth.user !== null || auth.admin !== null;
  const current = (page: Route["page"]): "page" | undefined => (route.page === page || (page === "projects" && route.page === "project") ? "page" : undefined);
  const signOut = (): void => {
    setAuth(SIGNED_OUT);
    navigate("/signin");
  };
  return (
    <header class="site-header">
      <Link href="/" class="brand">session-chain</Link>
      {signedIn && (
        <nav aria-label="Main">
          <ul>
            {auth.user !== null && <li><Link href="/" aria-current={current("projects")}>Projects</Link></li>}
            {auth.user !== null && <li><Link href="/savings" aria-current={current("savings")}>Savings</Link></li>}
            <li><Link href="/admin" aria-current={current("admin")}>Admin</Link></li>
          </ul>
        </nav>
      )}
      <div class="who">
        {auth.user !== null && <span class="muted">Signed in as <strong>{auth.user.userId}</strong></span>}
        {auth.user === null && auth.admin !== null && <span class="muted">Admin</span>}
        {signedIn && <button type="button" class="link-button" onClick={signOut}>Sign out</button>}
      </div>
    </header>
  );
}
