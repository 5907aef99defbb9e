/** The code version a run records: the git commit and whether the work tree had uncommitted changes. */

export interface CodeVersion {
  gitSha: string;
  dirty: boolean;
}

export async function codeVersion(cwd = "."): Promise<CodeVersion> {
  const git = async (...args: string[]) => {
    const out = await new Deno.Command("git", { args, cwd, stdout: "piped", stderr: "null" }).output();
    return out.success ? new TextDecoder().decode(out.stdout).trim() : undefined;
  };
  try {
    const sha = await git("rev-parse", "HEAD");
    const status = await git("status", "--porcelain", "--untracked-files=no");
    return { gitSha: sha ?? "unknown", dirty: status === undefined ? false : status.length > 0 };
  } catch {
    return { gitSha: "unknown", dirty: false }; // no git binary: say so rather than fail the run
  }
}
