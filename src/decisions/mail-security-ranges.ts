import { parseIpv4 } from '../signals/canonical-ip.js'

/**
 * The networks secure email gateways deliver mail from, and fetch its links from: the
 * ranges each vendor publishes so that customers can allow-list its servers. No person
 * browses from them — they are the vendors' mail-processing farms — so a request for a
 * short link from one of them is the gateway checking a link it found in a message: at
 * delivery, for every recipient, and again when someone clicks (Microsoft Learn, "Safe
 * Links in Microsoft Defender for Office 365"; Mimecast, "How Does Targeted Threat
 * Protection - URL Protect Work?": "URL sandboxing for each and every click").
 *
 * Why a list, when the scanner detector judges networks by behaviour: a gateway that
 * protects a small company fetches a link once or a few times, from addresses spread over
 * its whole allocation (Safe Links from 104.47.1.254, 104.47.30.126, 104.47.2.254 — one
 * /16, three /24s: laravel-passwordless-login #79; Proofpoint from 148.163.x and
 * 67.231.x), which no burst rule sees. The ranges, as the vendors publish them in the SPF
 * records their customers include (retrieved 2026-10):
 * - Microsoft Exchange Online Protection, spf.protection.outlook.com (and Microsoft 365
 *   "URLs and IP address ranges", Exchange Online): 40.92.0.0/15, 40.107.0.0/16,
 *   52.100.0.0/14, 104.47.0.0/17, 2a01:111:f400::/48, 2a01:111:f403::/48. Safe Links also
 *   fetches from general Azure space (20.72.100.79 in the same report; 40.94.16.*:
 *   opencollective #3656), which people share (Windows 365, Azure Virtual Desktop): that
 *   part is left to behaviour.
 * - Mimecast, _netblocks.mimecast.com (eu, us, za, de, au, ca).
 * - Proofpoint, its hosted and Essentials ranges (US 67.231.144.0/20, 148.163.128.0/19; EU
 *   185.132.180.0/22, 185.183.28.0/22, 91.209.104.0/24, 91.207.212.0/23, 62.209.50.0/23;
 *   AS26211).
 * - Barracuda Email Security Service, spf.ess.barracudanetworks.com: 209.222.80.0/21, and
 *   64.235.144.0/20 (Act-On, "Identifying False Positives in Email Clicks", lists both).
 * A vendor that moves its farm makes this list stale, never wrong about people: the
 * behavioural rules still apply everywhere.
 */
const V4_RANGES: ReadonlyArray<readonly [string, number]> = [
  // Microsoft
  ['40.92.0.0', 15], ['40.107.0.0', 16], ['52.100.0.0', 14], ['104.47.0.0', 17],
  // Mimecast eu, us, za, de, au, ca
  ['195.130.217.0', 24], ['91.220.42.0', 24], ['146.101.78.0', 24], ['207.82.80.0', 24], ['213.167.81.0', 25], ['193.7.207.0', 25],
  ['213.167.75.0', 25], ['185.58.85.0', 24], ['185.58.86.0', 24], ['193.7.206.0', 25], ['147.28.36.0', 24],
  ['207.211.31.0', 25], ['205.139.110.0', 24], ['216.205.24.0', 24], ['170.10.129.0', 24], ['63.128.21.0', 24], ['170.10.133.0', 24],
  ['185.58.84.93', 32], ['207.211.41.113', 32], ['207.211.30.64', 26], ['207.211.30.128', 25], ['216.145.221.0', 24], ['170.10.128.0', 24],
  ['170.10.132.56', 29], ['170.10.132.64', 29],
  ['41.74.192.0', 22], ['41.74.196.0', 22], ['41.74.200.0', 23], ['41.74.204.0', 23], ['41.74.206.0', 24],
  ['51.163.158.0', 24], ['194.104.109.0', 24], ['194.104.111.0', 24], ['194.104.110.240', 28], ['62.140.7.0', 24],
  ['103.13.69.0', 24], ['124.47.150.0', 24], ['124.47.189.0', 24], ['103.96.21.0', 24], ['103.96.23.0', 24], ['180.189.28.0', 24], ['216.145.217.0', 24],
  ['170.10.145.0', 24], ['170.10.147.0', 24], ['216.145.216.0', 24],
  // Proofpoint
  ['67.231.144.0', 20], ['148.163.128.0', 19], ['185.132.180.0', 22], ['185.183.28.0', 22], ['91.209.104.0', 24], ['91.207.212.0', 23], ['62.209.50.0', 23],
  // Barracuda
  ['209.222.80.0', 21], ['64.235.144.0', 20],
]

const V6_PREFIXES: readonly string[] = ['2a01:111:f400:', '2a01:111:f403:']

/** [first, last] address of each range, as unsigned 32-bit numbers. */
const V4: Uint32Array = (() => {
  const out = new Uint32Array(V4_RANGES.length * 2)
  V4_RANGES.forEach(([base, bits], i) => {
    const start = parseIpv4(base)
    const size = 2 ** (32 - bits)
    out[2 * i] = start
    out[2 * i + 1] = start + size - 1
  })
  return out
})()

/** Whether the address is in a mail-security vendor's published ranges. Allocates nothing. */
export function isMailSecurityAddress(ip: string): boolean {
  if (ip.includes(':')) {
    for (const prefix of V6_PREFIXES) if (ip.startsWith(prefix)) return true
    return false
  }
  const n = parseIpv4(ip)
  if (n === -1) return false
  for (let i = 0; i < V4.length; i += 2) if (n >= V4[i]! && n <= V4[i + 1]!) return true
  return false
}
