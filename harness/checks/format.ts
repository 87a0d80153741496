/** Sizes as Docker prints them (decimal units). */
export function bytes(n: number): string {
  if (n < 1000) return `${n} B`;
  if (n < 1e6) return `${(n / 1e3).toFixed(1)} kB`;
  if (n < 1e9) return `${(n / 1e6).toFixed(1)} MB`;
  return `${(n / 1e9).toFixed(2)} GB`;
}

export function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)} s`;
}

/** Shortens a history `created_by` to the instruction a learner wrote. */
export function instruction(createdBy: string): string {
  return createdBy.replace(/^\/bin\/sh -c #\(nop\)\s*/, '').replace(/ # buildkit$/, '').replace(/^RUN \/bin\/sh -c /, 'RUN ').trim();
}

export function list(items: string[], max = 3): string {
  return items.length <= max ? items.join(', ') : `${items.slice(0, max).join(', ')} and ${items.length - max} more`;
}
