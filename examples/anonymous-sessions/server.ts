/**
 * npx tsx examples/anonymous-sessions/server.ts
 *
 * PORT (3100), DATABASE_URL (sqlite:./data/anonymous-sessions-example.db), REDIS_URL
 * (optional: sessions and rate limits in Redis), SECRET (optional).
 */
import { buildExampleApp, DEMO_USER } from './app.js'

const port = Number(process.env.PORT ?? 3100)
const app = await buildExampleApp({ databaseUrl: process.env.DATABASE_URL, redisUrl: process.env.REDIS_URL, secret: process.env.SECRET, logger: true })
await app.listen({ port, host: '127.0.0.1' })

const base = `http://127.0.0.1:${port}`
const fp = '0123456789abcdef0123456789abcdef'
console.log(`
Try the three cases of seed 000 (the SDK would send these headers):

 1. anonymous, with a fingerprint: identity from the header, an anonymous session opened
    curl -i ${base}/api/hello -H 'x-device-fingerprint: ${fp}' -H 'x-timezone: Europe/Rome'

    log in on this device (the session is bound to the fingerprint):
    curl -s -X POST ${base}/api/login -H 'content-type: application/json' -H 'x-device-fingerprint: ${fp}' \\
         -d '{"email":"${DEMO_USER.email}","password":"${DEMO_USER.password}"}'

 3. signed in: the token is verified (once, then cached), no fingerprint work
    curl -s ${base}/api/hello -H "authorization: Bearer $TOKEN"

 2. token lost: session id + fingerprint give a new token, and a new session id
    curl -s -X POST ${base}/api/auth/recover -H "x-session-id: $SESSION_ID" -H 'x-device-fingerprint: ${fp}'
    (run it twice with the same id: the second is refused, the id was rotated)
`)

for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => void app.close().then(() => process.exit(0)))
