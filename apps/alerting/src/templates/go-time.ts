/**
 * Connaisseur's `timestamp`: Go's time.Time.String() of the UTC time,
 * "2024-05-30 15:18:10.123 +0000 UTC" (the fraction without trailing zeros, none when zero).
 */
export function goTimeString(date: Date): string {
  const [day, time] = date.toISOString().slice(0, -1).split('T');
  const [clock, millis] = time.split('.');
  const fraction = millis.replace(/0+$/, '');
  return `${day} ${clock}${fraction ? `.${fraction}` : ''} +0000 UTC`;
}
