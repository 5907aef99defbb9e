/**
 * Where `models add` takes a model's files from: a local snapshot folder, or the Hugging Face hub
 * through its resolve URLs (`{endpoint}/{id}/resolve/{revision}/{file}`, as `huggingface_hub` downloads;
 * `HF_ENDPOINT` points at a mirror). Each source copies one file by its path in the repository into a
 * destination file and says whether the file exists there.
 *
 * @module
 */
import { dirname, join, resolve } from "node:path";

export interface ModelSource {
  /** What the user gave: a folder path or a hub id. */
  readonly label: string;
  readonly kind: "folder" | "hub";
  /** Copies `path` to `dest`; false when the source has no such file. */
  fetchTo(path: string, dest: string): Promise<boolean>;
  /** Hub: the commit the revision resolved to (from the first file fetched); null for a folder. */
  commit(): string | null;
}

/** A local folder (an export or a `huggingface-cli download` snapshot; symlinks to blobs are followed). */
export function folderSource(folder: string): ModelSource {
  const root = resolve(folder);
  return {
    label: root,
    kind: "folder",
    async fetchTo(path, dest) {
      try {
        if (!(await Deno.stat(join(root, path))).isFile) return false;
      } catch (err) {
        if (err instanceof Deno.errors.NotFound) return false;
        throw err;
      }
      await Deno.mkdir(dirname(dest), { recursive: true });
      await Deno.copyFile(join(root, path), dest);
      return true;
    },
    commit: () => null,
  };
}

/** Options of {@linkcode hubSource}. */
export interface HubSourceOptions {
  /** Hub base URL. @default "https://huggingface.co" */
  endpoint?: string;
  /** Branch, tag or commit. @default "main" */
  revision?: string;
  /** Bearer token for gated or private models. @default none */
  token?: string;
  /** @default globalThis.fetch */
  fetch?: typeof fetch;
}

/** A hub repository `org/name` at a revision, read through the hub's resolve URLs. */
export function hubSource(id: string, options: HubSourceOptions = {}): ModelSource {
  const endpoint = (options.endpoint ?? "https://huggingface.co").replace(/\/+$/, "");
  const revision = options.revision ?? "main";
  const get = options.fetch ?? fetch;
  let commit: string | null = null;
  return {
    label: id,
    kind: "hub",
    async fetchTo(path, dest) {
      const url = `${endpoint}/${id}/resolve/${encodeURIComponent(revision)}/${path}`;
      let res: Response;
      try {
        res = await get(url, {
          headers: options.token ? { authorization: `Bearer ${options.token}` } : {},
        });
      } catch (err) {
        throw new Error(
          `Cannot download "${url}": ${(err as Error).message}. Offline? On a machine with internet run ` +
            `\`huggingface-cli download ${id} --local-dir DIR\`, copy DIR here and run \`deno task models add DIR\` ` +
            `(or set HF_ENDPOINT to a mirror)`,
        );
      }
      if (res.status === 404) {
        await res.body?.cancel();
        return false;
      }
      if (res.status === 401 || res.status === 403) {
        await res.body?.cancel();
        throw new Error(
          `Cannot download "${url}": HTTP ${res.status} (a gated or private model, or a wrong id); ` +
            `accept its terms on the hub and set HF_TOKEN`,
        );
      }
      if (!res.ok || !res.body) {
        await res.body?.cancel();
        throw new Error(`Cannot download "${url}": HTTP ${res.status} ${res.statusText}`);
      }
      commit ??= res.headers.get("x-repo-commit");
      await Deno.mkdir(dirname(dest), { recursive: true });
      const file = await Deno.open(dest, { write: true, create: true, truncate: true });
      await res.body.pipeTo(file.writable);
      return true;
    },
    commit: () => commit,
  };
}

/** True when `source` reads like a hub id (`org/name`) rather than a folder path. */
export function isHubId(source: string): boolean {
  return /^[A-Za-z0-9][\w.-]*\/[\w.-]+$/.test(source) && !source.startsWith(".");
}
