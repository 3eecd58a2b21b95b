/**
 * Where the web listener's pages are, for the places outside it that hand out links to them (the
 * console's browser links, `custody web link`, an RDP account's launch). The listener's routes
 * (gateway/web/) serve exactly these paths.
 */

/** A recording's player: the desktop player for an RDP session, asciinema-player otherwise. */
export function recordingPagePath(r: { id: string; protocol: string }): string {
  const id = encodeURIComponent(r.id);
  return r.protocol === 'rdp' ? `/recordings/${id}/desktop` : `/recordings/${id}`;
}

/** A live session's page (read-only view for administrators, with terminate). */
export function livePagePath(sessionId: string): string {
  return `/live/${encodeURIComponent(sessionId)}`;
}
