import assert from "node:assert/strict";
import { decodeTextBytes, ngramSources, normalizeText, splitHashtag } from "./text.ts";

Deno.test("normalizeText() replaces URLs, e-mails, mentions and hashtags and keeps emoji", async (t) => {
  const cases: [string, string, string][] = [
    [
      "a URL becomes its host, trailing punctuation stays out",
      "See https://www.Example.com/a?b=1#x.",
      "See <url:example.com>.",
    ],
    ["a www. URL without scheme", "(also www.foo.org/x)", "(also <url:foo.org>)"],
    [
      "a parenthesis that belongs to the URL",
      "https://en.wikipedia.org/wiki/Foo_(bar))",
      "<url:en.wikipedia.org>)",
    ],
    ["an e-mail is not a mention", "write to bob.smith@gmail.com now", "write to <email> now"],
    ["Mastodon and Bluesky mentions", "@alice@mastodon.social and @bob.bsky.social.", "@user and @user."],
    ["camelCase hashtag", "Happy #NewYearsEve!", "Happy #new years eve!"],
    [
      "acronym and digits in a hashtag",
      "#NYCMarathon2024 #COVID19Vaccine",
      "#nyc marathon 2024 #covid 19 vaccine",
    ],
    ["a digits-only tag and C# are not hashtags", "we're #1 in C#", "we're #1 in C#"],
    ["emoji stay as characters", "so good 😂🔥", "so good 😂🔥"],
  ];
  for (const [name, input, expected] of cases) {
    await t.step(name, () => assert.equal(normalizeText(input).text, expected));
  }
});

Deno.test("normalizeText() applies NFKC, drops control and format characters, collapses whitespace", () => {
  const r = normalizeText("  Ｆｕｌｌ\u200bｗｉｄｔｈ\t\n\n ﬁne\u0000 \u202eok\u00ad  ");
  assert.equal(r.text, "Fullwidth fine ok");
  // ZWJ inside an emoji sequence and ZWNJ inside a Persian word survive.
  assert.equal(normalizeText("👨‍👩‍👧 می‌خواهم").text, "👨‍👩‍👧 می‌خواهم");
});

Deno.test("normalizeText() decodes HTML entities unless told not to", () => {
  assert.equal(normalizeText("Tom &amp; Jerry &#39;99 &#x1F600;").text, "Tom & Jerry '99 😀");
  assert.equal(normalizeText("a &amp; b", { decodeEntities: false }).text, "a &amp; b");
});

Deno.test("normalizeText() lists hashtags, mentions, URLs, domains and emoji", () => {
  const r = normalizeText(
    "Happy #NewYearsEve 🎉 from @Alice@mastodon.social! https://www.Example.com/a www.foo.org 👍🏽 🇫🇷 1️⃣ #東京",
  );
  assert.deepEqual(r.hashtags, ["newyearseve", "東京"]);
  assert.deepEqual(r.mentions, ["alice@mastodon.social"]);
  assert.deepEqual(r.urls, ["https://www.Example.com/a", "www.foo.org"]);
  assert.deepEqual(r.domains, ["example.com", "foo.org"]);
  assert.deepEqual(r.emoji, ["🎉", "👍🏽", "🇫🇷", "1️⃣"]);
  assert.equal(r.clipped, false);
});

Deno.test("normalizeText() clips a long text at a space, or refuses it", () => {
  const long = "word ".repeat(300_000); // 1.5 MB
  const r = normalizeText(long, { maxChars: 1000 });
  assert.equal(r.clipped, true);
  assert.equal(r.sourceLength, 1_500_000);
  assert.equal(r.text, "word ".repeat(200).trim());
  assert.throws(
    () => normalizeText(long, { maxChars: 1000, onTooLong: "refuse" }),
    { name: "RangeError", message: 'Cannot normalize text: length "1500000" exceeds maxChars "1000"' },
  );
  // Never splits a surrogate pair.
  const clippedEmoji = normalizeText("😀😀😀", { maxChars: 3 });
  assert.equal(clippedEmoji.text, "😀");
});

Deno.test("splitHashtag() splits camelCase, acronyms, digits and underscores", () => {
  assert.deepEqual(splitHashtag("NewYearsEve"), ["new", "years", "eve"]);
  assert.deepEqual(splitHashtag("iPhone15_launch"), ["i", "phone", "15", "launch"]);
  assert.deepEqual(splitHashtag("newyearseve"), ["newyearseve"]);
  assert.deepEqual(splitHashtag("東京タワー"), ["東京タワー"]);
});

Deno.test("decodeTextBytes() decodes UTF-8 and names the first invalid byte", () => {
  assert.equal(decodeTextBytes(new TextEncoder().encode("\ufeffhé 😀")), "hé 😀");
  assert.throws(
    () => decodeTextBytes(new Uint8Array([0x61, 0x62, 0xe2, 0x82, 0x61]), { label: "post 12" }),
    { name: "TypeError", message: 'Cannot decode text "post 12": invalid UTF-8 at byte 2' },
  );
  // An encoded surrogate (CESU-8) and an overlong encoding are invalid too.
  assert.throws(() => decodeTextBytes(new Uint8Array([0x61, 0xed, 0xa0, 0x80])), /at byte 1$/);
  assert.throws(() => decodeTextBytes(new Uint8Array([0xc0, 0xaf])), /at byte 0$/);
  assert.throws(
    () => decodeTextBytes(new Uint8Array(2048), { maxBytes: 1024 }),
    { name: "RangeError", message: 'Cannot decode text: 2048 bytes exceeds maxBytes "1024"' },
  );
});

Deno.test("ngramSources() gives lower-cased words with whole placeholders and the char source", () => {
  const s = ngramSources("Happy #NewYearsEve 🎉 from @alice! https://Example.com/x 東京は日本の首都");
  assert.deepEqual(s.words, [
    "happy",
    "new",
    "years",
    "eve",
    "🎉",
    "from",
    "@user",
    "<url>",
    "<url:example.com>",
    "東京",
    "は",
    "日本",
    "の",
    "首都",
    "#newyearseve",
  ]);
  assert.equal(s.chars, "happy #new years eve 🎉 from @user! <url:example.com> 東京は日本の首都");
});

/** A tiny BERT WordPiece tokenizer in Hugging Face layout. */
