/** An ISO time as a page shows it until scripts make it relative: to the second, in UTC. */
export function shortTime (iso: string): string {
  return `${iso.slice(0, 10)} ${iso.slice(11, 19)} UTC`
}
