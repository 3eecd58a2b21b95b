/**
 * The side index of a recording, for seeking.
 *
 * Index file `<id>.cast.idx` (JSON lines):
 *   line 1: `{"version":1,"format":"custody-cast-index","intervalSeconds":5,"intervalBytes":262144}`
 *   then:   `{"t":SECONDS,"offset":BYTES,"cols":C,"rows":R}`, one keyframe per line, in order.
 * `offset` is the byte offset in the cast file of the event line at time `t` (the first keyframe is
 * the first line after the header, at t = 0); `cols`/`rows` are the terminal size in effect just
 * before that line. A keyframe is written at least every 5 s of session time or every 256 KiB of
 * cast. The screen at a keyframe is not here (it depends on every byte before it): the reader
 * draws it once, at these keyframes, into the recording's screen index (screen-index-file.ts),
 * then seeks to T from the last keyframe with `t <= T`, reading the cast from `offset`. Index
 * lines are written only after the cast bytes they point at, so an index never points past the end
 * of its cast.
 */
export const INDEX_SUFFIX = '.idx';
export const KEYFRAME_SECONDS = 5;
export const KEYFRAME_BYTES = 256 * 1024;

/** One keyframe of the side index. */
export interface IndexEntry {
  t: number;
  offset: number;
  cols: number;
  rows: number;
}

export interface IndexHeader {
  version: 1;
  format: 'custody-cast-index';
  intervalSeconds: number;
  intervalBytes: number;
}
