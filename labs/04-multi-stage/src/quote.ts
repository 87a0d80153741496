/** A price quote: net amount plus VAT, in cents so no rounding drifts. */
export interface Quote {
  netCents: number;
  vatCents: number;
  grossCents: number;
}

/** VAT on a net amount (in cents) at a rate between 0 and 1, rounded half up to the cent. */
export function quote(netCents: number, rate: number): Quote {
  if (!Number.isInteger(netCents) || netCents < 0) throw new RangeError('net must be a whole, non-negative number of cents');
  if (!(rate >= 0 && rate <= 1)) throw new RangeError('rate must be between 0 and 1');
  const vatCents = Math.round(netCents * rate);
  return { netCents, vatCents, grossCents: netCents + vatCents };
}
