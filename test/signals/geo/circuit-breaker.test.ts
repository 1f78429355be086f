import { describe, expect, it } from 'vitest'
import { CircuitBreaker } from '../../../src/signals/geo/circuit-breaker.js'

function setup() {
  let t = 0
  const breaker = new CircuitBreaker({ failureThreshold: 3, cooldownMs: 1_000, maxCooldownMs: 4_000, now: () => t })
  return { breaker, advance: (ms: number) => (t += ms) }
}

describe('CircuitBreaker', () => {
  it('stays closed while calls succeed or fail less than the threshold in a row', () => {
    const { breaker } = setup()
    breaker.recordFailure()
    breaker.recordFailure()
    breaker.recordSuccess()
    breaker.recordFailure()
    breaker.recordFailure()
    expect(breaker.state).toBe('closed')
    expect(breaker.tryAcquire()).toBe(true)
  })

  it('opens after the threshold and refuses calls during the cool-down', () => {
    const { breaker, advance } = setup()
    for (let i = 0; i < 3; i++) breaker.recordFailure()
    expect(breaker.state).toBe('open')
    expect(breaker.tryAcquire()).toBe(false)
    advance(999)
    expect(breaker.tryAcquire()).toBe(false)
    advance(1)
    expect(breaker.state).toBe('half_open')
  })

  it('lets exactly one trial through when half-open; success closes', () => {
    const { breaker, advance } = setup()
    for (let i = 0; i < 3; i++) breaker.recordFailure()
    advance(1_000)
    expect(breaker.tryAcquire()).toBe(true)
    expect(breaker.tryAcquire()).toBe(false)
    breaker.recordSuccess()
    expect(breaker.state).toBe('closed')
    expect(breaker.tryAcquire()).toBe(true)
  })

  it('reopens on a failed trial with a doubled, capped cool-down', () => {
    const { breaker, advance } = setup()
    for (let i = 0; i < 3; i++) breaker.recordFailure()
    const cycle = (cooldown: number) => {
      advance(cooldown - 1)
      expect(breaker.tryAcquire()).toBe(false)
      advance(1)
      expect(breaker.tryAcquire()).toBe(true)
      breaker.recordFailure()
      expect(breaker.state).toBe('open')
    }
    cycle(1_000)
    cycle(2_000)
    cycle(4_000)
    cycle(4_000) // capped
    advance(4_000)
    expect(breaker.tryAcquire()).toBe(true)
    breaker.recordSuccess()
    // back to the base cool-down after a success
    for (let i = 0; i < 3; i++) breaker.recordFailure()
    advance(1_000)
    expect(breaker.state).toBe('half_open')
  })
})
