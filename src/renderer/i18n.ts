import i18next from 'i18next';
import { initReactI18next } from 'react-i18next';
import { en } from './locales/en';
import { de } from './locales/de';

export const LANGUAGES = ['en', 'de'] as const;

export function initI18n(language: string): typeof i18next {
  void i18next.use(initReactI18next).init({
    resources: { en: { translation: en }, de: { translation: de } },
    lng: (LANGUAGES as readonly string[]).includes(language) ? language : 'en',
    fallbackLng: 'en',
    interpolation: { escapeValue: false }, // React escapes
    initAsync: false,
  });
  return i18next;
}
