import type { GeoResult } from './geo-result.js'

/** Seed 002's "intelligent fallback": 60 when the clues agree. */
export const INFERENCE_CONFIDENCE = 60
/** A language region alone is weak: `en-US` is the default of many devices everywhere. */
export const LANGUAGE_ONLY_CONFIDENCE = 50
/** Clues that disagree (an Italian speaker in London): the zone wins, since it follows the device. */
export const DISAGREEING_CONFIDENCE = 40

export interface InferenceClues {
  /** Region subtag of the primary Accept-Language tag (`IT` from `it-IT`). */
  readonly languageRegion: string | null
  /** Canonical IANA zone from X-Timezone. */
  readonly timezone: string | null
}

/**
 * Zone → country for the zones most visitors have, both the IANA names and the older
 * ones ICU still returns as canonical (Asia/Calcutta, Europe/Kiev …). A zone shared by
 * several countries maps to the one most of its population is in. Zones such as UTC
 * and Etc/* say nothing about a country and are absent.
 */
export const ZONE_COUNTRY: Readonly<Record<string, string>> = {
  // Europe
  'Europe/Rome': 'IT', 'Europe/London': 'GB', 'Europe/Dublin': 'IE', 'Europe/Paris': 'FR',
  'Europe/Berlin': 'DE', 'Europe/Madrid': 'ES', 'Atlantic/Canary': 'ES', 'Europe/Lisbon': 'PT',
  'Atlantic/Azores': 'PT', 'Atlantic/Madeira': 'PT', 'Europe/Amsterdam': 'NL', 'Europe/Brussels': 'BE',
  'Europe/Luxembourg': 'LU', 'Europe/Zurich': 'CH', 'Europe/Vienna': 'AT', 'Europe/Prague': 'CZ',
  'Europe/Bratislava': 'SK', 'Europe/Warsaw': 'PL', 'Europe/Budapest': 'HU', 'Europe/Ljubljana': 'SI',
  'Europe/Zagreb': 'HR', 'Europe/Belgrade': 'RS', 'Europe/Sarajevo': 'BA', 'Europe/Skopje': 'MK',
  'Europe/Podgorica': 'ME', 'Europe/Tirane': 'AL', 'Europe/Athens': 'GR', 'Europe/Sofia': 'BG',
  'Europe/Bucharest': 'RO', 'Europe/Chisinau': 'MD', 'Europe/Kiev': 'UA', 'Europe/Kyiv': 'UA',
  'Europe/Minsk': 'BY', 'Europe/Vilnius': 'LT', 'Europe/Riga': 'LV', 'Europe/Tallinn': 'EE',
  'Europe/Helsinki': 'FI', 'Europe/Stockholm': 'SE', 'Europe/Oslo': 'NO', 'Europe/Copenhagen': 'DK',
  'Atlantic/Reykjavik': 'IS', 'Europe/Malta': 'MT', 'Asia/Nicosia': 'CY', 'Europe/Nicosia': 'CY',
  'Europe/Istanbul': 'TR', 'Europe/Moscow': 'RU', 'Europe/Samara': 'RU', 'Asia/Yekaterinburg': 'RU',
  'Asia/Novosibirsk': 'RU', 'Asia/Vladivostok': 'RU', 'Europe/Monaco': 'MC', 'Europe/San_Marino': 'SM',
  'Europe/Vatican': 'VA', 'Europe/Andorra': 'AD', 'Europe/Gibraltar': 'GI', 'Europe/Vaduz': 'LI',
  // Americas
  'America/New_York': 'US', 'America/Chicago': 'US', 'America/Denver': 'US', 'America/Phoenix': 'US',
  'America/Los_Angeles': 'US', 'America/Anchorage': 'US', 'Pacific/Honolulu': 'US', 'America/Detroit': 'US',
  'America/Indianapolis': 'US', 'America/Indiana/Indianapolis': 'US', 'America/Boise': 'US',
  'America/Toronto': 'CA', 'America/Vancouver': 'CA', 'America/Edmonton': 'CA', 'America/Winnipeg': 'CA',
  'America/Halifax': 'CA', 'America/St_Johns': 'CA', 'America/Regina': 'CA', 'America/Montreal': 'CA',
  'America/Mexico_City': 'MX', 'America/Monterrey': 'MX', 'America/Tijuana': 'MX', 'America/Cancun': 'MX',
  'America/Guatemala': 'GT', 'America/El_Salvador': 'SV', 'America/Tegucigalpa': 'HN', 'America/Managua': 'NI',
  'America/Costa_Rica': 'CR', 'America/Panama': 'PA', 'America/Havana': 'CU', 'America/Santo_Domingo': 'DO',
  'America/Puerto_Rico': 'PR', 'America/Jamaica': 'JM', 'America/Bogota': 'CO', 'America/Caracas': 'VE',
  'America/Lima': 'PE', 'America/Guayaquil': 'EC', 'America/La_Paz': 'BO', 'America/Santiago': 'CL',
  'America/Buenos_Aires': 'AR', 'America/Argentina/Buenos_Aires': 'AR', 'America/Montevideo': 'UY',
  'America/Asuncion': 'PY', 'America/Sao_Paulo': 'BR', 'America/Manaus': 'BR', 'America/Fortaleza': 'BR',
  'America/Recife': 'BR', 'America/Bahia': 'BR',
  // Asia and Oceania
  'Asia/Tokyo': 'JP', 'Asia/Seoul': 'KR', 'Asia/Shanghai': 'CN', 'Asia/Hong_Kong': 'HK', 'Asia/Macau': 'MO',
  'Asia/Taipei': 'TW', 'Asia/Singapore': 'SG', 'Asia/Kuala_Lumpur': 'MY', 'Asia/Bangkok': 'TH',
  'Asia/Saigon': 'VN', 'Asia/Ho_Chi_Minh': 'VN', 'Asia/Jakarta': 'ID', 'Asia/Makassar': 'ID',
  'Asia/Manila': 'PH', 'Asia/Calcutta': 'IN', 'Asia/Kolkata': 'IN', 'Asia/Karachi': 'PK', 'Asia/Dhaka': 'BD',
  'Asia/Colombo': 'LK', 'Asia/Katmandu': 'NP', 'Asia/Kathmandu': 'NP', 'Asia/Rangoon': 'MM', 'Asia/Yangon': 'MM',
  'Asia/Phnom_Penh': 'KH', 'Asia/Dubai': 'AE', 'Asia/Riyadh': 'SA', 'Asia/Qatar': 'QA', 'Asia/Kuwait': 'KW',
  'Asia/Bahrain': 'BH', 'Asia/Muscat': 'OM', 'Asia/Tehran': 'IR', 'Asia/Baghdad': 'IQ', 'Asia/Jerusalem': 'IL',
  'Asia/Tel_Aviv': 'IL', 'Asia/Amman': 'JO', 'Asia/Beirut': 'LB', 'Asia/Damascus': 'SY', 'Asia/Tbilisi': 'GE',
  'Asia/Yerevan': 'AM', 'Asia/Baku': 'AZ', 'Asia/Almaty': 'KZ', 'Asia/Tashkent': 'UZ', 'Asia/Kabul': 'AF',
  'Asia/Ulaanbaatar': 'MN', 'Australia/Sydney': 'AU', 'Australia/Melbourne': 'AU', 'Australia/Brisbane': 'AU',
  'Australia/Perth': 'AU', 'Australia/Adelaide': 'AU', 'Australia/Hobart': 'AU', 'Australia/Darwin': 'AU',
  'Pacific/Auckland': 'NZ', 'Pacific/Fiji': 'FJ',
  // Africa
  'Africa/Cairo': 'EG', 'Africa/Casablanca': 'MA', 'Africa/Algiers': 'DZ', 'Africa/Tunis': 'TN',
  'Africa/Tripoli': 'LY', 'Africa/Lagos': 'NG', 'Africa/Accra': 'GH', 'Africa/Abidjan': 'CI', 'Africa/Dakar': 'SN',
  'Africa/Nairobi': 'KE', 'Africa/Addis_Ababa': 'ET', 'Africa/Dar_es_Salaam': 'TZ', 'Africa/Kampala': 'UG',
  'Africa/Kinshasa': 'CD', 'Africa/Luanda': 'AO', 'Africa/Johannesburg': 'ZA', 'Africa/Harare': 'ZW',
  'Africa/Maputo': 'MZ', 'Africa/Khartoum': 'SD',
}

/** The country a zone implies, or null (unknown zone, or one that spans no single country). */
export function countryOfTimezone(timezone: string): string | null {
  return ZONE_COUNTRY[timezone] ?? null
}

/**
 * The last tier: a country guessed from the visitor's settings, no region or city. The
 * zone is preferred over the language when they disagree: it follows the device, the
 * language follows the person.
 */
export function inferenceGeo(clues: InferenceClues): GeoResult | null {
  const fromZone = clues.timezone === null ? null : countryOfTimezone(clues.timezone)
  const region = clues.languageRegion
  // Numeric regions (es-419, "Latin America") are areas, not countries.
  const fromLanguage = region !== null && region.length === 2 && isAlpha(region) ? region.toUpperCase() : null
  if (fromZone === null && fromLanguage === null) return null
  let country: string
  let confidence: number
  if (fromZone !== null && fromLanguage !== null && fromZone !== fromLanguage) {
    country = fromZone
    confidence = DISAGREEING_CONFIDENCE
  } else if (fromZone !== null) {
    country = fromZone
    confidence = INFERENCE_CONFIDENCE
  } else {
    country = fromLanguage!
    confidence = LANGUAGE_ONLY_CONFIDENCE
  }
  return { country, region: null, city: null, source: 'inference', confidence }
}

function isAlpha(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i) | 0x20
    if (c < 97 || c > 122) return false
  }
  return true
}
