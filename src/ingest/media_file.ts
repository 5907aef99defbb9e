/**
 * Opens a media file an import names, confined to a folder: the path must stay inside `root` once every
 * symlink is resolved (`../../etc/passwd`, `/etc/passwd` and a link to a file outside are refused), and it
 * must be a regular file (no device, FIFO or socket) no larger than the cap. The file opened is checked
 * to be the one inspected, so a path swapped in between is refused too.
 */
import { sep } from "node:path";

/** A media file the import may not read; the post is kept and the media entry records why. */
export class MediaRefusedError extends Error {
  override name = "MediaRefusedError";
}

export interface MediaFileOptions {
  /** Largest file accepted. @default 512 MiB */
  maxBytes?: number;
}

export const DEFAULT_MAX_MEDIA_BYTES = 512 * 1024 * 1024;

/** The opened file and its size; throws NotFound for a missing file, MediaRefusedError for a refused one. */
export async function openMediaFile(
  path: string,
  root: string,
  options: MediaFileOptions = {},
): Promise<{ file: Deno.FsFile; size: number }> {
  const maxBytes = options.maxBytes ?? DEFAULT_MAX_MEDIA_BYTES;
  const realRoot = await Deno.realPath(root);
  let real: string;
  try {
    real = await Deno.realPath(path);
  } catch (err) {
    if (err instanceof Deno.errors.NotFound) {
      throw new Deno.errors.NotFound(`media file not found: "${path}"`);
    }
    throw err;
  }
  if (!(real + sep).startsWith(realRoot.endsWith(sep) ? realRoot : realRoot + sep)) {
    throw new MediaRefusedError(
      `media path "${path}" is outside the import folder "${root}" (it resolves to "${real}"); ` +
        `pass --media-root to allow another folder`,
    );
  }
  const info = await Deno.stat(real);
  if (!info.isFile) throw new MediaRefusedError(`media path "${path}" is not a regular file`);
  if (info.size > maxBytes) {
    throw new MediaRefusedError(
      `media file "${path}" has ${info.size} bytes, more than the cap of ${maxBytes}`,
    );
  }
  const file = await Deno.open(real, { read: true });
  const opened = await file.stat();
  if (!opened.isFile || opened.ino !== info.ino || opened.dev !== info.dev) {
    file.close();
    throw new MediaRefusedError(`media path "${path}" changed while it was being opened`);
  }
  return { file, size: opened.size };
}
