// Writing a large text object to R2 line by line in bounded memory: one put when it stays small,
// otherwise a multipart upload whose parts (all but the last) are at least R2's 5 MiB minimum.
const PART_BYTES = 8 * 1024 * 1024;

export class R2LineWriter {
  private chunks: Uint8Array[] = [];
  private buffered = 0;
  private upload: R2MultipartUpload | null = null;
  private parts: R2UploadedPart[] = [];
  private readonly encoder = new TextEncoder();
  /** Bytes written so far. */
  size = 0;

  constructor(
    private readonly bucket: R2Bucket,
    private readonly key: string,
    private readonly contentType = "application/x-ndjson",
  ) {}

  async writeLine(line: string): Promise<void> {
    const bytes = this.encoder.encode(`${line}\n`);
    this.chunks.push(bytes);
    this.buffered += bytes.byteLength;
    this.size += bytes.byteLength;
    if (this.buffered >= PART_BYTES) await this.flushPart();
  }

  async close(): Promise<void> {
    if (this.upload === null) {
      await this.bucket.put(this.key, this.take(), { httpMetadata: { contentType: this.contentType } });
      return;
    }
    try {
      if (this.buffered > 0) await this.flushPart();
      await this.upload.complete(this.parts);
    } catch (error) {
      await this.upload.abort();
      throw error;
    }
  }

  private async flushPart(): Promise<void> {
    this.upload ??= await this.bucket.createMultipartUpload(this.key, { httpMetadata: { contentType: this.contentType } });
    try {
      this.parts.push(await this.upload.uploadPart(this.parts.length + 1, this.take()));
    } catch (error) {
      await this.upload.abort();
      throw error;
    }
  }

  private take(): Uint8Array {
    const out = new Uint8Array(this.buffered);
    let at = 0;
    for (const c of this.chunks) {
      out.set(c, at);
      at += c.byteLength;
    }
    this.chunks = [];
    this.buffered = 0;
    return out;
  }
}
