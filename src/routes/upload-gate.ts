import { AppError } from '../errors.js'

// Reservations last as long as one upload takes to arrive; a second is a fair first guess.
const RETRY_AFTER_SECONDS = 1

function exceeds (reserved: number, bytes: number, budget: number): boolean {
  // One upload larger than a budget still runs when it is alone in it.
  return reserved > 0 && reserved + bytes > budget
}

/**
 * Bounds the memory that uploads being received by this process may take: each upload reserves
 * its declared size (or the largest allowed when it declares none) until it is stored, and an
 * upload that would pass the budget is refused. Many small uploads fit; a flood of large ones
 * cannot exhaust memory. Each tenant may hold only its share of the budget, so one tenant's
 * slow or numerous uploads cannot refuse every other tenant's.
 */
export class UploadGate {
  readonly tenantBudgetBytes: number
  #reserved = 0
  readonly #reservedByTenant = new Map<string, number>()

  /** `tenantShare` is the fraction (0 to 1] of `budgetBytes` that one tenant may hold. */
  constructor (readonly budgetBytes: number, tenantShare = 1) {
    this.tenantBudgetBytes = Math.max(1, Math.floor(budgetBytes * tenantShare))
  }

  /** Runs `receive` if `bytes` fit in the budget and in `tenant`'s share, else throws a 503 the client may retry. */
  async admit<T> (tenant: string, bytes: number, receive: () => Promise<T>): Promise<T> {
    const tenantReserved = this.#reservedByTenant.get(tenant) ?? 0
    if (exceeds(tenantReserved, bytes, this.tenantBudgetBytes)) {
      throw new AppError('DOCQ_UPLOAD_SATURATED', 'too many of your uploads are in progress; retry in a moment', RETRY_AFTER_SECONDS)
    }
    if (exceeds(this.#reserved, bytes, this.budgetBytes)) {
      throw new AppError('DOCQ_UPLOAD_SATURATED', 'too many uploads in progress; retry in a moment', RETRY_AFTER_SECONDS)
    }
    this.#reserved += bytes
    this.#reservedByTenant.set(tenant, tenantReserved + bytes)
    try {
      return await receive()
    } finally {
      this.#reserved -= bytes
      const left = (this.#reservedByTenant.get(tenant) ?? bytes) - bytes
      if (left > 0) this.#reservedByTenant.set(tenant, left)
      else this.#reservedByTenant.delete(tenant)
    }
  }
}
