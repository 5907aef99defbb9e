/**
 * Small phrase banks per language: for every tag whose signal lives in text, a hashtag word and a few
 * phrases; generic filler that says nothing about any tag; emoji per tag. Image-only and video-only tags
 * have no phrases on purpose, so their text never leaks the label.
 */

/** Languages of the sample corpus (BCP 47). */
export const LANGS = ["en", "es", "de", "ar", "hi", "ja"] as const;
export type Lang = typeof LANGS[number];

/** A tag's bank in one language: the hashtag word first, then phrases. */
export type TagBank = readonly [hashtag: string, ...phrases: string[]];

export interface LangBank {
  /** Joins two sentences. */
  separator: string;
  filler: readonly string[];
  tags: Readonly<Record<string, TagBank>>;
}

export const PHRASES: Readonly<Record<Lang, LangBank>> = {
  en: {
    separator: ". ",
    filler: [
      "Good morning everyone",
      "Can't believe it's already the weekend",
      "Some days are like this",
      "Thoughts?",
      "Just sharing this",
      "Long day, short post",
      "No caption needed",
      "Feeling grateful today",
      "Who else is awake",
      "Note to self: rest more",
    ],
    tags: {
      politics: [
        "politics",
        "The debate in parliament tonight was a mess",
        "New election polls are out and nobody agrees",
        "Call your representative about the budget vote",
      ],
      music: [
        "music",
        "This new album has been on repeat all week",
        "Front row at the concert, the bass was unreal",
        "Learning a new song on guitar today",
      ],
      tech: [
        "tech",
        "Just shipped a new release of our open source app",
        "The new AI model writes code better than my intern",
        "Upgraded my laptop and the build is twice as fast",
      ],
      books: [
        "books",
        "Finished this novel in one sitting",
        "My reading list for the month is getting long",
        "The library book sale is on this weekend",
      ],
      finance: [
        "finance",
        "Markets dipped again, keeping my savings plan steady",
        "Interest rates are up, time to rethink the mortgage",
        "Quarterly earnings beat expectations",
      ],
      health: [
        "health",
        "Morning run done, 5 km before breakfast",
        "Drinking more water and sleeping eight hours this month",
        "Yoga class left me sore in a good way",
      ],
      food: [
        "food",
        "Homemade pasta with fresh tomatoes tonight",
        "This ramen place is worth the queue",
        "Baked bread for the first time and it actually rose",
      ],
      sports: [
        "sports",
        "What a goal in the last minute of the match",
        "Our team finally won the derby",
        "Training for the league final on Saturday",
      ],
      travel: [
        "travel",
        "Boarding now, next stop Lisbon",
        "Lost my luggage but found a great hostel",
        "Three countries in ten days by train",
      ],
      art: [
        "art",
        "New painting finished, oil on canvas",
        "Spent the afternoon at the modern art museum",
        "Sketchbook page of the day",
      ],
      gaming: [
        "gaming",
        "Finally beat the final boss after ten tries",
        "Streaming the new level tonight",
        "Speedrun attempt number forty",
      ],
      festival: [
        "festival",
        "Festival weekend, three stages and no sleep",
        "The lineup for the summer festival is insane",
        "Camping at the festival, mud everywhere",
      ],
      nightlife: [
        "nightlife",
        "Out dancing until the club closes",
        "Cocktails on the rooftop, the city never sleeps",
        "Last round at the bar with friends",
      ],
      commute: [
        "commute",
        "Train delayed again this morning",
        "Stuck in traffic on the ring road",
        "Bike lane was packed on the way to work",
      ],
      promo: [
        "deal",
        "Limited offer: 30% off everything this week",
        "New collection out now, link in bio",
        "Free shipping on all orders today only",
      ],
    },
  },
  es: {
    separator: ". ",
    filler: [
      "Buenos días a todos",
      "No puedo creer que ya sea fin de semana",
      "Hay días así",
      "¿Qué opináis?",
      "Solo quería compartir esto",
      "Día largo, post corto",
      "Sin palabras",
      "Agradecido por hoy",
      "¿Quién más sigue despierto?",
      "Nota mental: descansar más",
    ],
    tags: {
      politics: [
        "política",
        "El debate en el congreso fue un desastre",
        "Salieron las nuevas encuestas y nadie está de acuerdo",
        "Hoy se vota el presupuesto en el parlamento",
      ],
      music: [
        "música",
        "Este disco nuevo no para de sonar en casa",
        "Primera fila en el concierto, increíble",
        "Aprendiendo una canción nueva con la guitarra",
      ],
      tech: [
        "tecnología",
        "Acabamos de publicar una nueva versión de la app",
        "El nuevo modelo de IA programa mejor que yo",
        "Portátil nuevo y todo compila el doble de rápido",
      ],
      books: [
        "libros",
        "Terminé esta novela en una tarde",
        "Mi lista de lectura del mes no deja de crecer",
        "Feria del libro este fin de semana",
      ],
      finance: [
        "finanzas",
        "La bolsa volvió a caer, sigo con mi plan de ahorro",
        "Suben los tipos de interés, toca revisar la hipoteca",
        "Resultados trimestrales mejores de lo esperado",
      ],
      health: [
        "salud",
        "Salí a correr 5 km antes del desayuno",
        "Este mes bebo más agua y duermo ocho horas",
        "La clase de yoga me dejó agujetas",
      ],
      food: [
        "comida",
        "Pasta casera con tomates frescos esta noche",
        "Este sitio de tapas merece la cola",
        "Horneé pan por primera vez y subió",
      ],
      sports: [
        "deportes",
        "Qué golazo en el último minuto del partido",
        "Por fin ganamos el derbi",
        "Entrenando para la final de la liga",
      ],
      travel: [
        "viajes",
        "Embarcando, próxima parada Lisboa",
        "Perdí la maleta pero encontré un hostal genial",
        "Tres países en diez días en tren",
      ],
      art: [
        "arte",
        "Terminé un cuadro nuevo, óleo sobre lienzo",
        "Tarde en el museo de arte moderno",
        "Página del cuaderno de bocetos de hoy",
      ],
      gaming: [
        "videojuegos",
        "Por fin vencí al jefe final después de diez intentos",
        "Esta noche hago directo del nuevo nivel",
        "Intento de speedrun número cuarenta",
      ],
      festival: [
        "festival",
        "Fin de semana de festival, tres escenarios y nada de dormir",
        "El cartel del festival de verano es una locura",
        "Acampada en el festival, barro por todas partes",
      ],
      nightlife: [
        "fiesta",
        "Bailando hasta que cierre la discoteca",
        "Cócteles en la azotea, la ciudad no duerme",
        "Última ronda en el bar con los amigos",
      ],
      commute: [
        "trayecto",
        "El tren otra vez con retraso esta mañana",
        "Atasco en la circunvalación",
        "El carril bici lleno camino al trabajo",
      ],
      promo: [
        "oferta",
        "Oferta limitada: 30% de descuento esta semana",
        "Nueva colección disponible, enlace en la bio",
        "Envío gratis en todos los pedidos solo hoy",
      ],
    },
  },
  de: {
    separator: ". ",
    filler: [
      "Guten Morgen zusammen",
      "Kaum zu glauben, schon wieder Wochenende",
      "Manche Tage sind einfach so",
      "Was meint ihr?",
      "Wollte das nur teilen",
      "Langer Tag, kurzer Post",
      "Keine Worte nötig",
      "Heute einfach dankbar",
      "Wer ist noch wach?",
      "Notiz an mich: mehr ausruhen",
    ],
    tags: {
      politics: [
        "politik",
        "Die Debatte im Bundestag heute war chaotisch",
        "Neue Umfragen zur Wahl und keiner ist sich einig",
        "Heute wird über den Haushalt abgestimmt",
      ],
      music: [
        "musik",
        "Das neue Album läuft seit Tagen in Dauerschleife",
        "Erste Reihe beim Konzert, der Bass war unglaublich",
        "Lerne gerade ein neues Lied auf der Gitarre",
      ],
      tech: [
        "technik",
        "Wir haben gerade eine neue Version unserer App veröffentlicht",
        "Das neue KI-Modell schreibt besseren Code als ich",
        "Neuer Laptop und der Build ist doppelt so schnell",
      ],
      books: [
        "bücher",
        "Diesen Roman in einem Rutsch gelesen",
        "Meine Leseliste für den Monat wird immer länger",
        "Am Wochenende ist Büchermarkt in der Stadtbibliothek",
      ],
      finance: [
        "finanzen",
        "Die Börse fällt wieder, ich bleibe beim Sparplan",
        "Die Zinsen steigen, Zeit die Baufinanzierung zu prüfen",
        "Die Quartalszahlen übertreffen die Erwartungen",
      ],
      health: [
        "gesundheit",
        "Morgenlauf erledigt, 5 km vor dem Frühstück",
        "Diesen Monat mehr Wasser und acht Stunden Schlaf",
        "Nach dem Yogakurs habe ich Muskelkater",
      ],
      food: [
        "essen",
        "Heute Abend hausgemachte Pasta mit frischen Tomaten",
        "Für diesen Ramen lohnt sich das Anstehen",
        "Zum ersten Mal Brot gebacken und es ist aufgegangen",
      ],
      sports: [
        "sport",
        "Was für ein Tor in der letzten Minute",
        "Endlich haben wir das Derby gewonnen",
        "Training für das Pokalfinale am Samstag",
      ],
      travel: [
        "reisen",
        "Boarding läuft, nächster Halt Lissabon",
        "Koffer verloren, aber ein tolles Hostel gefunden",
        "Drei Länder in zehn Tagen mit dem Zug",
      ],
      art: [
        "kunst",
        "Neues Gemälde fertig, Öl auf Leinwand",
        "Den Nachmittag im Museum für moderne Kunst verbracht",
        "Skizzenbuchseite des Tages",
      ],
      gaming: [
        "gaming",
        "Endlich den Endboss nach zehn Versuchen besiegt",
        "Heute Abend streame ich das neue Level",
        "Speedrun-Versuch Nummer vierzig",
      ],
      festival: [
        "festival",
        "Festivalwochenende, drei Bühnen und kein Schlaf",
        "Das Line-up für das Sommerfestival ist der Wahnsinn",
        "Zelten auf dem Festival, überall Schlamm",
      ],
      nightlife: [
        "nachtleben",
        "Tanzen bis der Club schließt",
        "Cocktails auf der Dachterrasse, die Stadt schläft nie",
        "Letzte Runde in der Bar mit Freunden",
      ],
      commute: [
        "pendeln",
        "Die Bahn hat heute Morgen wieder Verspätung",
        "Stau auf dem Ring",
        "Der Radweg zur Arbeit war total voll",
      ],
      promo: [
        "angebot",
        "Nur diese Woche: 30% Rabatt auf alles",
        "Neue Kollektion jetzt erhältlich, Link in der Bio",
        "Heute kostenloser Versand für alle Bestellungen",
      ],
    },
  },
  ar: {
    separator: "، ",
    filler: [
      "صباح الخير للجميع",
      "لا أصدق أنها عطلة نهاية الأسبوع مرة أخرى",
      "بعض الأيام هكذا",
      "ما رأيكم؟",
      "أردت فقط مشاركة هذا",
      "يوم طويل ومنشور قصير",
      "بدون تعليق",
      "ممتن لهذا اليوم",
      "من ما زال مستيقظا؟",
      "ملاحظة لنفسي: ارتح أكثر",
    ],
    tags: {
      politics: [
        "سياسة",
        "النقاش في البرلمان الليلة كان فوضى",
        "استطلاعات الانتخابات الجديدة صدرت ولا أحد يتفق",
        "التصويت على الميزانية اليوم",
      ],
      music: [
        "موسيقى",
        "هذا الألبوم الجديد لا يتوقف عندي طوال الأسبوع",
        "الصف الأول في الحفلة وكان الصوت رائعا",
        "أتعلم أغنية جديدة على الجيتار اليوم",
      ],
      tech: [
        "تقنية",
        "أطلقنا للتو إصدارا جديدا من تطبيقنا",
        "نموذج الذكاء الاصطناعي الجديد يكتب الكود أفضل مني",
        "حاسوب محمول جديد والبناء أسرع مرتين",
      ],
      books: [
        "كتب",
        "أنهيت هذه الرواية في جلسة واحدة",
        "قائمة القراءة لهذا الشهر تطول",
        "معرض الكتاب في نهاية هذا الأسبوع",
      ],
      finance: [
        "مال",
        "الأسواق هبطت مرة أخرى وأنا مستمر في خطة الادخار",
        "أسعار الفائدة ترتفع وحان وقت مراجعة القرض",
        "أرباح الربع فاقت التوقعات",
      ],
      health: [
        "صحة",
        "ركضت خمسة كيلومترات قبل الفطور",
        "هذا الشهر أشرب ماء أكثر وأنام ثماني ساعات",
        "حصة اليوغا اليوم كانت متعبة ومفيدة",
      ],
      food: [
        "طعام",
        "معكرونة منزلية مع طماطم طازجة الليلة",
        "هذا المطعم يستحق الانتظار في الطابور",
        "خبزت الخبز لأول مرة ونجح",
      ],
      sports: [
        "رياضة",
        "يا له من هدف في الدقيقة الأخيرة من المباراة",
        "فريقنا فاز أخيرا بالديربي",
        "تدريب لنهائي الدوري يوم السبت",
      ],
      travel: [
        "سفر",
        "الصعود إلى الطائرة الآن والمحطة التالية لشبونة",
        "فقدت حقيبتي لكن وجدت نزلا رائعا",
        "ثلاث دول في عشرة أيام بالقطار",
      ],
      art: [
        "فن",
        "أنهيت لوحة جديدة بالألوان الزيتية",
        "قضيت العصر في متحف الفن الحديث",
        "صفحة اليوم من دفتر الرسم",
      ],
      gaming: [
        "ألعاب",
        "أخيرا هزمت الزعيم الأخير بعد عشر محاولات",
        "بث مباشر للمرحلة الجديدة الليلة",
        "محاولة الإنهاء السريع رقم أربعين",
      ],
      festival: [
        "مهرجان",
        "عطلة المهرجان ثلاثة مسارح ولا نوم",
        "قائمة فناني مهرجان الصيف مذهلة",
        "تخييم في المهرجان والطين في كل مكان",
      ],
      nightlife: [
        "سهرة",
        "نرقص حتى يغلق النادي",
        "كوكتيلات على السطح والمدينة لا تنام",
        "الجولة الأخيرة في المقهى مع الأصدقاء",
      ],
      commute: [
        "مواصلات",
        "القطار متأخر مرة أخرى هذا الصباح",
        "زحمة سير خانقة على الطريق الدائري",
        "مسار الدراجات مزدحم في الطريق إلى العمل",
      ],
      promo: [
        "عرض",
        "عرض محدود خصم ٣٠٪ على كل شيء هذا الأسبوع",
        "المجموعة الجديدة متوفرة الآن والرابط في البايو",
        "شحن مجاني لكل الطلبات اليوم فقط",
      ],
    },
  },
  hi: {
    separator: " । ",
    filler: [
      "सभी को सुप्रभात",
      "यकीन नहीं होता फिर से सप्ताहांत आ गया",
      "कुछ दिन ऐसे ही होते हैं",
      "आप क्या सोचते हैं?",
      "बस यह साझा करना था",
      "लंबा दिन, छोटी पोस्ट",
      "कोई कैप्शन नहीं",
      "आज के लिए आभारी",
      "और कौन जाग रहा है?",
      "खुद से वादा: ज़्यादा आराम",
    ],
    tags: {
      politics: [
        "राजनीति",
        "आज रात संसद की बहस पूरी तरह अव्यवस्थित थी",
        "चुनाव के नए सर्वे आए और कोई सहमत नहीं",
        "आज बजट पर मतदान है",
      ],
      music: [
        "संगीत",
        "यह नया एल्बम पूरे हफ्ते से बज रहा है",
        "कॉन्सर्ट में पहली पंक्ति, आवाज़ कमाल की थी",
        "आज गिटार पर नया गाना सीख रहा हूँ",
      ],
      tech: [
        "तकनीक",
        "हमने अभी अपने ऐप का नया संस्करण जारी किया",
        "नया एआई मॉडल मुझसे बेहतर कोड लिखता है",
        "नया लैपटॉप और बिल्ड दोगुना तेज़",
      ],
      books: [
        "किताबें",
        "यह उपन्यास एक ही बार में पढ़ डाला",
        "इस महीने की पढ़ने की सूची लंबी होती जा रही है",
        "इस सप्ताहांत पुस्तक मेला है",
      ],
      finance: [
        "वित्त",
        "बाज़ार फिर गिरा, मैं अपनी बचत योजना पर टिका हूँ",
        "ब्याज दरें बढ़ीं, होम लोन पर फिर सोचना होगा",
        "तिमाही नतीजे उम्मीद से बेहतर रहे",
      ],
      health: [
        "सेहत",
        "नाश्ते से पहले पाँच किलोमीटर दौड़ पूरी",
        "इस महीने ज़्यादा पानी और आठ घंटे की नींद",
        "योग कक्षा के बाद बदन में अच्छा दर्द",
      ],
      food: [
        "खाना",
        "आज रात ताज़े टमाटर के साथ घर का बना पास्ता",
        "इस ढाबे के लिए लाइन में लगना बनता है",
        "पहली बार ब्रेड बनाई और वह फूली भी",
      ],
      sports: [
        "खेल",
        "मैच के आखिरी ओवर में क्या शानदार छक्का",
        "हमारी टीम ने आखिरकार डर्बी जीत ली",
        "शनिवार के लीग फाइनल की तैयारी",
      ],
      travel: [
        "यात्रा",
        "बोर्डिंग शुरू, अगला पड़ाव लिस्बन",
        "सामान खो गया पर शानदार हॉस्टल मिल गया",
        "ट्रेन से दस दिन में तीन देश",
      ],
      art: [
        "कला",
        "नई पेंटिंग पूरी हुई, कैनवास पर तेल रंग",
        "दोपहर आधुनिक कला संग्रहालय में बिताई",
        "आज का स्केचबुक पन्ना",
      ],
      gaming: [
        "गेमिंग",
        "दस कोशिशों के बाद आखिरकार फाइनल बॉस को हराया",
        "आज रात नए लेवल की स्ट्रीमिंग",
        "स्पीडरन की चालीसवीं कोशिश",
      ],
      festival: [
        "उत्सव",
        "उत्सव का सप्ताहांत, तीन मंच और नींद नहीं",
        "गर्मियों के संगीत उत्सव की लाइनअप ज़बरदस्त है",
        "उत्सव में कैंपिंग, हर तरफ कीचड़",
      ],
      nightlife: [
        "नाइटलाइफ़",
        "क्लब बंद होने तक नाचते रहे",
        "छत पर कॉकटेल, शहर कभी नहीं सोता",
        "दोस्तों के साथ बार में आखिरी दौर",
      ],
      commute: [
        "सफ़र",
        "आज सुबह फिर ट्रेन लेट",
        "रिंग रोड पर भारी जाम",
        "दफ़्तर जाते हुए साइकिल लेन भरी हुई थी",
      ],
      promo: [
        "ऑफ़र",
        "सीमित ऑफ़र: इस हफ्ते हर चीज़ पर 30% छूट",
        "नया कलेक्शन अब उपलब्ध, लिंक बायो में",
        "आज सभी ऑर्डर पर मुफ़्त डिलीवरी",
      ],
    },
  },
  ja: {
    separator: "。",
    filler: [
      "みなさんおはようございます",
      "もう週末なんて信じられない",
      "こんな日もある",
      "どう思う？",
      "ちょっと共有したくて",
      "長い一日、短い投稿",
      "言葉はいらない",
      "今日も感謝",
      "まだ起きてる人いる？",
      "自分へのメモ：もっと休む",
    ],
    tags: {
      politics: [
        "政治",
        "今夜の国会の討論はめちゃくちゃだった",
        "新しい世論調査が出たけど意見はバラバラ",
        "今日は予算案の採決",
      ],
      music: [
        "音楽",
        "新しいアルバムを一週間ずっとリピートしてる",
        "ライブで最前列、低音がすごかった",
        "今日はギターで新しい曲を練習中",
      ],
      tech: [
        "テック",
        "アプリの新バージョンをリリースしました",
        "新しいAIモデルが私よりいいコードを書く",
        "ノートPCを新調したらビルドが二倍速い",
      ],
      books: ["読書", "この小説を一気に読み終えた", "今月の積読リストが増える一方", "今週末は古本市"],
      finance: [
        "投資",
        "株価がまた下落、積立はそのまま続ける",
        "金利が上がったので住宅ローンを見直す",
        "四半期決算が予想を上回った",
      ],
      health: [
        "健康",
        "朝食前に5キロ走った",
        "今月は水をたくさん飲んで8時間寝る",
        "ヨガのレッスンで心地よい筋肉痛",
      ],
      food: [
        "グルメ",
        "今夜は新鮮なトマトで手作りパスタ",
        "このラーメン屋は並ぶ価値あり",
        "初めてパンを焼いたらちゃんと膨らんだ",
      ],
      sports: [
        "スポーツ",
        "試合終了間際の見事なゴール",
        "ついにダービーに勝った",
        "土曜日のリーグ決勝に向けて練習",
      ],
      travel: [
        "旅行",
        "搭乗開始、次はリスボン",
        "荷物をなくしたけど素敵なホステルを見つけた",
        "電車で十日間に三か国",
      ],
      art: ["アート", "新しい油絵が完成", "午後は現代美術館で過ごした", "今日のスケッチブック"],
      gaming: ["ゲーム", "十回目でやっとラスボスを倒した", "今夜は新ステージを配信", "RTA挑戦四十回目"],
      festival: [
        "フェス",
        "フェスの週末、ステージ三つで寝不足",
        "夏フェスのラインナップがすごい",
        "フェスでキャンプ、どこも泥だらけ",
      ],
      nightlife: [
        "夜遊び",
        "クラブが閉まるまで踊った",
        "屋上でカクテル、眠らない街",
        "友達とバーで最後の一杯",
      ],
      commute: ["通勤", "今朝も電車が遅延", "環状線で大渋滞", "通勤の自転車レーンが混雑"],
      promo: [
        "セール",
        "期間限定、今週は全品30%オフ",
        "新コレクション発売中、リンクはプロフィールから",
        "本日限り全品送料無料",
      ],
    },
  },
};

/** Emoji that go with a text-carrying tag. */
export const TAG_EMOJI: Readonly<Record<string, readonly string[]>> = {
  politics: ["🗳️", "🏛️"],
  music: ["🎵", "🎸", "🎧"],
  tech: ["💻", "🤖", "📱"],
  books: ["📚", "📖"],
  finance: ["📈", "💶", "📉"],
  health: ["🏃", "🥗", "🧘"],
  food: ["🍝", "🍜", "🥖"],
  sports: ["⚽", "🏆", "🏏"],
  travel: ["✈️", "🧳", "🚆"],
  art: ["🎨", "🖌️"],
  gaming: ["🎮", "👾"],
  festival: ["🎪", "🎶"],
  nightlife: ["🍸", "🌃"],
  commute: ["🚆", "🚗", "🚲"],
  promo: ["🛍️", "💸"],
};

/** Emoji that say nothing about a tag. */
export const GENERIC_EMOJI: readonly string[] = ["😊", "😂", "🙌", "✨", "🔥", "❤️", "🤔", "👀"];

/** Hashtags that say nothing about a tag. */
export const GENERIC_HASHTAGS: readonly string[] = [
  "tbt",
  "mood",
  "photooftheday",
  "weekend",
  "life",
  "today",
];
