// The viewer draws with the gateway's own decoder (protocols/rdp/codec/), bundled for the browser.
export { decodeBitmap } from '../../protocols/rdp/codec/index.ts';
