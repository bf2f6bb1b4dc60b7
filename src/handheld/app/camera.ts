import { prepareZXingModule, readBarcodes } from 'zxing-wasm/reader';

// Scanning with the phone's camera: the browser's barcode detector (Shape Detection API:
// Chrome on Android, Safari 17+) where present, otherwise ZXing compiled to WebAssembly
// (zxing-wasm, the maintained port of zxing-cpp), whose module the hub serves beside the app
// (/handheld/zxing_reader.wasm; never a CDN). The same decoder reads a still photo ("Scan from
// photo"), which also works where the browser gives no live camera. A Bluetooth/USB
// keyboard-wedge scanner needs none of this: it types into the code field.

prepareZXingModule({
  overrides: { locateFile: (path: string, prefix: string) => (path.endsWith('.wasm') ? '/handheld/zxing_reader.wasm' : prefix + path) },
});

export interface CameraScan {
  stop(): void;
}

interface Detector {
  detect(source: CanvasImageSource): Promise<{ rawValue: string }[]>;
}
type DetectorCtor = new (opts: { formats: string[] }) => Detector;

const DETECTOR_FORMATS = ['qr_code', 'ean_13', 'ean_8', 'upc_a', 'upc_e', 'code_128', 'data_matrix'];
const ZXING_FORMATS = ['QRCode', 'EAN-13', 'EAN-8', 'UPC-A', 'UPC-E', 'Code128', 'DataMatrix'] as const;

/** The first code in a still image (a photo, or a frame of the camera), or null. */
export async function decodeImage(image: Blob | ImageData): Promise<string | null> {
  const results = await readBarcodes(image, { formats: [...ZXING_FORMATS], tryHarder: true, maxNumberOfSymbols: 1 });
  return results.find((r) => r.isValid && r.text)?.text ?? null;
}

/** Which decoder the live camera uses here. */
export function cameraDecoder(): 'detector' | 'zxing' {
  return (globalThis as { BarcodeDetector?: unknown }).BarcodeDetector ? 'detector' : 'zxing';
}

export async function startCameraScan(video: HTMLVideoElement, onCode: (text: string) => void): Promise<CameraScan> {
  if (!navigator.mediaDevices?.getUserMedia) throw new Error('This browser gives no camera access here: use Scan from photo, type the code, or use a Bluetooth or USB scanner.');
  const Ctor = (globalThis as { BarcodeDetector?: DetectorCtor }).BarcodeDetector;
  const detector = Ctor ? new Ctor({ formats: DETECTOR_FORMATS }) : null;
  const stream = await navigator.mediaDevices.getUserMedia({ video: { facingMode: 'environment' }, audio: false });
  video.srcObject = stream;
  await video.play();
  const canvas = document.createElement('canvas');
  let stopped = false;
  const stop = () => {
    stopped = true;
    for (const t of stream.getTracks()) t.stop();
    video.srcObject = null;
  };
  const frame = async (): Promise<string | null> => {
    if (detector) return (await detector.detect(video))[0]?.rawValue ?? null;
    if (!video.videoWidth) return null;
    canvas.width = video.videoWidth;
    canvas.height = video.videoHeight;
    const ctx = canvas.getContext('2d', { willReadFrequently: true })!;
    ctx.drawImage(video, 0, 0);
    return decodeImage(ctx.getImageData(0, 0, canvas.width, canvas.height));
  };
  const loop = async () => {
    while (!stopped) {
      try {
        const code = await frame();
        if (code) {
          stop();
          onCode(code);
          return;
        }
      } catch {
        // a frame that could not be read: try the next one
      }
      await new Promise((r) => setTimeout(r, 150));
    }
  };
  void loop();
  return { stop };
}
