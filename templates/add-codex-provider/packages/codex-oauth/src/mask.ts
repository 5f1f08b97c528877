/** Enough of an account id to recognise it, never the whole of it: "abcd…wxyz". */
export function maskAccountId(id: string): string {
  const keep = Math.min(4, Math.floor(id.length / 4));
  return keep ? `${id.slice(0, keep)}…${id.slice(-keep)}` : '…';
}
