/**
 * The domain error every preprocessing module throws for bad input data, so a job can quarantine
 * that post (by `postId` and `modality`), count it, and go on with the rest.
 *
 * `reason` is a short machine-readable code; the ones in use:
 * `empty`, `missing`, `corrupt`, `truncated`, `unsupported_format`, `too_large`, `no_video_stream`,
 * `no_frames`. Other modules may add their own.
 */
import type { Modality } from "@/core/mod.ts";

/** Details attached to an {@linkcode InputDataError}. */
export interface InputDataErrorOptions {
  modality: Modality;
  /** Short code, e.g. `"corrupt"` or `"unsupported_format"`. */
  reason: string;
  /** The post the data came from, when the caller knows it. */
  postId?: string;
  /** The underlying error, e.g. the decoder's. */
  cause?: unknown;
}

/** Bad input data for one post: the caller sets the post aside and carries on. */
export class InputDataError extends Error {
  override name = "InputDataError";
  readonly modality: Modality;
  readonly reason: string;
  readonly postId?: string;

  constructor(message: string, options: InputDataErrorOptions) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.modality = options.modality;
    this.reason = options.reason;
    if (options.postId !== undefined) this.postId = options.postId;
  }
}
