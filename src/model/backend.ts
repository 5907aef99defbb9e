/**
 * Selects the tfjs backend: "wasm" (CPU, SIMD; wasm files read from node_modules, no network), "webgpu"
 * (when navigator.gpu gives a hardware adapter), "tensorflow" (only when @tensorflow/tfjs-node(-gpu) is
 * importable), or "cpu" (plain JS). Never falls back silently: "auto" reports what it chose and why, and a
 * requested backend that cannot start throws an error saying what to install.
 */
import * as tf from "@tensorflow/tfjs";

/** What the caller may ask for. */
export type BackendRequest = "auto" | "wasm" | "webgpu" | "cpu" | "tensorflow";
/** A backend actually in use. */
export type BackendName = Exclude<BackendRequest, "auto">;

/** The backend in use, to log and record in manifests. */
export interface BackendInfo {
  name: BackendName;
  /** Why "auto" chose it, or "requested". */
  reason: string;
  /** wasm: SIMD in use. */
  simd?: boolean;
  /** wasm: threads in use (1: Deno runs tfjs-wasm in its Node mode, where tfjs disables threads). */
  threads?: number;
  /** webgpu: the adapter's description. */
  adapter?: string;
}

/** Options of `selectBackend`. */
export interface SelectBackendOptions {
  /** Backend to use. @default "auto" */
  backend?: BackendRequest;
  /** Folder (path or file URL) holding tfjs-backend-wasm's .wasm files. @default the installed package's dist/ */
  wasmDir?: string;
  /** Let "auto" pick WebGPU on a software (fallback) adapter such as llvmpipe. @default false */
  allowFallbackAdapter?: boolean;
}

interface GpuAdapterLike {
  info?: { description?: string; vendor?: string; isFallbackAdapter?: boolean };
  isFallbackAdapter?: boolean;
}

let wasmPathsSet = false;

async function useWasm(wasmDir: string | undefined): Promise<Partial<BackendInfo>> {
  let wasm: typeof import("@tensorflow/tfjs-backend-wasm");
  try {
    wasm = await import("@tensorflow/tfjs-backend-wasm");
  } catch (e) {
    throw new Error(
      `Cannot start backend "wasm": @tensorflow/tfjs-backend-wasm is not importable (${
        (e as Error).message
      }); install it with "npm install @tensorflow/tfjs-backend-wasm@${tf.version.tfjs}"`,
    );
  }
  if (!wasmPathsSet) {
    let dir = wasmDir ?? new URL("./", import.meta.resolve("@tensorflow/tfjs-backend-wasm")).href;
    if (!/^[a-z]+:/.test(dir)) {
      dir = new URL(dir.endsWith("/") ? dir : `${dir}/`, `file://${Deno.cwd()}/`).href;
    }
    if (!dir.endsWith("/")) dir += "/";
    wasm.setWasmPaths(dir);
    wasmPathsSet = true;
  }
  if (!(await tf.setBackend("wasm"))) {
    throw new Error(
      `Cannot start backend "wasm": initialisation failed; check that tfjs-backend-wasm-simd.wasm is readable under "${
        wasmDir ?? "node_modules/@tensorflow/tfjs-backend-wasm/dist/"
      }"`,
    );
  }
  await tf.ready();
  return {
    simd: await tf.env().getAsync("WASM_HAS_SIMD_SUPPORT") as boolean,
    threads: wasm.getThreadsCount(),
  };
}

async function gpuAdapter(): Promise<GpuAdapterLike | null> {
  const gpu =
    (globalThis.navigator as { gpu?: { requestAdapter(): Promise<GpuAdapterLike | null> } } | undefined)
      ?.gpu;
  if (!gpu) return null;
  try {
    return await gpu.requestAdapter();
  } catch {
    return null;
  }
}

function adapterDescription(adapter: GpuAdapterLike): string {
  return adapter.info?.description || adapter.info?.vendor || "unknown adapter";
}

function isFallback(adapter: GpuAdapterLike): boolean {
  return adapter.info?.isFallbackAdapter ?? adapter.isFallbackAdapter ?? false;
}

async function useWebgpu(adapter: GpuAdapterLike | null): Promise<Partial<BackendInfo>> {
  if (!adapter) {
    throw new Error(
      'Cannot start backend "webgpu": navigator.gpu gives no adapter; run on a machine with a GPU and its Vulkan/Metal driver',
    );
  }
  try {
    await import("@tensorflow/tfjs-backend-webgpu");
  } catch (e) {
    throw new Error(
      `Cannot start backend "webgpu": @tensorflow/tfjs-backend-webgpu is not importable (${
        (e as Error).message
      }); install it with "npm install @tensorflow/tfjs-backend-webgpu@${tf.version.tfjs}"`,
    );
  }
  if (!(await tf.setBackend("webgpu"))) {
    throw new Error(
      `Cannot start backend "webgpu": initialisation failed on adapter "${adapterDescription(adapter)}"`,
    );
  }
  await tf.ready();
  return { adapter: adapterDescription(adapter) };
}

/** Tries to import tfjs-node(-gpu); returns the package that registered the "tensorflow" backend, or null. */
async function importTfjsNode(): Promise<string | null> {
  for (const spec of ["@tensorflow/tfjs-node-gpu", "@tensorflow/tfjs-node"]) {
    try {
      await import(spec);
      if (tf.findBackendFactory("tensorflow")) return spec;
    } catch {
      // not installed: try the next one
    }
  }
  return null;
}

async function useTensorflow(): Promise<Partial<BackendInfo>> {
  const spec = await importTfjsNode();
  if (!spec || !(await tf.setBackend("tensorflow"))) {
    throw new Error(
      `Cannot start backend "tensorflow": neither @tensorflow/tfjs-node-gpu nor @tensorflow/tfjs-node is importable; install one (npm install @tensorflow/tfjs-node@${tf.version.tfjs}) and map it in deno.json "imports"`,
    );
  }
  await tf.ready();
  return { reason: `requested (${spec})` };
}

/** Sets the global tfjs backend and returns the one in use. */
export async function selectBackend(options: SelectBackendOptions = {}): Promise<BackendInfo> {
  const { backend = "auto", wasmDir, allowFallbackAdapter = false } = options;
  switch (backend) {
    case "wasm":
      return { name: "wasm", reason: "requested", ...(await useWasm(wasmDir)) };
    case "webgpu":
      return { name: "webgpu", reason: "requested", ...(await useWebgpu(await gpuAdapter())) };
    case "tensorflow":
      return { name: "tensorflow", reason: "requested", ...(await useTensorflow()) };
    case "cpu":
      if (!(await tf.setBackend("cpu"))) throw new Error('Cannot start backend "cpu": initialisation failed');
      return { name: "cpu", reason: "requested" };
    case "auto":
      break;
    default:
      throw new RangeError(`Cannot select backend: unknown backend "${String(backend)}"`);
  }
  const spec = await importTfjsNode();
  if (spec && (await tf.setBackend("tensorflow"))) {
    await tf.ready();
    return { name: "tensorflow", reason: `auto: ${spec} is importable` };
  }
  const adapter = await gpuAdapter();
  if (adapter && (allowFallbackAdapter || !isFallback(adapter))) {
    return {
      name: "webgpu",
      reason: "auto: navigator.gpu gives a hardware adapter",
      ...(await useWebgpu(adapter)),
    };
  }
  const why = adapter
    ? `only a software adapter ("${adapterDescription(adapter)}") is available`
    : "no WebGPU adapter";
  return { name: "wasm", reason: `auto: ${why}`, ...(await useWasm(wasmDir)) };
}
