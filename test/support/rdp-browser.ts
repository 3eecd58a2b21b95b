// The RDP viewer page as a test drives it in Chromium: read the canvas back, wait for its state,
// and capture every WebSocket frame through the DevTools protocol (what the browser really
// received and sent, not what the page's script chose to keep).
import type { Page } from 'playwright-core';

// The page's own code runs in the browser, as text: this project's type-check has no DOM.
const CANVAS = `document.getElementById('rdp-canvas')`;

/** RGBA of one canvas pixel, in desktop pixels. */
export function canvasPixel(page: Page, x: number, y: number): Promise<number[]> {
  return page.evaluate(
    `Array.from(${CANVAS}.getContext('2d').getImageData(${Math.floor(x)}, ${Math.floor(y)}, 1, 1).data)`,
  );
}

/** The whole canvas: its size and RGBA. */
export async function canvasImage(page: Page): Promise<{ width: number; height: number; rgba: Uint8Array }> {
  const r = (await page.evaluate(`(() => {
    const c = ${CANVAS};
    const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
    let s = '';
    for (let i = 0; i < d.length; i += 0x8000) s += String.fromCharCode(...d.subarray(i, i + 0x8000));
    return { width: c.width, height: c.height, b64: btoa(s) };
  })()`)) as { width: number; height: number; b64: string };
  return { width: r.width, height: r.height, rgba: new Uint8Array(Buffer.from(r.b64, 'base64')) };
}

/** `connecting`, `live` or `ended`, and the status line the operator reads. */
export function viewerState(page: Page): Promise<{ state: string; status: string }> {
  return page.evaluate(`({
    state: document.getElementById('rdp')?.dataset.state ?? '',
    status: document.getElementById('rdp-status')?.textContent ?? '',
  })`);
}

export interface CapturedFrames {
  /** Payloads as DevTools reports them (binary frames base64, text frames as text), decoded to bytes. */
  received: Buffer[];
  sent: Buffer[];
  urls: string[];
  /** When (Date.now(), in the test) the DevTools protocol reported each WebSocket being opened. */
  socketsOpenedAt: number[];
}

/** Records every WebSocket frame and every request URL of the page from now on. */
export async function captureTraffic(page: Page): Promise<CapturedFrames> {
  const cdp = await page.context().newCDPSession(page);
  const out: CapturedFrames = { received: [], sent: [], urls: [], socketsOpenedAt: [] };
  const bytes = (f: { opcode: number; payloadData: string }) =>
    f.opcode === 2 ? Buffer.from(f.payloadData, 'base64') : Buffer.from(f.payloadData, 'utf8');
  cdp.on('Network.webSocketFrameReceived', (e) => out.received.push(bytes(e.response)));
  cdp.on('Network.webSocketFrameSent', (e) => out.sent.push(bytes(e.response)));
  cdp.on('Network.webSocketCreated', (e) => {
    out.socketsOpenedAt.push(Date.now());
    out.urls.push(e.url);
  });
  cdp.on('Network.requestWillBeSent', (e) => out.urls.push(e.request.url));
  await cdp.send('Network.enable');
  return out;
}
