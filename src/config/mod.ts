/** Settings and manifests: what every stage reads from the environment, resolved once. */
export * from "./settings.ts";
