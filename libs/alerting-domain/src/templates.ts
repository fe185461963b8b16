import { type EventCode } from './event-codes';
import { type MessageKind } from './message-facts';
import { type Locale, type Urgency } from './types';

/**
 * All a template can interpolate. Built from checked MessageFacts only, so a template has no
 * path to anything else about the case.
 */
export interface Slots {
  /** Localised urgency label. */
  urgency: string;
  code: EventCode;
  /** The event code spelled out in the locale. */
  event: string;
  ref: string;
  ack: string;
  cases: number;
}

type Template = (s: Slots) => string;

export interface LocaleTemplates {
  urgency: Readonly<Record<Urgency, string>>;
  events: Readonly<Record<EventCode, string>>;
  /** Short enough for one SMS part; 'ACK nnnn' is kept Latin so replies parse in any script. */
  sms: Readonly<Record<MessageKind, Template>>;
  subject: Readonly<Record<MessageKind, Template>>;
  headline: Readonly<Record<MessageKind, Template>>;
  incidentSize: Template;
  ackBySms: Template;
  ackByLink: string;
  openCase: string;
  noPersonalData: string;
}

const en: LocaleTemplates = {
  urgency: { critical: 'CRITICAL', high: 'HIGH', routine: 'ROUTINE' },
  events: {
    RPT: 'report received',
    PID: 'person identified',
    DET: 'detention',
    WHR: 'whereabouts',
    ACC: 'access',
    ILT: 'ill-treatment',
    LGL: 'legal proceeding',
    RMV: 'removal threat',
    TRF: 'transfer',
    INT: 'intervention',
    REL: 'release',
    DEP: 'removal carried out',
    LST: 'contact lost',
    CLS: 'case closed',
    ROP: 'case reopened',
    COR: 'record corrected',
    ERA: 'record erased',
  },
  sms: {
    alert: (s) => `Beacon: ${s.urgency} ${s.code} case ${s.ref}. Reply ACK ${s.ack}`,
    'incident-update': (s) =>
      `Beacon: ${s.urgency} ${s.code} ${s.ref}, incident now ${s.cases} cases. Reply ACK ${s.ack}`,
    escalation: (s) =>
      `Beacon: ESCALATED, no ACK yet. ${s.urgency} ${s.code} case ${s.ref}. Reply ACK ${s.ack}`,
    'stand-down': (s) => `Beacon: stand down, case ${s.ref} ${s.code}. No action needed.`,
    'follow-up': (s) =>
      `Beacon: ${s.urgency} follow-up after removal, case ${s.ref} ${s.code}. Reply ACK ${s.ack}`,
  },
  subject: {
    alert: (s) => `[Beacon] ${s.urgency} ${s.code} ${s.ref}`,
    'incident-update': (s) =>
      `[Beacon] ${s.urgency} ${s.code} ${s.ref}: incident update, ${s.cases} cases`,
    escalation: (s) => `[Beacon] ESCALATED ${s.urgency} ${s.code} ${s.ref}`,
    'stand-down': (s) => `[Beacon] Stand down ${s.ref}`,
    'follow-up': (s) => `[Beacon] Follow-up ${s.urgency} ${s.code} ${s.ref}`,
  },
  headline: {
    alert: (s) => `${s.urgency} alert: ${s.code} (${s.event}), case ${s.ref}.`,
    'incident-update': (s) =>
      `Incident update: ${s.cases} cases are now linked to the incident of case ${s.ref} (${s.code}, ${s.event}).`,
    escalation: (s) =>
      `Escalated: the ${s.urgency} alert ${s.code} (${s.event}), case ${s.ref}, was not acknowledged in time. You are the next contact.`,
    'stand-down': (s) => `Stand down: case ${s.ref}, ${s.code} (${s.event}). No action needed.`,
    'follow-up': (s) => `Follow-up after removal needed: case ${s.ref}, ${s.code} (${s.event}).`,
  },
  incidentSize: (s) => `The incident now has ${s.cases} cases.`,
  ackBySms: (s) => `Acknowledge ("I have it"): reply ACK ${s.ack} by SMS.`,
  ackByLink: 'Or acknowledge here:',
  openCase: 'Open the case (login required):',
  noPersonalData: 'This message carries no personal data, by design.',
};

const ru: LocaleTemplates = {
  urgency: { critical: 'КРИТИЧНО', high: 'СРОЧНО', routine: 'ОБЫЧНО' },
  events: {
    RPT: 'получено сообщение',
    PID: 'личность установлена',
    DET: 'задержание',
    WHR: 'местонахождение',
    ACC: 'доступ',
    ILT: 'жестокое обращение',
    LGL: 'судебный процесс',
    RMV: 'угроза высылки',
    TRF: 'перевод',
    INT: 'вмешательство',
    REL: 'освобождение',
    DEP: 'высылка состоялась',
    LST: 'связь потеряна',
    CLS: 'дело закрыто',
    ROP: 'дело возобновлено',
    COR: 'запись исправлена',
    ERA: 'запись удалена',
  },
  sms: {
    alert: (s) => `Beacon: ${s.urgency} ${s.code} дело ${s.ref}. Ответ: ACK ${s.ack}`,
    'incident-update': (s) =>
      `Beacon: ${s.urgency} ${s.code} ${s.ref}, дел в инциденте: ${s.cases}. ACK ${s.ack}`,
    escalation: (s) =>
      `Beacon: ЭСКАЛАЦИЯ ${s.urgency} ${s.code} дело ${s.ref}. Ответ: ACK ${s.ack}`,
    'stand-down': (s) => `Beacon: отбой, дело ${s.ref} ${s.code}. Действий не нужно.`,
    'follow-up': (s) =>
      `Beacon: ${s.urgency} ${s.code} дело ${s.ref}, мониторинг. Ответ: ACK ${s.ack}`,
  },
  subject: {
    alert: (s) => `[Beacon] ${s.urgency} ${s.code} ${s.ref}`,
    'incident-update': (s) =>
      `[Beacon] ${s.urgency} ${s.code} ${s.ref}: обновление инцидента, дел: ${s.cases}`,
    escalation: (s) => `[Beacon] ЭСКАЛАЦИЯ ${s.urgency} ${s.code} ${s.ref}`,
    'stand-down': (s) => `[Beacon] Отбой ${s.ref}`,
    'follow-up': (s) => `[Beacon] Мониторинг после высылки ${s.urgency} ${s.code} ${s.ref}`,
  },
  headline: {
    alert: (s) => `${s.urgency}: ${s.code} (${s.event}), дело ${s.ref}.`,
    'incident-update': (s) =>
      `Обновление по инциденту дела ${s.ref} (${s.code}, ${s.event}): связанных дел: ${s.cases}.`,
    escalation: (s) =>
      `Эскалация: сигнал ${s.urgency} ${s.code} (${s.event}) по делу ${s.ref} не подтверждён вовремя. Вы следующий контакт.`,
    'stand-down': (s) => `Отбой: дело ${s.ref}, ${s.code} (${s.event}). Действий не требуется.`,
    'follow-up': (s) =>
      `Требуется мониторинг после высылки: дело ${s.ref}, ${s.code} (${s.event}).`,
  },
  incidentSize: (s) => `Дел в инциденте: ${s.cases}.`,
  ackBySms: (s) => `Подтвердите («беру»): ответьте ACK ${s.ack} по SMS.`,
  ackByLink: 'Или подтвердите по ссылке:',
  openCase: 'Открыть дело (нужен вход):',
  noPersonalData: 'Сообщение намеренно не содержит персональных данных.',
};

const kk: LocaleTemplates = {
  urgency: { critical: 'АСА ШҰҒЫЛ', high: 'ШҰҒЫЛ', routine: 'ҚАЛЫПТЫ' },
  events: {
    RPT: 'хабарлама алынды',
    PID: 'тұлға анықталды',
    DET: 'ұстау',
    WHR: 'орналасқан жері',
    ACC: 'қолжетімділік',
    ILT: 'қатыгез қарау',
    LGL: 'сот ісі',
    RMV: 'шығарып жіберу қаупі',
    TRF: 'ауыстыру',
    INT: 'араласу',
    REL: 'босату',
    DEP: 'елден шығарылды',
    LST: 'байланыс үзілді',
    CLS: 'іс жабылды',
    ROP: 'іс қайта ашылды',
    COR: 'жазба түзетілді',
    ERA: 'жазба өшірілді',
  },
  sms: {
    alert: (s) => `Beacon: ${s.urgency} ${s.code} іс ${s.ref}. Жауап: ACK ${s.ack}`,
    'incident-update': (s) =>
      `Beacon: ${s.urgency} ${s.code} ${s.ref}, оқиғада істер: ${s.cases}. ACK ${s.ack}`,
    escalation: (s) => `Beacon: ЭСКАЛАЦИЯ ${s.urgency} ${s.code} іс ${s.ref}. Жауап: ACK ${s.ack}`,
    'stand-down': (s) => `Beacon: дабыл тоқтатылды, іс ${s.ref} ${s.code}. Әрекет қажет емес.`,
    'follow-up': (s) => `Beacon: ${s.urgency} ${s.code} іс ${s.ref}, бақылау. Жауап: ACK ${s.ack}`,
  },
  subject: {
    alert: (s) => `[Beacon] ${s.urgency} ${s.code} ${s.ref}`,
    'incident-update': (s) =>
      `[Beacon] ${s.urgency} ${s.code} ${s.ref}: оқиға жаңартуы, істер: ${s.cases}`,
    escalation: (s) => `[Beacon] ЭСКАЛАЦИЯ ${s.urgency} ${s.code} ${s.ref}`,
    'stand-down': (s) => `[Beacon] Дабыл тоқтатылды ${s.ref}`,
    'follow-up': (s) => `[Beacon] Шығарылғаннан кейінгі бақылау ${s.urgency} ${s.code} ${s.ref}`,
  },
  headline: {
    alert: (s) => `${s.urgency}: ${s.code} (${s.event}), іс ${s.ref}.`,
    'incident-update': (s) =>
      `${s.ref} ісі бойынша оқиға жаңартуы (${s.code}, ${s.event}): байланысты істер саны: ${s.cases}.`,
    escalation: (s) =>
      `Эскалация: ${s.ref} ісі бойынша ${s.urgency} ${s.code} (${s.event}) дабылы уақытында расталмады. Келесі байланыс — сіз.`,
    'stand-down': (s) =>
      `Дабыл тоқтатылды: іс ${s.ref}, ${s.code} (${s.event}). Әрекет қажет емес.`,
    'follow-up': (s) =>
      `Елден шығарылғаннан кейінгі бақылау қажет: іс ${s.ref}, ${s.code} (${s.event}).`,
  },
  incidentSize: (s) => `Оқиғадағы істер саны: ${s.cases}.`,
  ackBySms: (s) => `Растаңыз («аламын»): SMS арқылы ACK ${s.ack} деп жауап беріңіз.`,
  ackByLink: 'Немесе сілтеме арқылы растаңыз:',
  openCase: 'Істі ашу (жүйеге кіру қажет):',
  noPersonalData: 'Бұл хабарламада дербес деректер әдейі жоқ.',
};

// Latin script with the ASCII apostrophe (o', g'): the modifier letter ʻ is not GSM-7 and
// would halve the room in an SMS.
const uz: LocaleTemplates = {
  urgency: { critical: "O'TA SHOSHILINCH", high: 'SHOSHILINCH', routine: 'ODDIY' },
  events: {
    RPT: 'xabar qabul qilindi',
    PID: 'shaxs aniqlandi',
    DET: 'hibsga olish',
    WHR: 'qayerdaligi',
    ACC: 'kirish imkoni',
    ILT: 'shafqatsiz muomala',
    LGL: 'sud jarayoni',
    RMV: 'chiqarib yuborish xavfi',
    TRF: "ko'chirish",
    INT: 'aralashuv',
    REL: 'ozod qilish',
    DEP: 'mamlakatdan chiqarildi',
    LST: 'aloqa uzildi',
    CLS: 'ish yopildi',
    ROP: 'ish qayta ochildi',
    COR: 'yozuv tuzatildi',
    ERA: "yozuv o'chirildi",
  },
  sms: {
    alert: (s) => `Beacon: ${s.urgency} ${s.code} ish ${s.ref}. Javob: ACK ${s.ack}`,
    'incident-update': (s) =>
      `Beacon: ${s.urgency} ${s.code} ${s.ref}, hodisada ishlar: ${s.cases}. Javob: ACK ${s.ack}`,
    escalation: (s) =>
      `Beacon: ESKALATSIYA ${s.urgency} ${s.code} ish ${s.ref}. Javob: ACK ${s.ack}`,
    'stand-down': (s) => `Beacon: signal bekor, ish ${s.ref} ${s.code}. Harakat kerak emas.`,
    'follow-up': (s) =>
      `Beacon: ${s.urgency} ${s.code} ish ${s.ref}, keyingi kuzatuv. Javob: ACK ${s.ack}`,
  },
  subject: {
    alert: (s) => `[Beacon] ${s.urgency} ${s.code} ${s.ref}`,
    'incident-update': (s) =>
      `[Beacon] ${s.urgency} ${s.code} ${s.ref}: hodisa yangilanishi, ishlar: ${s.cases}`,
    escalation: (s) => `[Beacon] ESKALATSIYA ${s.urgency} ${s.code} ${s.ref}`,
    'stand-down': (s) => `[Beacon] Signal bekor qilindi ${s.ref}`,
    'follow-up': (s) => `[Beacon] Chiqarilgandan keyingi kuzatuv ${s.urgency} ${s.code} ${s.ref}`,
  },
  headline: {
    alert: (s) => `${s.urgency}: ${s.code} (${s.event}), ish ${s.ref}.`,
    'incident-update': (s) =>
      `${s.ref} ishi bo'yicha hodisa yangilanishi (${s.code}, ${s.event}): bog'liq ishlar soni: ${s.cases}.`,
    escalation: (s) =>
      `Eskalatsiya: ${s.ref} ishi bo'yicha ${s.urgency} ${s.code} (${s.event}) signali o'z vaqtida tasdiqlanmadi. Keyingi aloqa - siz.`,
    'stand-down': (s) =>
      `Signal bekor qilindi: ish ${s.ref}, ${s.code} (${s.event}). Hech qanday harakat kerak emas.`,
    'follow-up': (s) =>
      `Mamlakatdan chiqarilgandan keyingi kuzatuv kerak: ish ${s.ref}, ${s.code} (${s.event}).`,
  },
  incidentSize: (s) => `Hodisadagi ishlar soni: ${s.cases}.`,
  ackBySms: (s) => `Tasdiqlang ("olaman"): SMS orqali ACK ${s.ack} deb javob bering.`,
  ackByLink: 'Yoki havola orqali tasdiqlang:',
  openCase: 'Ishni ochish (tizimga kirish kerak):',
  noPersonalData: "Bu xabarda ataylab shaxsiy ma'lumotlar yo'q.",
};

const ky: LocaleTemplates = {
  urgency: { critical: 'ӨТӨ ШАШЫЛЫШ', high: 'ШАШЫЛЫШ', routine: 'КАДИМКИ' },
  events: {
    RPT: 'билдирүү кабыл алынды',
    PID: 'инсан аныкталды',
    DET: 'кармоо',
    WHR: 'жайгашкан жери',
    ACC: 'жетүү мүмкүнчүлүгү',
    ILT: 'ырайымсыз мамиле',
    LGL: 'сот иши',
    RMV: 'чыгарып жиберүү коркунучу',
    TRF: 'которуу',
    INT: 'кийлигишүү',
    REL: 'бошотуу',
    DEP: 'өлкөдөн чыгарылды',
    LST: 'байланыш үзүлдү',
    CLS: 'иш жабылды',
    ROP: 'иш кайра ачылды',
    COR: 'жазуу оңдолду',
    ERA: 'жазуу өчүрүлдү',
  },
  sms: {
    alert: (s) => `Beacon: ${s.urgency} ${s.code} иш ${s.ref}. Жооп: ACK ${s.ack}`,
    'incident-update': (s) =>
      `Beacon: ${s.urgency} ${s.code} ${s.ref}, окуяда иштер: ${s.cases}. ACK ${s.ack}`,
    escalation: (s) => `Beacon: ЭСКАЛАЦИЯ ${s.urgency} ${s.code} иш ${s.ref}. Жооп: ACK ${s.ack}`,
    'stand-down': (s) => `Beacon: белги токтотулду, иш ${s.ref} ${s.code}. Аракет керек эмес.`,
    'follow-up': (s) => `Beacon: ${s.urgency} ${s.code} иш ${s.ref}, көзөмөл. Жооп: ACK ${s.ack}`,
  },
  subject: {
    alert: (s) => `[Beacon] ${s.urgency} ${s.code} ${s.ref}`,
    'incident-update': (s) =>
      `[Beacon] ${s.urgency} ${s.code} ${s.ref}: окуя боюнча жаңылоо, иштер: ${s.cases}`,
    escalation: (s) => `[Beacon] ЭСКАЛАЦИЯ ${s.urgency} ${s.code} ${s.ref}`,
    'stand-down': (s) => `[Beacon] Белги токтотулду ${s.ref}`,
    'follow-up': (s) => `[Beacon] Чыгарылгандан кийинки көзөмөл ${s.urgency} ${s.code} ${s.ref}`,
  },
  headline: {
    alert: (s) => `${s.urgency}: ${s.code} (${s.event}), иш ${s.ref}.`,
    'incident-update': (s) =>
      `${s.ref} иши боюнча окуя жаңылоосу (${s.code}, ${s.event}): байланышкан иштердин саны: ${s.cases}.`,
    escalation: (s) =>
      `Эскалация: ${s.ref} иши боюнча ${s.urgency} ${s.code} (${s.event}) белгиси өз убагында ырасталган жок. Кийинки байланыш — сиз.`,
    'stand-down': (s) =>
      `Белги токтотулду: иш ${s.ref}, ${s.code} (${s.event}). Аракет талап кылынбайт.`,
    'follow-up': (s) =>
      `Өлкөдөн чыгарылгандан кийинки көзөмөл керек: иш ${s.ref}, ${s.code} (${s.event}).`,
  },
  incidentSize: (s) => `Окуядагы иштердин саны: ${s.cases}.`,
  ackBySms: (s) => `Ырастаңыз («алам»): SMS аркылуу ACK ${s.ack} деп жооп бериңиз.`,
  ackByLink: 'Же шилтеме аркылуу ырастаңыз:',
  openCase: 'Ишти ачуу (системага кирүү керек):',
  noPersonalData: 'Бул билдирүүдө жеке маалыматтар атайылап жок.',
};

export const TEMPLATES: Readonly<Record<Locale, LocaleTemplates>> = { en, ru, kk, uz, ky };
