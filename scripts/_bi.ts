import { benchInfer } from "@/infer/bench_infer.ts";
import { freshPostgres } from "../tests/support/db.ts";
const pg = await freshPostgres();
const r = await benchInfer(pg!.db, { posts: Number(Deno.args[0] ?? 20000) });
console.log(JSON.stringify(r));
await pg!.db.close();
