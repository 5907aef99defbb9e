/**
 * Where a connector may send a request. A post's media URL is written by whoever wrote the post, so it may
 * name `file:`, the machine itself, the cloud's metadata service or the private network. Only http(s) is
 * fetched; a host whose name resolves to a loopback, private, link-local, shared, multicast or reserved
 * address is refused unless it is the platform the user named or is allowed by setting
 * (`CONNECTOR_ALLOWED_HOSTS`). Every redirect target is checked the same way.
 *
 * Limit: the name is resolved here and again by fetch, so a DNS server that answers differently within
 * those milliseconds (rebinding) is not stopped; the IP-literal and redirect cases are.
 */
import { lookup } from "node:dns/promises";
import { isIP } from "node:net";

/** Why a URL was refused (not retried: asking again gives the same answer). */
export class UrlRefusedError extends Error {
  override name = "UrlRefusedError";
}

export interface NetGuardOptions {
  /** Origins always allowed (the platform the user named). */
  trustedOrigins?: string[];
  /** Hosts ("name" or "name:port") allowed even though they resolve to a private address. @default [] */
  allowPrivateHosts?: string[];
  /** Resolves a host name to its addresses. @default the system resolver (getaddrinfo) */
  resolveHost?: (hostname: string) => Promise<string[]>;
}

const systemResolve = async (hostname: string) =>
  (await lookup(hostname, { all: true, verbatim: true })).map((a) => a.address);

/** Throws UrlRefusedError when `url` may not be fetched. */
export async function checkUrl(url: URL, options: NetGuardOptions = {}): Promise<void> {
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    throw new UrlRefusedError(
      `Cannot fetch "${url.href.slice(0, 200)}": scheme "${url.protocol}" is not allowed`,
    );
  }
  if (options.trustedOrigins?.includes(url.origin)) return;
  const allowed = options.allowPrivateHosts ?? [];
  if (allowed.includes(url.host) || allowed.includes(url.hostname)) return;
  const hostname = url.hostname.replace(/^\[|\]$/g, "");
  let addresses: string[];
  if (isIP(hostname)) addresses = [hostname];
  else {
    try {
      addresses = await (options.resolveHost ?? systemResolve)(hostname);
    } catch {
      return; // an unknown name: fetch will fail on it the same way
    }
  }
  for (const address of addresses) {
    const kind = addressKind(address);
    if (kind) {
      throw new UrlRefusedError(
        `Cannot fetch "${url.href.slice(0, 200)}": host "${url.hostname}" is ${address}, a ${kind} address ` +
          `(allow it with CONNECTOR_ALLOWED_HOSTS=${url.host})`,
      );
    }
  }
}

/** The kind of a non-public address ("loopback", "private", ...), undefined for a public one. */
export function addressKind(address: string): string | undefined {
  if (isIP(address) === 4) return ipv4Kind(address.split(".").map(Number));
  if (isIP(address) === 6) return ipv6Kind(address);
  return "unparsable";
}

function ipv4Kind([a, b, c]: number[]): string | undefined {
  if (a === 127) return "loopback";
  if (a === 10 || (a === 172 && b >= 16 && b < 32) || (a === 192 && b === 168)) return "private";
  if (a === 169 && b === 254) return "link-local";
  if (a === 100 && b >= 64 && b < 128) return "shared (carrier NAT)";
  if (a === 0) return "unspecified";
  if (a >= 224) return a < 240 ? "multicast" : "reserved";
  if ((a === 192 && b === 0 && c === 0) || (a === 198 && (b === 18 || b === 19))) return "reserved";
  return undefined;
}

function ipv6Kind(address: string): string | undefined {
  const groups = ipv6Groups(address.toLowerCase().replace(/%.*$/, ""));
  if (!groups) return "unparsable";
  if (groups.every((g) => g === 0)) return "unspecified";
  if (groups.slice(0, 7).every((g) => g === 0) && groups[7] === 1) return "loopback";
  // IPv4-mapped (::ffff:a.b.c.d) and NAT64 (64:ff9b::a.b.c.d) carry an IPv4 address.
  const mapped = groups.slice(0, 5).every((g) => g === 0) && groups[5] === 0xffff;
  const nat64 = groups[0] === 0x64 && groups[1] === 0xff9b && groups.slice(2, 6).every((g) => g === 0);
  if (mapped || nat64) return ipv4Kind([groups[6] >> 8, groups[6] & 255, groups[7] >> 8, groups[7] & 255]);
  if ((groups[0] & 0xfe00) === 0xfc00) return "private";
  if ((groups[0] & 0xffc0) === 0xfe80) return "link-local";
  if ((groups[0] & 0xff00) === 0xff00) return "multicast";
  return undefined;
}

/** The eight 16-bit groups of an IPv6 address (`::` and a dotted IPv4 tail expanded). */
function ipv6Groups(address: string): number[] | undefined {
  let text = address;
  const v4 = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (v4) {
    const [a, b, c, d] = v4[1].split(".").map(Number);
    text = text.slice(0, -v4[1].length) + `${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head, tail] = text.split("::");
  const part = (s: string | undefined) => (s ? s.split(":").map((g) => parseInt(g, 16)) : []);
  const h = part(head), t = part(tail);
  const groups = tail === undefined ? h : [...h, ...new Array(8 - h.length - t.length).fill(0), ...t];
  return groups.length === 8 && groups.every((g) => Number.isInteger(g) && g >= 0 && g <= 0xffff)
    ? groups
    : undefined;
}
