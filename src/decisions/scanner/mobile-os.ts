/** Operating systems of phones and tablets, as the UA parser names them (src/signals/user-agent.ts). */
const MOBILE_OSES: ReadonlySet<string> = new Set(['Android', 'iOS', 'HarmonyOS', 'KaiOS', 'Windows Phone'])

/** A phone's or a tablet's operating system: an eyeball network's sign, never a gateway's. */
export function isMobileOs(os: string | null | undefined): boolean {
  return os != null && MOBILE_OSES.has(os)
}
