import { TEMPLATES } from './templates';
import { LOCALES, type Locale, type Urgency } from './types';

// The pages behind an acknowledgement link, in the recipient's language and in the words of
// the messages they came from ("I have it" is the messages' «беру», «аламын», "olaman",
// «алам»). Like the messages, they name the case by its reference and nothing else.

export interface AckPageTexts {
  confirmTitle: (ref: string) => string;
  confirmHeading: (ref: string) => string;
  /** `urgency` is the localised label the messages use (КРИТИЧНО, O'TA SHOSHILINCH …). */
  confirmBody: (urgency: string, ref: string) => string;
  /** The button that acknowledges. */
  confirmButton: string;
  acknowledgedTitle: string;
  /** `cases`: how many alerts of the incident the acknowledgement took. */
  acknowledgedBody: (cases: number) => string;
  alreadyAcknowledgedTitle: string;
  alreadyAcknowledgedBody: (at: string) => string;
  closedTitle: string;
  resolvedBody: string;
  supersededBody: string;
  expiredTitle: string;
  expiredBody: string;
  invalidTitle: string;
  invalidBody: string;
  notFoundTitle: string;
  notFoundBody: string;
}

const en: AckPageTexts = {
  confirmTitle: (ref) => `Acknowledge ${ref}`,
  confirmHeading: (ref) => `Acknowledge alert ${ref}`,
  confirmBody: (urgency, ref) =>
    `${urgency} alert for case ${ref}. Acknowledging says "I have it": escalation to the next contact stops.`,
  confirmButton: 'I have it',
  acknowledgedTitle: 'Acknowledged',
  acknowledgedBody: (cases) =>
    `Thank you. The alert is yours; escalation has stopped (${cases} case(s) of the incident).`,
  alreadyAcknowledgedTitle: 'Already acknowledged',
  alreadyAcknowledgedBody: (at) => `This alert was acknowledged at ${at}.`,
  closedTitle: 'Alert closed',
  resolvedBody: 'This alert was resolved; nothing to acknowledge.',
  supersededBody:
    'This alert was replaced by a newer alert for the case; nothing to acknowledge here.',
  expiredTitle: 'Link expired',
  expiredBody: 'This acknowledgement link has expired: reply to the SMS or use the console.',
  invalidTitle: 'Link not valid',
  invalidBody: 'This is not a valid acknowledgement link.',
  notFoundTitle: 'Alert not found',
  notFoundBody: 'The alert behind this link does not exist.',
};

const ru: AckPageTexts = {
  confirmTitle: (ref) => `Подтвердить ${ref}`,
  confirmHeading: (ref) => `Подтвердить сигнал ${ref}`,
  confirmBody: (urgency, ref) =>
    `${urgency}: сигнал по делу ${ref}. Подтверждение означает «беру»: эскалация к следующему контакту прекращается.`,
  confirmButton: 'Беру',
  acknowledgedTitle: 'Подтверждено',
  acknowledgedBody: (cases) =>
    `Спасибо. Сигнал за вами, эскалация остановлена (подтверждено дел инцидента: ${cases}).`,
  alreadyAcknowledgedTitle: 'Уже подтверждено',
  alreadyAcknowledgedBody: (at) => `Этот сигнал уже подтверждён: ${at}.`,
  closedTitle: 'Сигнал закрыт',
  resolvedBody: 'Этот сигнал закрыт, подтверждать нечего.',
  supersededBody: 'Этот сигнал заменён более новым сигналом по делу, здесь подтверждать нечего.',
  expiredTitle: 'Срок ссылки истёк',
  expiredBody:
    'Срок действия этой ссылки для подтверждения истёк: ответьте на SMS или воспользуйтесь консолью.',
  invalidTitle: 'Ссылка недействительна',
  invalidBody: 'Это недействительная ссылка для подтверждения.',
  notFoundTitle: 'Сигнал не найден',
  notFoundBody: 'Сигнала по этой ссылке не существует.',
};

const kk: AckPageTexts = {
  confirmTitle: (ref) => `${ref} растау`,
  confirmHeading: (ref) => `${ref} дабылын растау`,
  confirmBody: (urgency, ref) =>
    `${urgency}: ${ref} ісі бойынша дабыл. Растау «аламын» дегенді білдіреді: келесі байланысқа эскалация тоқтайды.`,
  confirmButton: 'Аламын',
  acknowledgedTitle: 'Расталды',
  acknowledgedBody: (cases) =>
    `Рахмет. Дабыл сізде, эскалация тоқтатылды (оқиғаның расталған істері: ${cases}).`,
  alreadyAcknowledgedTitle: 'Бұрын расталған',
  alreadyAcknowledgedBody: (at) => `Бұл дабыл бұрын расталған: ${at}.`,
  closedTitle: 'Дабыл жабылды',
  resolvedBody: 'Бұл дабыл жабылды, растайтын ештеңе жоқ.',
  supersededBody: 'Бұл дабылдың орнына іс бойынша жаңа дабыл берілді, мұнда растайтын ештеңе жоқ.',
  expiredTitle: 'Сілтеменің мерзімі өтті',
  expiredBody:
    'Бұл растау сілтемесінің мерзімі өтті: SMS-ке жауап беріңіз немесе консольді пайдаланыңыз.',
  invalidTitle: 'Сілтеме жарамсыз',
  invalidBody: 'Бұл жарамды растау сілтемесі емес.',
  notFoundTitle: 'Дабыл табылмады',
  notFoundBody: 'Бұл сілтеме бойынша дабыл жоқ.',
};

// Latin script with the ASCII apostrophe, as in the Uzbek messages.
const uz: AckPageTexts = {
  confirmTitle: (ref) => `Tasdiqlash: ${ref}`,
  confirmHeading: (ref) => `${ref} signalini tasdiqlash`,
  confirmBody: (urgency, ref) =>
    `${urgency}: ${ref} ishi bo'yicha signal. Tasdiqlash "olaman" degani: keyingi aloqaga eskalatsiya to'xtaydi.`,
  confirmButton: 'Olaman',
  acknowledgedTitle: 'Tasdiqlandi',
  acknowledgedBody: (cases) =>
    `Rahmat. Signal sizda, eskalatsiya to'xtatildi (hodisaning tasdiqlangan ishlari: ${cases}).`,
  alreadyAcknowledgedTitle: 'Avval tasdiqlangan',
  alreadyAcknowledgedBody: (at) => `Bu signal avval tasdiqlangan: ${at}.`,
  closedTitle: 'Signal yopildi',
  resolvedBody: 'Bu signal yopildi, tasdiqlash kerak emas.',
  supersededBody:
    "Bu signal o'rniga ish bo'yicha yangi signal berildi, bu yerda tasdiqlash kerak emas.",
  expiredTitle: "Havola muddati o'tgan",
  expiredBody:
    "Bu tasdiqlash havolasining muddati o'tgan: SMS orqali javob bering yoki konsoldan foydalaning.",
  invalidTitle: 'Havola yaroqsiz',
  invalidBody: 'Bu yaroqli tasdiqlash havolasi emas.',
  notFoundTitle: 'Signal topilmadi',
  notFoundBody: "Bu havola bo'yicha signal mavjud emas.",
};

const ky: AckPageTexts = {
  confirmTitle: (ref) => `${ref} ырастоо`,
  confirmHeading: (ref) => `${ref} белгисин ырастоо`,
  confirmBody: (urgency, ref) =>
    `${urgency}: ${ref} иши боюнча белги. Ырастоо «алам» дегенди билдирет: кийинки байланышка эскалация токтойт.`,
  confirmButton: 'Алам',
  acknowledgedTitle: 'Ырасталды',
  acknowledgedBody: (cases) =>
    `Рахмат. Белги сизде, эскалация токтотулду (окуянын ырасталган иштери: ${cases}).`,
  alreadyAcknowledgedTitle: 'Мурда ырасталган',
  alreadyAcknowledgedBody: (at) => `Бул белги мурда ырасталган: ${at}.`,
  closedTitle: 'Белги жабылды',
  resolvedBody: 'Бул белги жабылды, ырастай турган эч нерсе жок.',
  supersededBody:
    'Бул белгинин ордуна иш боюнча жаңы белги берилди, бул жерде ырастай турган эч нерсе жок.',
  expiredTitle: 'Шилтеменин мөөнөтү бүттү',
  expiredBody:
    'Бул ырастоо шилтемесинин мөөнөтү бүттү: SMS аркылуу жооп бериңиз же консолду колдонуңуз.',
  invalidTitle: 'Шилтеме жараксыз',
  invalidBody: 'Бул жарактуу ырастоо шилтемеси эмес.',
  notFoundTitle: 'Белги табылган жок',
  notFoundBody: 'Бул шилтеме боюнча белги жок.',
};

export const ACK_PAGE_TEXTS: Readonly<Record<Locale, AckPageTexts>> = { en, ru, kk, uz, ky };

/** The texts of a locale and the messages' label for an urgency; English for anything else. */
export function ackPageTexts(locale: string): {
  locale: Locale;
  texts: AckPageTexts;
  urgencyLabel: (urgency: Urgency) => string;
} {
  const known: Locale = (LOCALES as readonly string[]).includes(locale) ? (locale as Locale) : 'en';
  return {
    locale: known,
    texts: ACK_PAGE_TEXTS[known],
    urgencyLabel: (urgency) => TEMPLATES[known].urgency[urgency],
  };
}

/**
 * The language a browser asks for (`Accept-Language`, RFC 9110), among Beacon's five: the
 * highest weighted one it names by primary subtag (`ru-RU`, `uz-Latn` …), else English.
 */
export function localeFromAcceptLanguage(header: string | undefined): Locale {
  let best: { locale: Locale; q: number } | null = null;
  for (const range of (header ?? '').split(',')) {
    const [tag = '', ...params] = range.trim().split(';');
    const primary = tag.trim().toLowerCase().split('-')[0] ?? '';
    if (!(LOCALES as readonly string[]).includes(primary)) continue;
    const weight = params.map((p) => /^\s*q\s*=\s*([\d.]+)\s*$/.exec(p)?.[1]).find(Boolean);
    const q = weight === undefined ? 1 : Number(weight);
    if (!(q > 0)) continue;
    if (best === null || q > best.q) best = { locale: primary as Locale, q };
  }
  return best?.locale ?? 'en';
}
