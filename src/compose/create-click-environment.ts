import type { Config } from '../config/config.js'
import type { SecretKeys } from '../config/secret-keys.js'
import type { ClickEnvironment } from '../decisions/click-pipeline.js'
import { ScannerDetector } from '../decisions/scanner-detector.js'
import { DeviceCookie } from '../identity/device-cookie.js'
import type { IdentityEngine } from '../identity/identity-engine.js'
import type { LinkService } from '../links/link-service.js'
import type { GeoResolver } from '../signals/geo/geo-resolver.js'
import { IpHasher } from '../signals/ip-hasher.js'
import { parseTrustedProxies } from '../signals/trusted-proxies.js'
import type { Fingerprinting } from './create-fingerprinting.js'

/** What the click pipeline needs from the running service, wired from its parts. */
export function createClickEnvironment(config: Config, parts: {
  keys: SecretKeys
  identity: IdentityEngine
  geo: GeoResolver
  links: Pick<LinkService, 'clickCount' | 'countClick' | 'uncountClick'>
  fingerprinting: Pick<Fingerprinting, 'algorithm'>
  /** The migration job's, read at each click (the job is made later). */
  deferIdentity: () => boolean
}): ClickEnvironment {
  const { links } = parts
  return {
    ipHasher: new IpHasher(parts.keys.ipHash),
    deviceCookie: new DeviceCookie(parts.keys.cookie),
    trustedProxies: parseTrustedProxies(config.trustProxy),
    privacyMode: config.privacyMode,
    identity: parts.identity,
    geo: parts.geo,
    algorithm: parts.fingerprinting.algorithm,
    clickCount: (link) => links.clickCount(link),
    countClick: (link) => links.countClick(link),
    scanners: new ScannerDetector(),
    uncountClick: (linkId) => links.uncountClick(linkId),
    deferIdentity: parts.deferIdentity,
  }
}
