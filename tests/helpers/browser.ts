// Opens a page in Debian's headless Chromium: the DOM after its scripts ran,
// what the page wrote to its console (errors included), and screenshots, with
// a tolerant comparison of PNG images for reference-image tests.
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as zlib from 'node:zlib';
import { tempDir } from './umbra';

export const CHROMIUM = '/usr/bin/chromium';
/** A hang net for one browser run; a healthy one takes seconds. */
const BROWSER_TIMEOUT_MS = 5 * 60_000;

const FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--hide-scrollbars',
  '--force-device-scale-factor=1',
  '--enable-logging=stderr',
  '--v=0',
];

export interface PageLoad {
  dom: string;
  /** Lines the page wrote to its console, uncaught exceptions included. */
  console: string[];
}

function runChromium(args: string[]): { stdout: string; console: string[] } {
  const profile = tempDir('umbra-chromium-');
  const r = spawnSync(CHROMIUM, [...FLAGS, `--user-data-dir=${profile}`, ...args], {
    encoding: 'utf8',
    timeout: BROWSER_TIMEOUT_MS,
    maxBuffer: 256 * 1024 * 1024,
  });
  if (r.error) throw new Error(`chromium ${args.join(' ')}: ${r.error.message}`);
  const console = (r.stderr ?? '').split('\n').filter((l) => /:CONSOLE[:(]/.test(l));
  return { stdout: r.stdout ?? '', console };
}

/** Loads `file` (with an optional #fragment) and returns the DOM once its scripts ran. */
export function loadPage(file: string, fragment = ''): PageLoad {
  const r = runChromium(['--dump-dom', `file://${path.resolve(file)}${fragment}`]);
  return { dom: r.stdout, console: r.console };
}

/** A screenshot of the top `width` x `height` pixels of the page, as a PNG file at `out`. */
export function screenshot(file: string, out: string, width: number, height: number): PageLoad {
  const r = runChromium([`--window-size=${width},${height}`, `--screenshot=${out}`, `file://${path.resolve(file)}`]);
  if (!fs.existsSync(out)) throw new Error(`chromium wrote no screenshot of ${file}`);
  return { dom: '', console: r.console };
}

export interface Image {
  width: number;
  height: number;
  /** RGBA, 4 bytes per pixel. */
  rgba: Uint8Array;
}

/** Decodes an 8-bit RGB or RGBA, non-interlaced PNG (what Chromium writes). */
export function readPng(file: string): Image {
  const b = fs.readFileSync(file);
  let off = 8;
  let width = 0;
  let height = 0;
  let colorType = 0;
  const idat: Buffer[] = [];
  while (off < b.length) {
    const len = b.readUInt32BE(off);
    const type = b.toString('latin1', off + 4, off + 8);
    const data = b.subarray(off + 8, off + 8 + len);
    if (type === 'IHDR') {
      width = data.readUInt32BE(0);
      height = data.readUInt32BE(4);
      if (data[8] !== 8 || data[12] !== 0) throw new Error(`${file}: only 8-bit non-interlaced PNGs are read`);
      colorType = data[9];
    } else if (type === 'IDAT') idat.push(data);
    off += 12 + len;
  }
  const bpp = colorType === 6 ? 4 : colorType === 2 ? 3 : 0;
  if (bpp === 0) throw new Error(`${file}: PNG colour type ${colorType} is not read`);
  const raw = zlib.inflateSync(Buffer.concat(idat));
  const stride = width * bpp;
  const px = new Uint8Array(height * stride);
  for (let y = 0; y < height; y++) {
    const filter = raw[y * (stride + 1)];
    const line = raw.subarray(y * (stride + 1) + 1, (y + 1) * (stride + 1));
    for (let x = 0; x < stride; x++) {
      const a = x >= bpp ? px[y * stride + x - bpp] : 0;
      const up = y > 0 ? px[(y - 1) * stride + x] : 0;
      const c = x >= bpp && y > 0 ? px[(y - 1) * stride + x - bpp] : 0;
      let v = line[x];
      if (filter === 1) v += a;
      else if (filter === 2) v += up;
      else if (filter === 3) v += (a + up) >> 1;
      else if (filter === 4) {
        const p = a + up - c;
        const pa = Math.abs(p - a);
        const pb = Math.abs(p - up);
        const pc = Math.abs(p - c);
        v += pa <= pb && pa <= pc ? a : pb <= pc ? up : c;
      }
      px[y * stride + x] = v & 255;
    }
  }
  const rgba = new Uint8Array(width * height * 4);
  for (let i = 0; i < width * height; i++) {
    rgba[i * 4] = px[i * bpp];
    rgba[i * 4 + 1] = px[i * bpp + 1];
    rgba[i * 4 + 2] = px[i * bpp + 2];
    rgba[i * 4 + 3] = bpp === 4 ? px[i * bpp + 3] : 255;
  }
  return { width, height, rgba };
}

/** The share of pixels (0..1) whose colour differs by more than `threshold` in some channel. */
export function pixelDifference(a: Image, b: Image, threshold = 64): number {
  if (a.width !== b.width || a.height !== b.height) return 1;
  let differing = 0;
  for (let i = 0; i < a.width * a.height; i++) {
    for (let ch = 0; ch < 3; ch++) {
      if (Math.abs(a.rgba[i * 4 + ch] - b.rgba[i * 4 + ch]) > threshold) {
        differing++;
        break;
      }
    }
  }
  return differing / (a.width * a.height);
}
