// A prompt box with its submit button: used to create a project and to send an update.
import type { JSX } from "preact";
import { useState } from "preact/hooks";
import { ApiError } from "../api/client.ts";

interface Props {
  id: string;
  label: string;
  submitLabel: string;
  busyLabel: string;
  /** Extra fields above the prompt (the project's name). */
  nameField?: { label: string; value: string; onInput: (value: string) => void };
  placeholder?: string;
  onSubmit: (prompt: string) => Promise<string | null>;
}

/** onSubmit resolves to a confirmation to show (or null); an ApiError shows its message. */
export function PromptForm({ id, label, submitLabel, busyLabel, nameField, placeholder, onSubmit }: Props): JSX.Element {
  const [prompt, setPrompt] = useState("");
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [done, setDone] = useState<string | null>(null);

  const submit = async (event: Event): Promise<void> => {
    event.preventDefault();
    if (prompt.trim() === "") {
      setError("Write what the AI should do first.");
      return;
    }
    setBusy(true);
    setError(null);
    setDone(null);
    try {
      const message = await onSubmit(prompt);
      setPrompt("");
      setDone(message);
    } catch (err) {
      setError(err instanceof ApiError || err instanceof Error ? err.message : String(err));
    } finally {
      setBusy(false);
    }
  };

  return (
    <form class="form" onSubmit={(e) => void submit(e)}>
      {nameField !== undefined && (
        <>
          <label for={`${id}-name`}>{nameField.label}</label>
          <input id={`${id}-name`} type="text" required maxLength={200} value={nameField.value} onInput={(e) => nameField.onInput(e.currentTarget.value)} />
        </>
      )}
      <label for={`${id}-prompt`}>{label}</label>
      <textarea id={`${id}-prompt`} rows={3} required value={prompt} placeholder={placeholder} onInput={(e) => setPrompt(e.currentTarget.value)} aria-invalid={error !== null} />
      <div class="form-row">
        <button type="submit" disabled={busy}>{busy ? busyLabel : submitLabel}</button>
        <span class="form-feedback" aria-live="polite">
          {error !== null && <span class="field-error">{error}</span>}
          {error === null && done !== null && <span class="ok">{done}</span>}
        </span>
      </div>
    </form>
  );
}
