import type { DialectName } from '../../src/storage/storage.js'

export const DAY = 86_400_000

/** Rows `n` in [0, count) as SQL over a row number `n`: each column a cheap hash of it, so the data is the same on both databases. */
export function clickSelect(dialect: DialectName, count: number, linkOf: string, start: number): string {
  const numbers = dialect === 'sqlite'
    ? `WITH RECURSIVE g(n) AS (SELECT 0 UNION ALL SELECT n + 1 FROM g WHERE n + 1 < ${count}) SELECT n FROM g`
    : `SELECT n::bigint AS n FROM generate_series(0, ${count - 1}) AS n`
  const h = (k: number) => `((n * ${2_654_435_761 % 1_000_003 + k * 7919} + ${k * 104_729}) % 1000003)`
  const pick = (k: number, items: string[]) => `(CASE ${h(k)} % ${items.length} ${items.map((v, i) => `WHEN ${i} THEN ${v === 'NULL' ? 'NULL' : `'${v}'`}`).join(' ')} END)`
  const bot = `(CASE WHEN ${h(1)} % 100 < 8 THEN 1 ELSE 0 END)`
  // A visitor of about one in three clicks is new; the others come back.
  const visitor = `(${h(2)} % ${Math.max(10, Math.floor(count / 3))})`
  const text = (e: string) => (dialect === 'sqlite' ? `CAST(${e} AS TEXT)` : `(${e})::text`)
  return `
    SELECT ${linkOf} AS link_id, ${start} + (n * ${Math.floor((30 * DAY) / count)}) AS ts, 'ip' || ${text(visitor)} AS ip_hash, 'pre' AS ip_prefix_hash,
      'Mozilla/5.0' AS user_agent, ${pick(3, ['NULL', 'news.example', 't.co', 'mail.example', 'www.google.com', 'l.facebook.com'])} AS referrer_host, 'GET' AS method,
      ${bot} AS is_bot, CASE WHEN ${bot} = 1 THEN 'user_agent' END AS bot_reason,
      CASE WHEN ${bot} = 0 THEN 'b' || ${text(visitor)} END AS browser_id, CASE WHEN ${bot} = 0 THEN 'd' || ${text(`${visitor} / 2`)} END AS device_id,
      CASE WHEN ${bot} = 0 THEN 60 END AS confidence, 'cookie' AS identity_source, 2 AS fingerprint_version,
      CASE WHEN ${bot} = 0 THEN ${pick(4, ['IT', 'DE', 'FR', 'US', 'GB', 'ES', 'NL', 'BR'])} END AS country,
      CASE WHEN ${bot} = 0 THEN ${pick(5, ['Chrome', 'Mobile Safari', 'Firefox', 'Edge', 'Samsung Internet'])} END AS browser_name,
      CASE WHEN ${bot} = 0 THEN ${pick(6, ['Windows', 'iOS', 'Android', 'macOS', 'Linux'])} END AS os_name,
      CASE WHEN ${bot} = 0 THEN ${pick(7, ['desktop', 'mobile', 'tablet'])} END AS device_type,
      CASE WHEN ${bot} = 0 THEN ${pick(8, ['Rome', 'Milan', 'Berlin', 'Paris', 'London', 'Madrid', 'Amsterdam', 'Boston', 'Naples', 'Turin', 'Munich', 'Lyon'])} END AS city,
      CASE WHEN ${bot} = 0 THEN ${pick(9, ['it', 'de', 'fr', 'en', 'es', 'nl', 'pt'])} END AS language,
      CASE WHEN ${bot} = 0 THEN (CASE WHEN ${h(10)} % 10 = 0 THEN 'inference' ELSE 'database' END) END AS geo_source,
      CASE WHEN ${bot} = 0 THEN 80 END AS geo_confidence
    FROM (${numbers}) numbers`
}

export const COLUMNS = 'link_id, ts, ip_hash, ip_prefix_hash, user_agent, referrer_host, method, is_bot, bot_reason, browser_id, device_id, confidence, identity_source, fingerprint_version, country, browser_name, os_name, device_type, city, language, geo_source, geo_confidence'

