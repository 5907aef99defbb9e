import assert from "node:assert/strict";
import { addressKind, checkUrl } from "./_net_guard.ts";

Deno.test("addressKind() names every non-public address and passes public ones", async (t) => {
  const cases: [string, string | undefined][] = [
    ["127.0.0.1", "loopback"],
    ["127.255.0.9", "loopback"],
    ["10.1.2.3", "private"],
    ["172.16.0.1", "private"],
    ["172.32.0.1", undefined],
    ["192.168.1.1", "private"],
    ["169.254.169.254", "link-local"],
    ["100.64.0.1", "shared (carrier NAT)"],
    ["0.0.0.0", "unspecified"],
    ["224.0.0.1", "multicast"],
    ["255.255.255.255", "reserved"],
    ["93.184.216.34", undefined],
    ["::1", "loopback"],
    ["::", "unspecified"],
    ["::ffff:127.0.0.1", "loopback"],
    ["::ffff:7f00:1", "loopback"],
    ["64:ff9b::a9fe:a9fe", "link-local"],
    ["fd00::1", "private"],
    ["fe80::1%eth0", "link-local"],
    ["ff02::1", "multicast"],
    ["2606:4700::1111", undefined],
  ];
  for (const [address, kind] of cases) await t.step(address, () => assert.equal(addressKind(address), kind));
});

Deno.test("checkUrl() checks the resolved addresses, and lets the platform and allowed hosts through", async () => {
  const resolveHost = (name: string) =>
    Promise.resolve(name === "rebind.example" ? ["10.0.0.7"] : ["93.184.216.34"]);
  await assert.rejects(
    () => checkUrl(new URL("http://rebind.example/a.jpg"), { resolveHost }),
    /"rebind.example" is 10\.0\.0\.7, a private address/,
  );
  await checkUrl(new URL("https://cdn.example/a.jpg"), { resolveHost });
  await checkUrl(new URL("http://rebind.example/a.jpg"), {
    resolveHost,
    allowPrivateHosts: ["rebind.example"],
  });
  await checkUrl(new URL("http://127.0.0.1:3000/api"), { trustedOrigins: ["http://127.0.0.1:3000"] });
  await assert.rejects(() =>
    checkUrl(new URL("http://127.0.0.1:3001/api"), { trustedOrigins: ["http://127.0.0.1:3000"] })
  );
  await assert.rejects(() => checkUrl(new URL("ftp://cdn.example/a")), /scheme "ftp:"/);
  await assert.rejects(() => checkUrl(new URL("data:image/png;base64,AAAA")), /scheme "data:"/);
});
