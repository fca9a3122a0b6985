import type { JSX } from "preact";
import { Link } from "../lib/navigation.tsx";

export function NotFoundPage({ path }: { path: string }): JSX.Element {
  return (
    <section class="narrow">
      <h1 id="page-title" tabIndex={-1}>Page not found</h1>
      <p>There is no console page at <code>{path}</code>.</p>
      <p><Link href="/">Go to your projects</Link></p>
    </section>
  );
}
