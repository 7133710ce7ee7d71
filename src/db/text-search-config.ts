/**
 * ISO 639-3 codes (as franc detects them) of the languages Postgres ships a stemmer for, with
 * the name of that text search configuration (`select cfgname from pg_ts_config`). Macrolanguage
 * and individual codes both appear, because franc reports some languages by one and some by the
 * other (Standard Arabic is `arb`, Nepali `npi`).
 */
const configByLanguage: Readonly<Record<string, string>> = {
  ara: 'arabic',
  arb: 'arabic',
  hye: 'armenian',
  eus: 'basque',
  cat: 'catalan',
  dan: 'danish',
  nld: 'dutch',
  eng: 'english',
  fin: 'finnish',
  fra: 'french',
  deu: 'german',
  ell: 'greek',
  hin: 'hindi',
  hun: 'hungarian',
  ind: 'indonesian',
  gle: 'irish',
  ita: 'italian',
  lit: 'lithuanian',
  nep: 'nepali',
  npi: 'nepali',
  nor: 'norwegian',
  nob: 'norwegian',
  nno: 'norwegian',
  por: 'portuguese',
  ron: 'romanian',
  rus: 'russian',
  srp: 'serbian',
  spa: 'spanish',
  swe: 'swedish',
  tam: 'tamil',
  tur: 'turkish',
  yid: 'yiddish',
  ydd: 'yiddish'
}

/**
 * The text search configuration a document's passages are indexed and searched in: its
 * language's stemmer, or `simple` (exact words, lower-cased) for other and unknown languages.
 */
export function textSearchConfig (language: string | null): string {
  return (language !== null && Object.hasOwn(configByLanguage, language)) ? configByLanguage[language] : 'simple'
}
