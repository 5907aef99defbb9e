/** Shared by tasks whose stage is not built yet: they say so and exit non-zero rather than pretend. */
export function notBuilt(task: string, issue: string): never {
  console.error(`deno task ${task}: this stage is not built yet (${issue}); nothing was done.`);
  Deno.exit(2);
}
