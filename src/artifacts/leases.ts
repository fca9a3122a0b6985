// Saves and the garbage collector of one project's R2 objects never overlap. R2 has no
// transaction and no conditional delete: a sweep decides from a listing and deletes later,
// and a save that relies on an object the listing saw as unreferenced (a blob or tree it
// found already stored, or even one it uploads again under the same content address) would
// be left pointing at nothing. So each save holds a shared lease from its first look at R2
// until its manifest is written, and a sweep holds an exclusive one from its first listing
// to its last delete; the project's main object keeps them (restic's locks, in one place
// that is single-threaded by construction). Expired leases are dead holders.

/** A save lives inside one invocation (15 min of wall time at most): a live save never outlasts its lease. */
export const SAVE_LEASE_MS = 20 * 60_000;
/** A sweep renews its lease before every delete batch; this covers one listing or one batch. */
export const SWEEP_LEASE_MS = 5 * 60_000;

export type LeaseKind = "save" | "sweep";

/** What a save needs from the lease keeper (main's object: called directly there, over RPC from a branch). */
export interface SaveLeases {
  /** False while a sweep holds the project's objects: the save waits and asks again. */
  acquire(holder: string): Promise<boolean>;
  /** False when the lease had expired (a sweep may have run meanwhile): the save must be done again. */
  release(holder: string): Promise<boolean>;
}

/** The object that keeps the leases: main's ProjectDO (directly, or its stub from a branch). */
export interface LeaseKeeper {
  acquireSaveLease(holder: string): Promise<boolean>;
  releaseSaveLease(holder: string): Promise<boolean>;
}

export function saveLeasesOf(keeper: LeaseKeeper): SaveLeases {
  return { acquire: (holder) => keeper.acquireSaveLease(holder), release: (holder) => keeper.releaseSaveLease(holder) };
}

export class ArtifactLeases {
  private readonly sql: SqlStorage;
  constructor(sql: SqlStorage) {
    this.sql = sql;
  }

  /** A save shares the objects with other saves; a sweep takes them alone. */
  acquire(kind: LeaseKind, holder: string, now: number): boolean {
    this.sql.exec("DELETE FROM artifact_leases WHERE expires_at <= ?", now);
    const blocking = kind === "save" ? "SELECT 1 FROM artifact_leases WHERE kind = 'sweep' AND holder <> ?" : "SELECT 1 FROM artifact_leases WHERE holder <> ?";
    if (this.sql.exec(blocking, holder).toArray().length > 0) return false;
    const ttl = kind === "save" ? SAVE_LEASE_MS : SWEEP_LEASE_MS;
    this.sql.exec(
      "INSERT INTO artifact_leases (holder, kind, expires_at) VALUES (?, ?, ?) ON CONFLICT(holder) DO UPDATE SET expires_at = excluded.expires_at",
      holder, kind, now + ttl,
    );
    return true;
  }

  /** Extends a lease still held; false when it expired (and may have been taken over). */
  renew(holder: string, now: number): boolean {
    const row = this.sql.exec<{ kind: LeaseKind }>("SELECT kind FROM artifact_leases WHERE holder = ? AND expires_at > ?", holder, now).toArray()[0];
    if (row === undefined) return false;
    this.sql.exec("UPDATE artifact_leases SET expires_at = ? WHERE holder = ?", now + (row.kind === "save" ? SAVE_LEASE_MS : SWEEP_LEASE_MS), holder);
    return true;
  }

  /** Ends a lease; true when it was still held up to now. */
  release(holder: string, now: number): boolean {
    const held = this.sql.exec("SELECT 1 FROM artifact_leases WHERE holder = ? AND expires_at > ?", holder, now).toArray().length > 0;
    this.sql.exec("DELETE FROM artifact_leases WHERE holder = ?", holder);
    return held;
  }
}
