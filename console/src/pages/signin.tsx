import type { JSX } from "preact";
import { useState } from "preact/hooks";
import { verifyToken } from "../api/auth.ts";
import { useApp } from "../app-context.ts";
import { navigate } from "../lib/navigation.tsx";
import { classifyToken, cleanToken } from "../lib/token.ts";

export function SignInPage(): JSX.Element {
  const { auth, setAuth, notice } = useApp();
  const [value, setValue] = useState("");
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const submit = async (event: Event): Promise<void> => {
    event.preventDefault();
    const kind = classifyToken(value);
    if (kind.kind === "invalid") {
      setError(kind.reason);
      return;
    }
    setBusy(true);
    setError(null);
    const verdict = await verifyToken(kind.kind, value);
    setBusy(false);
    if (!verdict.ok) {
      setError(verdict.message);
      return;
    }
    const token = cleanToken(value);
    setValue("");
    if (kind.kind === "user") {
      setAuth({ ...auth, user: { token, userId: kind.userId, expiresAt: kind.expiresAt } });
      navigate(location.pathname === "/signin" ? "/" : location.pathname, true);
    } else {
      setAuth({ ...auth, admin: { token } });
      navigate("/admin", true);
    }
  };

  return (
    <section class="narrow">
      <h1 id="page-title" tabIndex={-1}>Sign in</h1>
      {notice !== null && <p class="notice" role="alert">{notice}</p>}
      <form onSubmit={(e) => void submit(e)} class="card form">
        <label for="token">Bearer token</label>
        <input
          id="token" name="token" type="password" autocomplete="off" spellcheck={false} required
          value={value} onInput={(e) => setValue(e.currentTarget.value)}
          aria-describedby="token-help" aria-invalid={error !== null}
        />
        <p id="token-help" class="help">
          A user token (a JWT signed with <code>AUTH_SECRET</code>; locally <code>npm run token -- alice</code>) opens your
          projects. The admin token (<code>ADMIN_TOKEN</code>) opens the savings of every project. The token stays in this
          tab only and is sent in the <code>Authorization</code> header, never in a URL.
        </p>
        {error !== null && <p class="field-error" role="alert">{error}</p>}
        <button type="submit" disabled={busy}>{busy ? "Checking…" : "Sign in"}</button>
      </form>
    </section>
  );
}
