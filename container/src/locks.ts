// One writer per project: a run, a snapshot import and a transcript import exclude each other.
// In-memory is enough because one runner process owns its data dir.
export class ProjectLocks {
  private readonly held = new Map<string, string>();

  /** Returns a release function, or null when the project is busy. */
  tryAcquire(projectId: string, holder: string): (() => void) | null {
    if (this.held.has(projectId)) return null;
    this.held.set(projectId, holder);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.held.delete(projectId);
    };
  }

  isBusy(projectId: string): boolean {
    return this.held.has(projectId);
  }
}
