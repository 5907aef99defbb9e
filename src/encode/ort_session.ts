/**
 * One way to open an onnxruntime-node session for every encoder: the execution provider is chosen
 * cuda > webgpu > cpu (`device: "auto"`) or named, and never silently — the result says which provider
 * runs the graph and why each one before it was passed over, so scripts print it and manifests record it.
 *
 * - cuda: needs the CUDA provider libraries beside onnxruntime-node's binding
 *   (`libonnxruntime_providers_cuda.so`); the npm package leaves them out and its install step downloads
 *   them when asked: `ONNXRUNTIME_NODE_INSTALL=cuda12 npm install` (needs the internet and CUDA 12).
 * - webgpu: built into the npm Linux x64 binary (Dawn on Vulkan); needs a Vulkan loader (`libvulkan.so.1`)
 *   and a GPU driver's ICD. On a machine without them it is passed over with that reason.
 * - cpu: always there.
 *
 * @module
 */
import type * as ort from "onnxruntime-node";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";

/** Which execution provider to use; "auto" takes the first of cuda, webgpu, cpu that works. */
export type OrtDevice = "auto" | "cuda" | "webgpu" | "cpu";
/** A provider that ran. */
export type OrtProvider = Exclude<OrtDevice, "auto">;

/** Options of {@linkcode createOrtSession}. */
export interface OrtSessionOptions {
  /** @default "auto" */
  device?: OrtDevice;
  /** Intra-op threads of the CPU provider. @default 2 */
  threads?: number;
  /** Extra session options (graph capture, free dimension overrides, ...). */
  session?: ort.InferenceSession.SessionOptions;
}

/** A session and the provider it runs on. */
export interface OrtSessionInfo {
  session: ort.InferenceSession;
  provider: OrtProvider;
  /** Providers passed over before `provider`, each with its reason. */
  passedOver: { provider: OrtProvider; reason: string }[];
}

/** The folder of onnxruntime-node's native binding (where the CUDA provider libraries must lie). */
export function ortBindingDir(): string | undefined {
  try {
    const require = createRequire(import.meta.url);
    const pkg = dirname(require.resolve("onnxruntime-node/package.json"));
    return join(pkg, "bin", "napi-v6", Deno.build.os === "windows" ? "win32" : Deno.build.os, archName());
  } catch {
    return undefined;
  }
}

function archName(): string {
  return Deno.build.arch === "x86_64" ? "x64" : "arm64";
}

function exists(path: string): boolean {
  try {
    Deno.statSync(path);
    return true;
  } catch {
    return false;
  }
}

/** Why `provider` cannot run here, or undefined when it may (checked without opening a session). */
export function providerUnavailable(provider: OrtProvider): string | undefined {
  if (provider === "cpu") return undefined;
  if (Deno.build.os !== "linux" || Deno.build.arch !== "x86_64") {
    return `onnxruntime-node ships ${provider} for Linux x64 only (this is ${Deno.build.os} ${Deno.build.arch})`;
  }
  if (provider === "cuda") {
    const dir = ortBindingDir();
    if (!dir || !exists(join(dir, "libonnxruntime_providers_cuda.so"))) {
      return `no libonnxruntime_providers_cuda.so beside onnxruntime-node's binding (${
        dir ?? "not found"
      }); ` +
        "install with ONNXRUNTIME_NODE_INSTALL=cuda12";
    }
    return undefined;
  }
  if (!hasVulkanLoader()) return "no Vulkan loader (libvulkan.so.1) on this machine";
  return undefined;
}

function hasVulkanLoader(): boolean {
  const dirs = (Deno.env.get("LD_LIBRARY_PATH") ?? "").split(":").filter(Boolean).concat([
    "/usr/lib/x86_64-linux-gnu",
    "/lib/x86_64-linux-gnu",
    "/usr/lib64",
    "/usr/lib",
    "/usr/local/lib",
  ]);
  return dirs.some((d) => exists(join(d, "libvulkan.so.1")));
}

function providerOptions(provider: OrtProvider, threads: number): ort.InferenceSession.SessionOptions {
  if (provider === "cpu") {
    return {
      executionProviders: ["cpu"],
      intraOpNumThreads: threads,
      interOpNumThreads: 1,
      extra: { session: { intra_op: { allow_spinning: "0" } } },
    };
  }
  if (provider === "webgpu") return { executionProviders: [WEBGPU_PROVIDER] };
  return { executionProviders: [provider] };
}

/**
 * The WebGPU provider's settings. Its default buffer cache ("bucket") keeps no buffer above 160 MB, so
 * at batch 64 and up (a MobileNetV2 activation at batch 256 is up to 1.2 GB) every run made and freed
 * its large buffers again: 675 images/s at batch 256 on the H200 against 1,110 with "simple" (reuse
 * any buffer of the same size; a batch size seen once keeps its buffers), and MiniLM-L12 389 texts/s
 * against 1,836. Dawn's validation costs CPU time per dispatch and the provider's own shaders need none:
 * 4,396 against 3,635 images/s at batch 256 (uint8 input). Measured in bench/gpu.ts' probe, #16.
 */
export const WEBGPU_PROVIDER = {
  name: "webgpu",
  storageBufferCacheMode: "simple",
  validationMode: "disabled",
} as ort.InferenceSession.ExecutionProviderConfig;

/**
 * Opens `path` on the provider `device` names (or the first that works, for "auto").
 *
 * @throws {Error} when a named provider cannot run here, saying why.
 */
export async function createOrtSession(
  path: string,
  options: OrtSessionOptions = {},
): Promise<OrtSessionInfo> {
  const { device = "auto", threads = 2 } = options;
  const order: OrtProvider[] = device === "auto" ? ["cuda", "webgpu", "cpu"] : [device];
  const passedOver: OrtSessionInfo["passedOver"] = [];
  for (const provider of order) {
    const why = providerUnavailable(provider);
    if (why) {
      passedOver.push({ provider, reason: why });
      continue;
    }
    try {
      const { InferenceSession } = await import("onnxruntime-node");
      const session = await InferenceSession.create(path, {
        graphOptimizationLevel: "all",
        ...providerOptions(provider, threads),
        ...options.session,
      });
      return { session, provider, passedOver };
    } catch (err) {
      passedOver.push({ provider, reason: err instanceof Error ? err.message : String(err) });
    }
  }
  const reasons = passedOver.map((p) => `${p.provider}: ${p.reason}`).join("; ");
  throw new Error(`Cannot open onnxruntime session for "${path}" on device "${device}": ${reasons}`);
}

/** One line for logs and manifests: `"webgpu (cuda passed over: ...)"`. */
export function describeProvider(info: Pick<OrtSessionInfo, "provider" | "passedOver">): string {
  if (info.passedOver.length === 0) return info.provider;
  return `${info.provider} (${
    info.passedOver.map((p) => `${p.provider} passed over: ${p.reason}`).join("; ")
  })`;
}
