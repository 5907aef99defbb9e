/** The Arrow feature cache: rows keyed by hash(content, encoder id, config, code version). */
export * from "./cache.ts";
export * from "./key.ts";
