/**
 * The Display Control dynamic channel (MS-RDPEDISP 2.2), channel name
 * `Microsoft::Windows::RDS::DisplayControl`: the server's capabilities and the client's monitor
 * layout, one primary monitor. Every PDU starts with a DISPLAYCONTROL_HEADER (u32 LE Type, u32 LE
 * Length of the whole PDU). Pure and bounded: a PDU is read only within its own length.
 */

export const DISPLAY_CONTROL_CHANNEL = 'Microsoft::Windows::RDS::DisplayControl';

export const DISPLAYCONTROL_PDU = { monitorLayout: 0x00000002, caps: 0x00000005 } as const;

/** Each monitor's entry in a layout (DISPLAYCONTROL_MONITOR_LAYOUT): ten 32-bit fields. */
const MONITOR_LAYOUT_BYTES = 40;
const HEADER_BYTES = 8;
const MONITOR_PRIMARY = 0x00000001;

/** The size rules of a monitor in a layout (2.2.2.2.1): width even, both within 200–8192. */
export const DISPLAY_CONTROL_MIN = 200;
export const DISPLAY_CONTROL_MAX = 8192;

/** A Display Control PDU that breaks the layout; `code` is stable for tests and logs. */
export class DisplayControlError extends Error {
  readonly code = 'E_RDP_DISPLAY_CONTROL';
}

export interface DisplayControlCaps {
  maxNumMonitors: number;
  maxMonitorAreaFactorA: number;
  maxMonitorAreaFactorB: number;
}

/** Reads a server PDU: its capabilities, or null for any other type (the client ignores them). */
export function decodeDisplayControl(pdu: Uint8Array): DisplayControlCaps | null {
  if (pdu.length < HEADER_BYTES)
    throw new DisplayControlError('a Display Control PDU shorter than its header');
  const v = new DataView(pdu.buffer, pdu.byteOffset, pdu.byteLength);
  const type = v.getUint32(0, true);
  const length = v.getUint32(4, true);
  if (length < HEADER_BYTES || length > pdu.length)
    throw new DisplayControlError(`a Display Control PDU announcing ${length} bytes of ${pdu.length}`);
  if (type !== DISPLAYCONTROL_PDU.caps) return null;
  if (length < HEADER_BYTES + 12) throw new DisplayControlError('a Display Control capabilities PDU cut off');
  return {
    maxNumMonitors: v.getUint32(8, true),
    maxMonitorAreaFactorA: v.getUint32(12, true),
    maxMonitorAreaFactorB: v.getUint32(16, true),
  };
}

/**
 * Whether a single monitor of `width` × `height` is one the server must take: within the size
 * rules, and within its area (factor A × factor B × the number of monitors, 2.2.2.1).
 */
export function layoutAllowed(caps: DisplayControlCaps, width: number, height: number): boolean {
  if (!Number.isInteger(width) || !Number.isInteger(height)) return false;
  if (width % 2 !== 0) return false;
  for (const d of [width, height]) if (d < DISPLAY_CONTROL_MIN || d > DISPLAY_CONTROL_MAX) return false;
  if (caps.maxNumMonitors < 1) return false;
  return width * height <= caps.maxMonitorAreaFactorA * caps.maxMonitorAreaFactorB * caps.maxNumMonitors;
}

/**
 * DISPLAYCONTROL_MONITOR_LAYOUT_PDU with one primary monitor at the origin: no physical size,
 * landscape, 100 % scale (values the server ignores or takes as they are).
 */
export function encodeMonitorLayout(width: number, height: number): Uint8Array {
  if (
    !Number.isInteger(width) ||
    !Number.isInteger(height) ||
    width % 2 !== 0 ||
    [width, height].some((d) => d < DISPLAY_CONTROL_MIN || d > DISPLAY_CONTROL_MAX)
  )
    throw new DisplayControlError(`a monitor of ${width}x${height} (width even, both 200–8192)`);
  const out = new Uint8Array(HEADER_BYTES + 8 + MONITOR_LAYOUT_BYTES);
  const v = new DataView(out.buffer);
  v.setUint32(0, DISPLAYCONTROL_PDU.monitorLayout, true);
  v.setUint32(4, out.length, true);
  v.setUint32(8, MONITOR_LAYOUT_BYTES, true); // MonitorLayoutSize
  v.setUint32(12, 1, true); // NumMonitors
  const m = 16;
  v.setUint32(m, MONITOR_PRIMARY, true);
  v.setInt32(m + 4, 0, true); // Left
  v.setInt32(m + 8, 0, true); // Top
  v.setUint32(m + 12, width, true);
  v.setUint32(m + 16, height, true);
  v.setUint32(m + 20, 0, true); // PhysicalWidth (ignored: under 10 mm)
  v.setUint32(m + 24, 0, true); // PhysicalHeight
  v.setUint32(m + 28, 0, true); // Orientation: landscape
  v.setUint32(m + 32, 100, true); // DesktopScaleFactor
  v.setUint32(m + 36, 100, true); // DeviceScaleFactor
  return out;
}
