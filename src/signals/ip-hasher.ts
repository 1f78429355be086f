import { hashIp, type IpHashes } from './ip-hash.js'
import { LruCache } from './lru-cache.js'

/**
 * hashIp with a bounded memory of recent addresses: two HMACs cost ~3 µs, a repeat
 * visitor's address a Map lookup. Raw addresses live only in this process's memory.
 */
export class IpHasher {
  readonly #key: Buffer
  readonly #cache: LruCache<string, IpHashes>

  constructor(key: Buffer, max = 50_000) {
    this.#key = key
    this.#cache = new LruCache({ max })
  }

  hash(ip: string): IpHashes {
    let hashes = this.#cache.get(ip)
    if (!hashes) {
      hashes = hashIp(ip, this.#key)
      this.#cache.set(ip, hashes)
    }
    return hashes
  }
}
