import type { SnapshotPutRequest } from "../runner/protocol.ts";

// R2 holds what must outlive a runner container: each session's transcript and the
// project's workspace snapshots. Keys are per project, so one project never reads another's.
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

  async putTranscript(sessionId: string, jsonl: string): Promise<void> {
    await this.bucket.put(this.key("transcripts", `${sessionId}.jsonl`), jsonl, {
      httpMetadata: { contentType: "application/x-ndjson" },
    });
  }

  async getTranscript(sessionId: string): Promise<string | null> {
    const object = await this.bucket.get(this.key("transcripts", `${sessionId}.jsonl`));
    return object === null ? null : object.text();
  }

  /** Stores the snapshot a version left, and marks it as the latest. */
  async putSnapshot(versionNumber: number, snapshot: SnapshotPutRequest): Promise<void> {
    const body = JSON.stringify(snapshot);
    await this.bucket.put(this.key("snapshots", `v${String(versionNumber).padStart(6, "0")}.json`), body);
    await this.bucket.put(this.key("snapshots", "latest.json"), body);
  }

  async getLatestSnapshot(): Promise<SnapshotPutRequest | null> {
    const object = await this.bucket.get(this.key("snapshots", "latest.json"));
    return object === null ? null : (JSON.parse(await object.text()) as SnapshotPutRequest);
  }

  /** Bytes stored for this project (transcripts and snapshots). */
  async size(): Promise<number> {
    let total = 0;
    let cursor: string | undefined;
    do {
      const page = await this.bucket.list({ prefix: this.key(""), ...(cursor !== undefined ? { cursor } : {}) });
      for (const object of page.objects) total += object.size;
      cursor = page.truncated ? page.cursor : undefined;
    } while (cursor !== undefined);
    return total;
  }
}
