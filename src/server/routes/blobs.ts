/**
 * GET /api/blobs/{sha256}: a stored media file by its hash, for the labeling page. Only a sha256 that a
 * post's media row names is served (no path, so no directory access), with the media type ingest
 * recorded, and only through a signed, expiring URL that the labeling routes hand out. Byte ranges are
 * served so that videos can seek. Images a browser cannot show (TIFF, HEIC ...) go out as a JPEG rendition.
 */
import { createRoute } from "@hono/zod-openapi";
import sharp from "sharp";
import { z } from "zod";
import { blobMime } from "@/label/mod.ts";
import type { BlobStore } from "@/store/mod.ts";
import type { BlobSigner } from "../_annotators.ts";
import { httpError, type RouteDeps } from "../_http.ts";
import { responses, routeApp, security } from "../_openapi.ts";

export interface BlobDeps extends RouteDeps {
  blobs: BlobStore;
  signer: BlobSigner;
}

/** Media types served as they are; anything else (HTML, SVG, scripts) goes out as an opaque download. */
const SAFE = /^(image\/(jpeg|png|gif|webp|avif|bmp)|video\/(mp4|webm|ogg|quicktime))$/;
/** Images sharp reads that browsers do not show: rendered as JPEG. */
const RENDER = /^image\/(tiff|heic|heif|jp2|x-portable-\w+)$/;

const params = z.object({ sha256: z.string().regex(/^[0-9a-f]{64}$/, "expected a sha256 hex digest") });
const query = z.strictObject({
  exp: z.coerce.number().int().describe("Expiry of the signed URL, Unix seconds"),
  sig: z.string().max(128).describe("Signature of the URL"),
});

const route = createRoute({
  method: "get",
  path: "/{sha256}",
  summary: "A stored media file by its sha256, through a signed URL from the labeling routes",
  request: { params, query },
  responses: {
    200: {
      description: "The file, with the media type recorded at ingest",
      content: { "image/*": { schema: z.any() }, "video/*": { schema: z.any() } },
    },
    206: { description: "The requested byte range" },
    ...(({ 200: _, ...rest }) => rest)(responses(z.object({}), "open", { notFound: true })),
    403: { description: "The URL's signature is wrong or expired" },
  },
  ...security("open"),
});

export function blobsRoutes(deps: BlobDeps) {
  return routeApp().openapi(route, async (c) => {
    const { sha256 } = c.req.valid("param");
    const { exp, sig } = c.req.valid("query");
    if (!deps.signer.valid(sha256, exp, sig)) {
      throw httpError(
        403,
        `Cannot serve blob "${sha256.slice(0, 12)}…": the URL's signature is wrong or expired`,
      );
    }
    const known = await blobMime(deps.db, sha256);
    if (!known || !(await deps.blobs.has(sha256))) {
      throw httpError(404, `Cannot find blob "${sha256.slice(0, 12)}…" in the blob store`);
    }
    const path = await deps.blobs.localPath(sha256);
    if (known.kind === "image" && known.mime && RENDER.test(known.mime)) {
      const jpeg = await sharp(path).rotate().resize({ width: 1280, withoutEnlargement: true }).jpeg({
        quality: 85,
      })
        .toBuffer().catch(() => undefined);
      if (jpeg) {
        return c.body(new Uint8Array(jpeg), 200, {
          "content-type": "image/jpeg",
          "x-content-type-options": "nosniff",
          "cache-control": "private, max-age=3600",
          "content-security-policy": "default-src 'none'; sandbox",
        });
      }
    }
    const type = known.mime && SAFE.test(known.mime) ? known.mime : "application/octet-stream";
    const size = (await Deno.stat(path)).size;
    const headers: Record<string, string> = {
      "content-type": type,
      "x-content-type-options": "nosniff",
      "content-disposition": type === "application/octet-stream" ? "attachment" : "inline",
      "cache-control": "private, max-age=3600",
      "accept-ranges": "bytes",
      "content-security-policy": "default-src 'none'; sandbox",
    };
    const range = c.req.header("range")?.match(/^bytes=(\d*)-(\d*)$/);
    let start = 0, end = size - 1, status: 200 | 206 = 200;
    if (range && (range[1] || range[2])) {
      start = range[1] ? Number(range[1]) : Math.max(0, size - Number(range[2]));
      end = range[1] && range[2] ? Math.min(Number(range[2]), size - 1) : size - 1;
      if (start > end || start >= size) {
        return c.body(null, 416, { ...headers, "content-range": `bytes */${size}` });
      }
      status = 206;
      headers["content-range"] = `bytes ${start}-${end}/${size}`;
    }
    headers["content-length"] = String(end - start + 1);
    const file = await Deno.open(path, { read: true });
    await file.seek(start, Deno.SeekMode.Start);
    let left = end - start + 1;
    const body = file.readable.pipeThrough(
      new TransformStream<Uint8Array, Uint8Array>({
        transform(chunk, out) {
          if (left <= 0) return;
          const part = chunk.byteLength > left ? chunk.subarray(0, left) : chunk;
          left -= part.byteLength;
          out.enqueue(part);
          if (left <= 0) out.terminate();
        },
      }),
    );
    return c.body(body, status, headers);
  });
}
