import type { JSX } from "preact";
import { useState } from "preact/hooks";
import { verifyToken } from "../api/auth.ts";
import { useApp } from "../app-context.ts";
import { cleanToken } from "../lib/token.ts";
import { SavingsPage } from "./savings.tsx";

export function AdminPage(): JSX.Element {
  const { auth, setAuth, notice } = useApp();
  const [value, setValue] = useState("");
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  if (auth.admin !== null) {
    return (
      <>
        <SavingsPage scope="all" />
        <p><button type="button" class="secondary" onClick={() => setAuth({ ...auth, admin: null })}>Forget the admin token</button></p>
      </>
    );
  }

  const submit = async (event: Event): Promise<void> => {
    event.preventDefault();
    setBusy(true);
    setError(null);
    const verdict = await verifyToken("admin", value);
    setBusy(false);
    if (!verdict.ok) {
      setError(verdict.message);
      return;
    }
    setAuth({ ...auth, admin: { token: cleanToken(value) } });
    setValue("");
  };
  return (
    <section class="narrow">
      <h1 id="page-title" tabIndex={-1}>Admin</h1>
      <p>The savings of every project need the admin token (<code>ADMIN_TOKEN</code>).</p>
      {notice !== null && <p class="notice" role="alert">{notice}</p>}
      <form class="card form" onSubmit={(e) => void submit(e)}>
        <label for="admin-token">Admin token</label>
        <input id="admin-token" type="password" autocomplete="off" spellcheck={false} required value={value} onInput={(e) => setValue(e.currentTarget.value)} aria-invalid={error !== null} />
        {error !== null && <p class="field-error" role="alert">{error}</p>}
        <button type="submit" disabled={busy}>{busy ? "Checking…" : "Open the admin view"}</button>
      </form>
    </section>
  );
}
