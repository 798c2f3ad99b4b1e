/**
 * Orders strings by code unit. ISO timestamps and ids sort correctly this way, it is several times
 * faster than localeCompare, and unlike it gives the same order on every machine, which merges need.
 */
export function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
