/**
 * Content-addressed media storage: a blob's name is the sha256 of its bytes, so the same file is stored
 * once however many posts carry it. Writes go to a temp file renamed into place, so a killed process
 * never leaves a half-written blob under a real name; reads for processing can check the bytes still
 * match the name. `BlobStore` is the seam for an S3-compatible store.
 */
import { createHash } from "node:crypto";
import { dirname, join } from "node:path";

export interface PutResult {
  sha256: string;
  size: number;
  /** False when the blob already existed (deduplicated). */
  created: boolean;
}

export interface BlobStore {
  put(bytes: Uint8Array): Promise<PutResult>;
  /** Copies a local file in, streaming it (videos can be large). */
  putFile(path: string, options?: PutStreamOptions): Promise<PutResult>;
  /** Stores what `stream` yields, read once; more than `maxBytes` fails with a RangeError. */
  putStream(stream: ReadableStream<Uint8Array>, options?: PutStreamOptions): Promise<PutResult>;
  /** The blob's bytes; with `verify`, checked against its name (a blob changed on disk throws). */
  get(sha256: string, options?: { verify?: boolean }): Promise<Uint8Array>;
  has(sha256: string): Promise<boolean>;
  /** A local path to read the blob from (ffmpeg wants files); the file store returns its own path. */
  localPath(sha256: string, options?: { verify?: boolean }): Promise<string>;
}

export interface PutStreamOptions {
  /** Largest blob accepted. @default Infinity */
  maxBytes?: number;
}

/** A blob whose bytes no longer hash to its name (disk corruption, an edit by hand). */
export class BlobCorruptError extends Error {
  override name = "BlobCorruptError";
}

const SHA256_HEX = /^[0-9a-f]{64}$/;

/**
 * Blobs as files under `root/ab/cd/<sha256>`. Each is written to a temp file, flushed to disk, renamed
 * into place and its folder flushed, so that once `put` returns the blob survives a crash or power loss
 * (the database row naming it is committed after).
 */
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
      using file = await Deno.open(tmp, { write: true, createNew: true });
      for (let at = 0; at < bytes.byteLength;) at += await file.write(bytes.subarray(at));
      await file.syncData();
    } catch (err) {
      await Deno.remove(tmp).catch(() => {});
      throw err;
    }
    await this.#publish(tmp, final);
    return { sha256, size, created: true };
  }

  async putFile(path: string, options: PutStreamOptions = {}): Promise<PutResult> {
    const file = await Deno.open(path, { read: true });
    return await this.putStream(file.readable, options);
  }

  async putStream(stream: ReadableStream<Uint8Array>, options: PutStreamOptions = {}): Promise<PutResult> {
    const maxBytes = options.maxBytes ?? Infinity;
    const hash = createHash("sha256");
    let size = 0;
    await Deno.mkdir(this.root, { recursive: true });
    const tmp = join(this.root, `.incoming-${Deno.pid}-${crypto.randomUUID()}`);
    try {
      using out = await Deno.open(tmp, { write: true, createNew: true });
      for await (const chunk of stream) {
        size += chunk.byteLength;
        if (size > maxBytes) {
          // Leaving the loop cancels the stream (and closes the file it reads).
          throw new RangeError(`Cannot store the media: more than the cap of ${maxBytes} bytes`);
        }
        hash.update(chunk);
        for (let at = 0; at < chunk.byteLength;) at += await out.write(chunk.subarray(at));
      }
      await out.syncData();
    } catch (err) {
      await Deno.remove(tmp).catch(() => {});
      throw err;
    }
    const sha256 = hash.digest("hex");
    if (await this.has(sha256)) {
      await Deno.remove(tmp);
      return { sha256, size, created: false };
    }
    const final = this.pathOf(sha256);
    await Deno.mkdir(dirname(final), { recursive: true });
    await this.#publish(tmp, final);
    return { sha256, size, created: true };
  }

  async get(sha256: string, options: { verify?: boolean } = {}): Promise<Uint8Array> {
    let bytes: Uint8Array;
    try {
      bytes = await Deno.readFile(this.pathOf(sha256));
    } catch (err) {
      if (err instanceof Deno.errors.NotFound) {
        throw new Deno.errors.NotFound(`Cannot read blob "${sha256}": not in the blob store "${this.root}"`);
      }
      throw err;
    }
    if (options.verify) this.#check(sha256, createHash("sha256").update(bytes).digest("hex"));
    return bytes;
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

  async localPath(sha256: string, options: { verify?: boolean } = {}): Promise<string> {
    if (!(await this.has(sha256))) {
      throw new Deno.errors.NotFound(`Cannot read blob "${sha256}": not in the blob store "${this.root}"`);
    }
    const path = this.pathOf(sha256);
    if (options.verify) await verifyBlobFile(path, sha256);
    return path;
  }

  #check(sha256: string, actual: string): void {
    if (actual !== sha256) throw corrupt(sha256, actual);
  }

  async #tempBeside(final: string): Promise<string> {
    await Deno.mkdir(dirname(final), { recursive: true });
    return `${final}.tmp-${Deno.pid}-${crypto.randomUUID()}`;
  }

  /** Renames the flushed temp file into place and flushes the folder, so the name survives a crash. */
  async #publish(tmp: string, final: string): Promise<void> {
    try {
      await Deno.rename(tmp, final);
    } catch (err) {
      await Deno.remove(tmp).catch(() => {});
      throw err;
    }
    await syncDir(dirname(final));
  }
}

const corrupt = (sha256: string, actual: string) =>
  new BlobCorruptError(
    `Cannot use blob "${sha256}": its bytes hash to "${actual}" (changed on disk); ingest the post again`,
  );

/** Checks that the file at `path` still hashes to `sha256` (its blob name); throws BlobCorruptError if not. */
export async function verifyBlobFile(path: string, sha256: string): Promise<void> {
  const hash = createHash("sha256");
  const file = await Deno.open(path, { read: true });
  for await (const chunk of file.readable) hash.update(chunk);
  const actual = hash.digest("hex");
  if (actual !== sha256) throw corrupt(sha256, actual);
}

/** Flushes a folder's entries (a rename into it) to disk; a no-op where folders cannot be opened. */
export async function syncDir(dir: string): Promise<void> {
  let handle: Deno.FsFile;
  try {
    handle = await Deno.open(dir, { read: true });
  } catch {
    return;
  }
  try {
    await handle.sync();
  } catch {
    // Some file systems refuse fsync on a folder; the rename is still atomic there.
  } finally {
    handle.close();
  }
}
