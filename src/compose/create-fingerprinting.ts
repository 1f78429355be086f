import type { SettingsRepository } from '../storage/settings-repository.js'
import type { FingerprintingAlgorithm } from '../storage/storage.js'

/** Which algorithm's ids new clicks and the stats use; the migration job switches it. */
export interface Fingerprinting {
  algorithm(): FingerprintingAlgorithm
  use(algorithm: FingerprintingAlgorithm): Promise<void>
}

/** The algorithm as the settings hold it (robust unless a rollback said legacy), kept in memory for the hot path. */
export async function createFingerprinting(settings: Pick<SettingsRepository, 'ensureSetting' | 'setSetting'>): Promise<Fingerprinting> {
  let algorithm: FingerprintingAlgorithm = (await settings.ensureSetting('fingerprinting_algorithm', 'robust')) === 'legacy' ? 'legacy' : 'robust'
  return {
    algorithm: () => algorithm,
    async use(next) {
      await settings.setSetting('fingerprinting_algorithm', next)
      algorithm = next
    },
  }
}
