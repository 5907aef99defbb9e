/**
 * Writes ONNX models (protobuf) from code, with `protobufjs` and the subset of `onnx.proto` needed for
 * plain inference graphs: ModelProto, GraphProto, NodeProto, AttributeProto, TensorProto, ValueInfoProto.
 * Field numbers follow https://github.com/onnx/onnx/blob/main/onnx/onnx.proto (IR version 8, opset 13+).
 *
 * ```ts
 * const g = new OnnxGraph("tiny");
 * g.input("x", "float32", ["batch", 4]);
 * g.initializer("w", [4, 2], new Float32Array(8));
 * g.node("MatMul", ["x", "w"], ["y"]);
 * g.output("y", "float32", ["batch", 2]);
 * const bytes = g.toBytes();
 * ```
 *
 * @module
 */
import protobuf from "protobufjs";

const ONNX_PROTO = `
syntax = "proto3";
package onnx;
message AttributeProto {
  string name = 1;
  float f = 2;
  int64 i = 3;
  bytes s = 4;
  TensorProto t = 5;
  repeated float floats = 7;
  repeated int64 ints = 8;
  repeated bytes strings = 9;
  int32 type = 20;
}
message ValueInfoProto {
  string name = 1;
  TypeProto type = 2;
  string doc_string = 3;
}
message NodeProto {
  repeated string input = 1;
  repeated string output = 2;
  string name = 3;
  string op_type = 4;
  repeated AttributeProto attribute = 5;
  string doc_string = 6;
  string domain = 7;
}
message StringStringEntryProto {
  string key = 1;
  string value = 2;
}
message OperatorSetIdProto {
  string domain = 1;
  int64 version = 2;
}
message ModelProto {
  int64 ir_version = 1;
  string producer_name = 2;
  string producer_version = 3;
  string domain = 4;
  int64 model_version = 5;
  string doc_string = 6;
  GraphProto graph = 7;
  repeated OperatorSetIdProto opset_import = 8;
  repeated StringStringEntryProto metadata_props = 14;
}
message GraphProto {
  repeated NodeProto node = 1;
  string name = 2;
  repeated TensorProto initializer = 5;
  string doc_string = 10;
  repeated ValueInfoProto input = 11;
  repeated ValueInfoProto output = 12;
  repeated ValueInfoProto value_info = 13;
}
message TensorProto {
  repeated int64 dims = 1;
  int32 data_type = 2;
  string name = 8;
  bytes raw_data = 9;
  string doc_string = 12;
}
message TensorShapeProto {
  message Dimension {
    oneof value {
      int64 dim_value = 1;
      string dim_param = 2;
    }
  }
  repeated Dimension dim = 1;
}
message TypeProto {
  message Tensor {
    int32 elem_type = 1;
    TensorShapeProto shape = 2;
  }
  oneof value {
    Tensor tensor_type = 1;
  }
}
`;

const root = protobuf.parse(ONNX_PROTO, { keepCase: true }).root;
const ModelProto = root.lookupType("onnx.ModelProto");

/** Element types this writer knows, with their ONNX `TensorProto.DataType` codes. */
export const ONNX_DTYPES = {
  float32: 1,
  uint8: 2,
  int8: 3,
  int32: 6,
  int64: 7,
  bool: 9,
  float16: 10,
  uint32: 12,
} as const;
export type OnnxDtype = keyof typeof ONNX_DTYPES;

/** A tensor's data: the typed array decides the element type. */
export type TensorData =
  | Float32Array
  | Float16Array
  | Int32Array
  | Uint32Array
  | BigInt64Array
  | Uint8Array
  | Int8Array;

/** Attribute values: numbers are INT when integral unless wrapped with {@linkcode float}. */
export type AttributeValue =
  | number
  | { float: number }
  | string
  | number[]
  | { floats: number[] }
  | { tensor: { dims: number[]; data: TensorData } };

/** Marks a number as a FLOAT attribute (e.g. `epsilon`) even when it is integral. */
export function float(value: number): { float: number } {
  return { float: value };
}

/** A shape dimension: a fixed size or a symbolic name such as `"batch"`. */
export type Dim = number | string;

interface TensorMsg {
  name: string;
  dims: number[];
  data_type: number;
  raw_data: Uint8Array;
}

function dtypeOf(data: TensorData): number {
  if (data instanceof Float32Array) return ONNX_DTYPES.float32;
  if (data instanceof Float16Array) return ONNX_DTYPES.float16;
  if (data instanceof Int32Array) return ONNX_DTYPES.int32;
  if (data instanceof Uint32Array) return ONNX_DTYPES.uint32;
  if (data instanceof BigInt64Array) return ONNX_DTYPES.int64;
  if (data instanceof Uint8Array) return ONNX_DTYPES.uint8;
  return ONNX_DTYPES.int8;
}

function tensorMsg(name: string, dims: number[], data: TensorData): TensorMsg {
  const size = dims.reduce((a, b) => a * b, 1);
  if (size !== data.length) {
    throw new RangeError(
      `Cannot add tensor "${name}": shape [${
        dims.join(",")
      }] holds ${size} values but data has ${data.length}`,
    );
  }
  // ONNX raw_data is little-endian, as are the typed arrays on every platform Deno runs on.
  const raw = new Uint8Array(data.buffer, data.byteOffset, data.byteLength).slice();
  return { name, dims, data_type: dtypeOf(data), raw_data: raw };
}

function attributeMsg(name: string, value: AttributeValue): Record<string, unknown> {
  if (typeof value === "number") {
    return Number.isInteger(value) ? { name, type: 2, i: value } : { name, type: 1, f: value };
  }
  if (typeof value === "string") return { name, type: 3, s: new TextEncoder().encode(value) };
  if (Array.isArray(value)) return { name, type: 7, ints: value };
  if ("float" in value) return { name, type: 1, f: value.float };
  if ("floats" in value) return { name, type: 6, floats: value.floats };
  return { name, type: 4, t: tensorMsg(name, value.tensor.dims, value.tensor.data) };
}

function valueInfo(name: string, dtype: OnnxDtype, shape: Dim[]): Record<string, unknown> {
  const dim = shape.map((d) => (typeof d === "number" ? { dim_value: d } : { dim_param: d }));
  return { name, type: { tensor_type: { elem_type: ONNX_DTYPES[dtype], shape: { dim } } } };
}

/** Options of {@linkcode OnnxGraph.toBytes}. */
export interface OnnxModelOptions {
  /** Default-domain opset version. @default 13 */
  opset?: number;
  /** ONNX IR version. @default 8 */
  irVersion?: number;
  /** Written as `producer_name`. @default "social-tagger" */
  producer?: string;
  /** Key/value pairs stored in `metadata_props`. @default {} */
  metadata?: Record<string, string>;
}

/** Builds one ONNX graph: inputs, initializers, nodes, outputs, then {@linkcode OnnxGraph.toBytes}. */
export class OnnxGraph {
  readonly name: string;
  #nodes: Record<string, unknown>[] = [];
  #inits: TensorMsg[] = [];
  #inputs: Record<string, unknown>[] = [];
  #outputs: Record<string, unknown>[] = [];
  #names = new Set<string>();
  #counter = 0;

  constructor(name: string) {
    this.name = name;
  }

  /** Declares a graph input. */
  input(name: string, dtype: OnnxDtype, shape: Dim[]): string {
    this.#inputs.push(valueInfo(name, dtype, shape));
    this.#names.add(name);
    return name;
  }

  /** Declares a graph output (an existing value). */
  output(name: string, dtype: OnnxDtype, shape: Dim[]): string {
    this.#outputs.push(valueInfo(name, dtype, shape));
    return name;
  }

  /** Adds a constant tensor; its name can be used as a node input. */
  initializer(name: string, dims: number[], data: TensorData): string {
    if (this.#names.has(name)) throw new RangeError(`Cannot add tensor "${name}": the name is taken`);
    this.#inits.push(tensorMsg(name, dims, data));
    this.#names.add(name);
    return name;
  }

  /** A name not used yet, `prefix` plus a counter. */
  fresh(prefix: string): string {
    let n: string;
    do n = `${prefix}_${this.#counter++}`; while (this.#names.has(n));
    this.#names.add(n);
    return n;
  }

  /** Adds a node; returns its first output's name. */
  node(
    opType: string,
    inputs: string[],
    outputs: string[],
    attributes: Record<string, AttributeValue> = {},
    name?: string,
  ): string {
    for (const o of outputs) this.#names.add(o);
    this.#nodes.push({
      op_type: opType,
      input: inputs,
      output: outputs,
      name: name ?? `${opType}_${this.#nodes.length}`,
      attribute: Object.entries(attributes).map(([k, v]) => attributeMsg(k, v)),
    });
    return outputs[0];
  }

  /** Number of nodes so far. */
  get size(): number {
    return this.#nodes.length;
  }

  /** Serializes the model. */
  toBytes(options: OnnxModelOptions = {}): Uint8Array {
    const { opset = 13, irVersion = 8, producer = "social-tagger", metadata = {} } = options;
    const msg = {
      ir_version: irVersion,
      producer_name: producer,
      producer_version: "1",
      opset_import: [{ domain: "", version: opset }],
      metadata_props: Object.entries(metadata).map(([key, value]) => ({ key, value })),
      graph: {
        name: this.name,
        node: this.#nodes,
        initializer: this.#inits,
        input: this.#inputs,
        output: this.#outputs,
      },
    };
    const err = ModelProto.verify(msg);
    if (err) throw new TypeError(`Cannot serialize ONNX graph "${this.name}": ${err}`);
    return ModelProto.encode(ModelProto.fromObject(msg)).finish();
  }
}
