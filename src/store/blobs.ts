/**
 * Content-addressed media storage: a blob's name is the sha256 of its bytes, so the same file is stored
 * once however many posts carry it. Writes go to a temp file renamed into place, so a killed process
 * never leaves a half-written blob under a real name. `BlobStore` is the seam for an S3-compatible store.
 */
import { createHash } from "node:crypto";
import { join } from "node:path";

export interface PutResult {
  sha256: string;
  size: number;
  /** False when the blob already existed (deduplicated). */
  created: boolean;
}

export interface BlobStore {
  put(bytes: Uint8Array): Promise<PutResult>;
  /** Copies a local file in, streaming it (videos can be large). */
  putFile(path: string): Promise<PutResult>;
  get(sha256: string): Promise<Uint8Array>;
  has(sha256: string): Promise<boolean>;
  /** A local path to read the blob from (ffmpeg wants files); the file store returns its own path. */
  localPath(sha256: string): Promise<string>;
}

const SHA256_HEX = /^[0-9a-f]{64}$/;

export class FileBlobStore implements BlobStore {
  constructor(readonly root: string) {}

  pathOf(sha256: string): string {
    if (!SHA256_HEX.test(sha256)) {
      throw new TypeError(`Cannot locate blob "${sha256}": not a sha256 hex digest`);
    }
    return join(this.root, sha256.slice(0, 2), sha256.slice(2, 4), sha256);
  }

  async put(bytes: Uint8Array): Promise<PutResult> {
    const sha256 = createHash("sha256").update(bytes).digest("hex");
    const size = bytes.byteLength;
    if (await this.has(sha256)) return { sha256, size, created: false };
    const final = this.pathOf(sha256);
    const tmp = await this.#tempBeside(final);
    try {
      await Deno.writeFile(tmp, bytes);
      await Deno.rename(tmp, final);
    } catch (err) {
      await Deno.remove(tmp).catch(() => {});
      throw err;
    }
    return { sha256, size, created: true };
  }

  async putFile(path: string): Promise<PutResult> {
    const hash = createHash("sha256");
    let size = 0;
    using file = await Deno.open(path, { read: true });
    for await (const chunk of file.readable) {
      hash.update(chunk);
      size += chunk.byteLength;
    }
    const sha256 = hash.digest("hex");
    if (await this.has(sha256)) return { sha256, size, created: false };
    const final = this.pathOf(sha256);
    const tmp = await this.#tempBeside(final);
    try {
      await Deno.copyFile(path, tmp);
      await Deno.rename(tmp, final);
    } catch (err) {
      await Deno.remove(tmp).catch(() => {});
      throw err;
    }
    return { sha256, size, created: true };
  }

  async get(sha256: string): Promise<Uint8Array> {
    try {
      return await Deno.readFile(this.pathOf(sha256));
    } catch (err) {
      if (err instanceof Deno.errors.NotFound) {
        throw new Deno.errors.NotFound(`Cannot read blob "${sha256}": not in the blob store "${this.root}"`);
      }
      throw err;
    }
  }

  async has(sha256: string): Promise<boolean> {
    try {
      await Deno.stat(this.pathOf(sha256));
      return true;
    } catch (err) {
      if (err instanceof Deno.errors.NotFound) return false;
      throw err;
    }
  }

  async localPath(sha256: string): Promise<string> {
    if (!(await this.has(sha256))) {
      throw new Deno.errors.NotFound(`Cannot read blob "${sha256}": not in the blob store "${this.root}"`);
    }
    return this.pathOf(sha256);
  }

  async #tempBeside(final: string): Promise<string> {
    const dir = final.slice(0, final.lastIndexOf("/"));
    await Deno.mkdir(dir, { recursive: true });
    return `${final}.tmp-${Deno.pid}-${crypto.randomUUID()}`;
  }
}
