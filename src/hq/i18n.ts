import i18next from 'i18next';
import { initReactI18next } from 'react-i18next';
import { en } from './locales/en';
import { de } from './locales/de';

// The console's languages, the register's way (src/renderer/i18n.ts): i18next with
// react-i18next, one typed resource file per language (German must have every English key,
// the compiler checks). The HQ layer may not import the renderer's files, so the two keep
// their own texts. The choice is kept in this browser; the first visit follows its language.
// Dates and money follow the language's locale (en → en-US, de → de-DE).

export const LANGUAGES = [
  { id: 'en', label: 'English', locale: 'en-US' },
  { id: 'de', label: 'Deutsch', locale: 'de-DE' },
] as const;
export type Language = (typeof LANGUAGES)[number]['id'];
const KEY = 'tillstream.hq.language';

function initial(): Language {
  const saved = typeof localStorage === 'undefined' ? null : localStorage.getItem(KEY);
  if (saved === 'en' || saved === 'de') return saved;
  const nav = typeof navigator === 'undefined' ? 'en' : navigator.language.slice(0, 2).toLowerCase();
  return nav === 'de' ? 'de' : 'en';
}

export function initI18n(): typeof i18next {
  void i18next.use(initReactI18next).init({
    resources: { en: { translation: en }, de: { translation: de } },
    lng: initial(),
    fallbackLng: 'en',
    interpolation: { escapeValue: false }, // React escapes
    initAsync: false,
  });
  document.documentElement.lang = i18next.language;
  return i18next;
}

export function setLanguage(lang: Language): void {
  localStorage.setItem(KEY, lang);
  document.documentElement.lang = lang;
  void i18next.changeLanguage(lang);
}

/** The locale dates and money are written in: the console's language. */
export function currentLocale(): string {
  return LANGUAGES.find((l) => l.id === i18next.language)?.locale ?? 'en-US';
}
