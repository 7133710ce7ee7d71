// Preloaded into the API by bench/upload-memory.ts (with --expose-gc): SIGUSR2 runs a full
// collection, so that memory still resident after it is held by the allocator, not by garbage
// the collector had no reason to collect yet.
process.on('SIGUSR2', () => { (globalThis as { gc?: () => void }).gc?.() })
