// Loading, empty and error states: every view has all three, each keeping the space its
// content will take so nothing jumps when data arrives.
import type { ComponentChildren, JSX } from "preact";

export function Loading({ label, minHeight = 120 }: { label: string; minHeight?: number }): JSX.Element {
  return (
    <div class="state state-loading" style={{ minHeight: `${minHeight}px` }} role="status" aria-live="polite">
      <span class="spinner" aria-hidden="true" />
      <span>{label}</span>
    </div>
  );
}

export function Empty({ title, children, minHeight = 120 }: { title: string; children?: ComponentChildren; minHeight?: number }): JSX.Element {
  return (
    <div class="state state-empty" style={{ minHeight: `${minHeight}px` }}>
      <p class="state-title">{title}</p>
      {children}
    </div>
  );
}

export function ErrorState({ title, error, onRetry, minHeight = 120 }: { title: string; error: Error; onRetry?: () => void; minHeight?: number }): JSX.Element {
  return (
    <div class="state state-error" style={{ minHeight: `${minHeight}px` }} role="alert">
      <p class="state-title">{title}</p>
      <p>{error.message}</p>
      {onRetry !== undefined && <button type="button" onClick={onRetry}>Try again</button>}
    </div>
  );
}
