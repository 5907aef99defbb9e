/**
 * Converts MobileNetV2's Keras weights (shipped in `nsfwjs`) into the ONNX graph the `"mobilenet-v2"`
 * encoder loads, and writes it where that encoder looks (`src/encode/image/mobilenet.ts`).
 *
 * Conversion: Conv2D / DepthwiseConv2D (group = channels) with BatchNormalization folded into the conv
 * weights and bias, ZeroPadding2D folded into the next conv's pads, ReLU(max 6) as Clip(0, 6), Add,
 * the 7x7 AveragePooling2D as GlobalAveragePool, Flatten. The graph ends at the chosen `layer`; a 4-D
 * layer output is globally average-pooled.
 *
 * @module
 */
import { dirname } from "node:path";
import {
  CONVERTER_VERSION,
  dequantize,
  type KerasLayer,
  loadMobileNetWeights,
  MOBILENET_DEFAULT_LAYER,
  MOBILENET_SIZE as SIZE,
  type MobileNetGraphOptions,
  type MobileNetLayout,
  mobileNetOnnxFile,
  type MobileNetWeights,
} from "@/encode/mod.ts";
import { ONNX_DTYPES, OnnxGraph } from "./onnx_writer.ts";

interface Value {
  name: string;
  channels: number;
  h: number;
  w: number;
  /** Zero padding still to apply (ONNX order: top, left, bottom, right). */
  pads?: number[];
  /** A factor still to apply, folded into the next conv's kernel (the 1/255 of byte input). */
  scale?: number;
}

/**
 * The graph's input and what turns it into the first conv's NCHW float input. For `"nhwc-u8"` the
 * decoded bytes come 4 to a uint32 word (the WebGPU provider has no 8-bit type, and casts no uint8): the
 * words are split into bytes with integer Div/Mul/Sub, interleaved back (Concat), cast to float,
 * reshaped to NHWC and transposed; the 1/255 scale is left to the first conv.
 */
function inputNodes(g: OnnxGraph, layout: MobileNetLayout, fp16: boolean): Value {
  const real = fp16 ? ONNX_DTYPES.float16 : ONNX_DTYPES.float32;
  const cast = (x: string) => (fp16 ? g.node("Cast", [x], [`${x}_f16`], { to: real }) : x);
  if (layout === "nchw") {
    g.input("input", "float32", ["batch", 3, SIZE, SIZE]);
    return { name: cast("input"), channels: 3, h: SIZE, w: SIZE };
  }
  if (layout === "nhwc") {
    g.input("input", "float32", ["batch", SIZE, SIZE, 3]);
    g.node("Transpose", [cast("input")], ["input_nchw"], { perm: [0, 3, 1, 2] });
    return { name: "input_nchw", channels: 3, h: SIZE, w: SIZE };
  }
  const words = (SIZE * SIZE * 3) / 4;
  g.input("input", "uint32", ["batch", words]);
  g.initializer("byte_base", [], new Uint32Array([256]));
  g.initializer("byte_column", [3], new BigInt64Array([0n, -1n, 1n]));
  g.initializer("nhwc_shape", [4], new BigInt64Array([-1n, BigInt(SIZE), BigInt(SIZE), 3n]));
  const bytes: string[] = [];
  let rest = "input";
  for (let k = 0; k < 3; k++) {
    const q = g.node("Div", [rest, "byte_base"], [`input_q${k}`]);
    const back = g.node("Mul", [q, "byte_base"], [`input_q${k}_256`]);
    bytes.push(g.node("Sub", [rest, back], [`input_b${k}`]));
    rest = q;
  }
  bytes.push(rest); // the top byte: what is left after three divisions
  const columns = bytes.map((b) => g.node("Reshape", [b, "byte_column"], [`${b}_col`]));
  g.node("Concat", columns, ["input_bytes"], { axis: 2 });
  g.node("Cast", ["input_bytes"], ["input_real"], { to: real });
  g.node("Reshape", ["input_real", "nhwc_shape"], ["input_nhwc"]);
  g.node("Transpose", ["input_nhwc"], ["input_nchw"], { perm: [0, 3, 1, 2] });
  return { name: "input_nchw", channels: 3, h: SIZE, w: SIZE, scale: 1 / 255 };
}

function num(config: Record<string, unknown>, key: string): number {
  const v = config[key];
  if (typeof v !== "number") throw new TypeError(`Cannot convert layer: config "${key}" is not a number`);
  return v;
}

/** Converts the shipped Keras model into ONNX bytes; returns the graph and the embedding size. */
export function convertMobileNetToOnnx(
  weights: MobileNetWeights,
  options: MobileNetGraphOptions = {},
): { bytes: Uint8Array; dim: number } {
  const { layer: targetName = MOBILENET_DEFAULT_LAYER, layout = "nchw", precision = "fp32" } = options;
  if (!weights.layers.some((l) => l.name === targetName)) {
    throw new RangeError(`Cannot convert MobileNetV2: unknown layer "${targetName}"`);
  }
  const w = dequantize(weights);
  const weight = (name: string): { shape: number[]; data: Float32Array } => {
    const t = w.get(name);
    if (!t) throw new RangeError(`Cannot convert MobileNetV2: missing weight "${name}"`);
    return t;
  };
  const g = new OnnxGraph("mobilenet_v2");
  const fp16 = precision === "fp16";
  /** Weights in the graph's precision. */
  const real = (x: Float32Array) => (fp16 ? Float16Array.from(x) : x);
  g.initializer("relu6_min", [], real(new Float32Array([0])));
  g.initializer("relu6_max", [], real(new Float32Array([6])));
  const values = new Map<string, Value>();
  /** Convs waiting for their BatchNormalization, by layer name. */
  const pending = new Map<
    string,
    { layer: KerasLayer; input: Value; kernel: Float32Array; bias: Float32Array; out: number }
  >();
  const src = (l: KerasLayer, i = 0): Value => {
    const v = values.get(l.inbound[i]);
    if (!v) {
      throw new RangeError(`Cannot convert layer "${l.name}": input "${l.inbound[i]}" is not available`);
    }
    return v;
  };
  /** An input that must not carry a pending scale (only a conv can take one in). */
  const plain = (l: KerasLayer, i = 0): Value => {
    const v = src(l, i);
    if (v.scale !== undefined) {
      throw new RangeError(`Cannot convert layer "${l.name}": the input scale must go into a conv first`);
    }
    return v;
  };
  const safe = (name: string) => name.replace(/[^A-Za-z0-9_]/g, "_");

  for (const l of weights.layers) {
    const c = l.config;
    switch (l.className) {
      case "InputLayer": {
        values.set(l.name, inputNodes(g, layout, fp16));
        break;
      }
      case "ZeroPadding2D": {
        const v = src(l);
        const [[t, b], [left, r]] = c.padding as number[][];
        values.set(l.name, { ...v, pads: [t, left, b, r] });
        break;
      }
      case "Conv2D":
      case "DepthwiseConv2D": {
        const v = src(l);
        const depthwise = l.className === "DepthwiseConv2D";
        const k = weight(`${l.name}/${depthwise ? "depthwise_kernel" : "kernel"}`);
        const [kh, kw, cin, cout0] = k.shape;
        const [sh, sw] = c.strides as number[];
        if (depthwise && cout0 !== 1) {
          throw new RangeError(`Cannot convert layer "${l.name}": depth_multiplier != 1`);
        }
        const out = depthwise ? cin : cout0;
        // Keras [kh, kw, in, out] -> ONNX [out, in, kh, kw]; depthwise [kh, kw, C, 1] -> [C, 1, kh, kw].
        const kernel = new Float32Array(k.data.length);
        const inPer = depthwise ? 1 : cin;
        for (let y = 0; y < kh; y++) {
          for (let x = 0; x < kw; x++) {
            for (let i = 0; i < cin; i++) {
              for (let o = 0; o < cout0; o++) {
                const from = ((y * kw + x) * cin + i) * cout0 + o;
                const oc = depthwise ? i : o;
                const ic = depthwise ? 0 : i;
                kernel[((oc * inPer + ic) * kh + y) * kw + x] = k.data[from];
              }
            }
          }
        }
        let pads = v.pads ?? [0, 0, 0, 0];
        if (c.padding === "same") {
          if (sh !== 1 || sw !== 1) {
            throw new RangeError(`Cannot convert layer "${l.name}": "same" with stride > 1`);
          }
          const ph = (kh - 1) / 2, pw = (kw - 1) / 2;
          pads = [pads[0] + ph, pads[1] + pw, pads[2] + ph, pads[3] + pw];
        }
        if (v.scale !== undefined) { for (let i = 0; i < kernel.length; i++) kernel[i] *= v.scale; }
        const bias = c.use_bias ? Float32Array.from(weight(`${l.name}/bias`).data) : new Float32Array(out);
        pending.set(l.name, { layer: l, input: { ...v, pads, scale: undefined }, kernel, bias, out });
        if (c.activation !== "linear") throw new RangeError(`Cannot convert layer "${l.name}": activation`);
        break;
      }
      case "BatchNormalization": {
        const p = pending.get(l.inbound[0]);
        if (!p) {
          throw new RangeError(`Cannot convert layer "${l.name}": BatchNormalization must follow a conv`);
        }
        pending.delete(l.inbound[0]);
        const eps = num(c, "epsilon");
        const gamma = c.scale === false ? undefined : weight(`${l.name}/gamma`).data;
        const beta = c.center === false ? undefined : weight(`${l.name}/beta`).data;
        const mean = weight(`${l.name}/moving_mean`).data;
        const variance = weight(`${l.name}/moving_variance`).data;
        const per = p.kernel.length / p.out;
        for (let o = 0; o < p.out; o++) {
          const s = (gamma ? gamma[o] : 1) / Math.sqrt(variance[o] + eps);
          for (let j = 0; j < per; j++) p.kernel[o * per + j] *= s;
          p.bias[o] = (p.bias[o] - mean[o]) * s + (beta ? beta[o] : 0);
        }
        const [kh, kw] = p.layer.config.kernel_size as number[];
        const [sh, sw] = p.layer.config.strides as number[];
        const wName = g.initializer(`${safe(p.layer.name)}_w`, [
          p.out,
          p.kernel.length / p.out / kh / kw,
          kh,
          kw,
        ], real(p.kernel));
        const bName = g.initializer(`${safe(p.layer.name)}_b`, [p.out], real(p.bias));
        const pads = p.input.pads ?? [0, 0, 0, 0];
        const depthwise = p.layer.className === "DepthwiseConv2D";
        g.node("Conv", [p.input.name, wName, bName], [safe(l.name)], {
          kernel_shape: [kh, kw],
          strides: [sh, sw],
          pads,
          group: depthwise ? p.out : 1,
        }, safe(p.layer.name));
        values.set(l.name, {
          name: safe(l.name),
          channels: p.out,
          h: Math.floor((p.input.h + pads[0] + pads[2] - kh) / sh) + 1,
          w: Math.floor((p.input.w + pads[1] + pads[3] - kw) / sw) + 1,
        });
        break;
      }
      case "ReLU": {
        const v = plain(l);
        const max = c.max_value;
        if (typeof max === "number") {
          const maxName = max === 6
            ? "relu6_max"
            : g.initializer(`${safe(l.name)}_max`, [], real(new Float32Array([max])));
          g.node("Clip", [v.name, "relu6_min", maxName], [safe(l.name)]);
        } else {
          g.node("Relu", [v.name], [safe(l.name)]);
        }
        values.set(l.name, { ...v, name: safe(l.name) });
        break;
      }
      case "Add": {
        const a = plain(l, 0), b = plain(l, 1);
        g.node("Add", [a.name, b.name], [safe(l.name)]);
        values.set(l.name, { ...a, name: safe(l.name) });
        break;
      }
      case "AveragePooling2D": {
        const v = plain(l);
        const [ph, pw] = c.pool_size as number[];
        if (ph !== v.h || pw !== v.w) {
          throw new RangeError(`Cannot convert layer "${l.name}": pool ${ph}x${pw} on a ${v.h}x${v.w} map`);
        }
        g.node("GlobalAveragePool", [v.name], [safe(l.name)]);
        values.set(l.name, { ...v, name: safe(l.name), h: 1, w: 1 });
        break;
      }
      case "Flatten": {
        const v = plain(l);
        g.node("Flatten", [v.name], [safe(l.name)], { axis: 1 });
        values.set(l.name, { ...v, name: safe(l.name), channels: v.channels * v.h * v.w, h: 0, w: 0 });
        break;
      }
      default:
        throw new RangeError(`Cannot convert layer "${l.name}": unsupported class "${l.className}"`);
    }
    if (l.name === targetName) break;
  }
  if (pending.size > 0) {
    throw new RangeError(
      `Cannot convert MobileNetV2 at "${targetName}": it ends on a conv before its BatchNormalization`,
    );
  }
  const last = values.get(targetName)!;
  let out = last.name;
  if (last.h > 0) {
    out = g.node("GlobalAveragePool", [out], ["embedding_pool"]);
    out = g.node("Flatten", [out], ["embedding_flat"], { axis: 1 });
  }
  if (fp16) g.node("Cast", [out], ["embedding"], { to: ONNX_DTYPES.float32 });
  else g.node("Identity", [out], ["embedding"]);
  g.output("embedding", "float32", ["batch", last.channels]);
  const bytes = g.toBytes({
    opset: 13,
    metadata: {
      source: `nsfwjs@${weights.packageVersion} mobilenet_v2`,
      weights_sha256: weights.hash,
      layer: targetName,
      layout,
      precision,
    },
  });
  return { bytes, dim: last.channels };
}

/**
 * Builds the graph for these options into `cacheDir` unless it is there already; returns its path and
 * embedding size. Safe to run twice at once: each writer renames its own temporary file into place.
 */
export async function buildMobileNetOnnx(
  cacheDir: string,
  options: MobileNetGraphOptions = {},
): Promise<{ path: string; dim: number; built: boolean }> {
  const { layer = MOBILENET_DEFAULT_LAYER, layout = "nchw", precision = "fp32" } = options;
  const weights = await loadMobileNetWeights();
  const path = mobileNetOnnxFile(weights, { layer, layout, precision, cacheDir });
  const metaPath = `${path}.json`;
  try {
    const meta = JSON.parse(await Deno.readTextFile(metaPath)) as { dim: number };
    await Deno.stat(path);
    return { path, dim: meta.dim, built: false };
  } catch {
    // not built yet
  }
  const { bytes, dim } = convertMobileNetToOnnx(weights, { layer, layout, precision });
  await Deno.mkdir(dirname(path), { recursive: true });
  const tmp = `${path}.${crypto.randomUUID()}.tmp`;
  await Deno.writeFile(tmp, bytes);
  await Deno.rename(tmp, path);
  const metaTmp = `${metaPath}.${crypto.randomUUID()}.tmp`;
  await Deno.writeTextFile(
    metaTmp,
    JSON.stringify({ dim, layer, layout, precision, weights: weights.hash, converter: CONVERTER_VERSION }),
  );
  await Deno.rename(metaTmp, metaPath);
  return { path, dim, built: true };
}
