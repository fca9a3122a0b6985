import type { SizedStream, TranscriptFormat } from "../runner/client.ts";
import { TreeManifest } from "../runner/protocol.ts";

/** How a transcript is stored: whole, or as a delta from `parent` (`depth` deltas since the last whole copy). */
export type TranscriptInfo =
  | { format: "full"; bytes: number; depth: 0 }
  | { format: "delta"; parent: string; bytes: number; depth: number };

/** The kinds of objects a project has in R2 (the first path segment after the project). */
export type ArtifactKind = "blobs" | "trees" | "versions" | "transcripts";
export const ARTIFACT_KINDS: readonly ArtifactKind[] = ["blobs", "trees", "versions", "transcripts"];

/** One stored object, as a listing shows it. */
export interface StoredObject {
  key: string;
  /** The object's name inside its kind: a sha256, `<treeHash>.json`, `<session>.delta` … */
  name: string;
  size: number;
  uploaded: number;
  customMetadata: Record<string, string>;
}

/** What a version left: its tree (by hash) and its head session. */
export interface VersionPointer {
  versionNumber: number;
  treeHash: string;
  sessionId: string | null;
}

// R2 holds what must outlive a runner container, per project (one project never reads
// another's keys):
//   projects/<id>/blobs/<sha256>            one object per distinct file content
//   projects/<id>/trees/<treeHash>.json     a manifest: every path → sha256 + size
//   projects/<id>/versions/<n>.json         the tree and head session a version left
//   projects/<id>/transcripts/<session>.jsonl   a whole transcript
//   projects/<id>/transcripts/<session>.delta   a delta from its parent's (custom metadata:
//                                               parent, depth, bytes of the whole transcript)
// Bodies stream through; nothing here holds a file or transcript whole.
export class ArtifactStore {
  private readonly bucket: R2Bucket;
  private readonly projectId: string;
  constructor(bucket: R2Bucket, projectId: string) {
    this.bucket = bucket;
    this.projectId = projectId;
  }

  private key(...parts: string[]): string {
    return ["projects", this.projectId, ...parts].join("/");
  }

  private transcriptKey(sessionId: string, format: TranscriptFormat): string {
    return this.key("transcripts", `${sessionId}.${format === "delta" ? "delta" : "jsonl"}`);
  }

  async putTranscript(sessionId: string, transcript: SizedStream, info: TranscriptInfo): Promise<void> {
    const customMetadata: Record<string, string> = { bytes: String(info.bytes), depth: String(info.depth) };
    if (info.format === "delta") customMetadata["parent"] = info.parent;
    await this.putStream(this.transcriptKey(sessionId, info.format), transcript, {
      httpMetadata: { contentType: info.format === "delta" ? "application/x-session-chain-delta" : "application/x-ndjson" },
      customMetadata,
    });
  }

  /** How the session's transcript is stored; null when R2 has none. */
  async transcriptInfo(sessionId: string): Promise<TranscriptInfo | null> {
    const delta = await this.bucket.head(this.transcriptKey(sessionId, "delta"));
    const parent = delta?.customMetadata?.["parent"];
    if (delta !== null && parent !== undefined) {
      return { format: "delta", parent, bytes: Number(delta.customMetadata?.["bytes"] ?? 0), depth: Number(delta.customMetadata?.["depth"] ?? 1) };
    }
    const full = await this.bucket.head(this.transcriptKey(sessionId, "full"));
    return full === null ? null : { format: "full", bytes: full.size, depth: 0 };
  }

  async openTranscript(sessionId: string, format: TranscriptFormat = "full"): Promise<SizedStream | null> {
    return this.open(this.transcriptKey(sessionId, format));
  }

  async hasBlob(sha256: string): Promise<boolean> {
    return (await this.bucket.head(this.key("blobs", sha256))) !== null;
  }

  /** R2 checks the content against its name (the sha256 option) and refuses a mismatch. */
  async putBlob(sha256: string, blob: SizedStream): Promise<void> {
    await this.putStream(this.key("blobs", sha256), blob, { sha256 });
  }

  async openBlob(sha256: string): Promise<SizedStream | null> {
    return this.open(this.key("blobs", sha256));
  }

  async hasTree(treeHash: string): Promise<boolean> {
    return (await this.bucket.head(this.key("trees", `${treeHash}.json`))) !== null;
  }

  /** Written after every blob it names, so a manifest in R2 is always restorable. */
  async putTree(manifest: TreeManifest): Promise<void> {
    await this.bucket.put(this.key("trees", `${manifest.treeHash}.json`), JSON.stringify(manifest), { httpMetadata: { contentType: "application/json" } });
  }

  /** The manifest of exactly this tree; null when R2 has none (or one that is not it). */
  async getTree(treeHash: string): Promise<TreeManifest | null> {
    const object = await this.bucket.get(this.key("trees", `${treeHash}.json`));
    if (object === null) return null;
    const parsed = TreeManifest.safeParse(await object.json());
    return parsed.success && parsed.data.treeHash === treeHash ? parsed.data : null;
  }

  async getVersion(versionNumber: number): Promise<VersionPointer | null> {
    const object = await this.bucket.get(this.versionKey(versionNumber));
    if (object === null) return null;
    const value: unknown = await object.json();
    if (typeof value !== "object" || value === null) return null;
    const { treeHash, sessionId } = value as Record<string, unknown>;
    return typeof treeHash === "string" ? { versionNumber, treeHash, sessionId: typeof sessionId === "string" ? sessionId : null } : null;
  }

  private versionKey(versionNumber: number): string {
    return this.key("versions", `${String(versionNumber).padStart(6, "0")}.json`);
  }

  async putVersion(pointer: VersionPointer): Promise<void> {
    await this.bucket.put(this.versionKey(pointer.versionNumber), JSON.stringify(pointer), {
      httpMetadata: { contentType: "application/json" },
    });
  }

  /** Every object of one kind, a page at a time (R2 lists at most 1 000 per call). */
  async *list(kind: ArtifactKind): AsyncGenerator<StoredObject> {
    const prefix = `${this.key(kind)}/`;
    let cursor: string | undefined;
    do {
      const page = await this.bucket.list({ prefix, include: ["customMetadata"], ...(cursor !== undefined ? { cursor } : {}) });
      for (const object of page.objects) {
        yield { key: object.key, name: object.key.slice(prefix.length), size: object.size, uploaded: object.uploaded.getTime(), customMetadata: object.customMetadata ?? {} };
      }
      cursor = page.truncated ? page.cursor : undefined;
    } while (cursor !== undefined);
  }

  /** Deletes objects by key, 1 000 per call (R2's limit); keys outside this project are refused. */
  async delete(keys: readonly string[]): Promise<void> {
    const own = `${this.key()}/`;
    if (keys.some((key) => !key.startsWith(own))) throw new Error("refusing to delete another project's objects");
    for (let i = 0; i < keys.length; i += 1000) await this.bucket.delete(keys.slice(i, i + 1000));
  }

  private async open(key: string): Promise<SizedStream | null> {
    const object = await this.bucket.get(key);
    return object === null ? null : { body: object.body, size: object.size };
  }

  /** R2 needs a stream's length up front: a FixedLengthStream of the known size carries it. */
  private async putStream(key: string, source: SizedStream, options: R2PutOptions): Promise<void> {
    const { readable, writable } = new FixedLengthStream(source.size);
    const piping = source.body.pipeTo(writable);
    const putting = this.bucket.put(key, readable, options);
    // Whichever fails first decides; the other's rejection is not left unhandled.
    piping.catch(() => undefined);
    putting.catch(() => undefined);
    await Promise.all([putting, piping]);
  }
}
